/// Warnings that come from comparing facts with each other: builds that each look fine alone
/// but do not fit together, so that a job runs without the kernels it expects.
///
/// Pure functions over a snapshot's facts; the probe and verify reports list the findings as
/// warnings, never as failures.
public enum CrossChecks {
    /// Every finding for `facts`, in a stable order.
    public static func findings(_ facts: [String: String]) -> [Finding] {
        var findings: [Finding] = []
        if let finding = xformersTorchMismatch(facts) { findings.append(finding) }
        if let finding = xformersPythonMismatch(facts) { findings.append(finding) }
        if let finding = torchvisionCUDAMismatch(facts) { findings.append(finding) }
        findings += gpusMissingFromXFormersArchList(facts)
        return findings
    }

    /// xformers compiled against another torch than the installed one: its C++/CUDA
    /// extension fails to load and xformers quietly falls back to slower, different kernels.
    static func xformersTorchMismatch(_ facts: [String: String]) -> Finding? {
        guard let built = facts["xformers.build.torch"], let installed = facts["torch.version"], built != "None" else { return nil }
        let (builtRelease, builtTag) = split(built)
        let (installedRelease, installedTag) = split(installed)
        let reason: String
        if builtRelease != installedRelease {
            reason = "torch \(builtRelease) and \(installedRelease) are different releases"
        } else if let builtTag, let installedTag, builtTag != installedTag {
            reason = "the builds differ (\(builtTag) and \(installedTag))"
        } else {
            return nil
        }
        let xformers = facts["xformers.version"].map { "xformers \($0)" } ?? "xformers"
        return Finding(
            code: "xformers-torch-mismatch",
            message: "\(xformers) was built for torch \(built) but torch \(installed) is installed: \(reason), so xformers cannot load its C++/CUDA kernels and silently runs without them. Install the xformers release built for torch \(installed) (pip install xformers with the same --index-url as torch), or the torch it was built for.",
            keys: ["xformers.build.torch", "torch.version"]
        )
    }

    /// xformers compiled for another Python (a different CPython ABI) than the interpreter.
    static func xformersPythonMismatch(_ facts: [String: String]) -> Finding? {
        guard let built = facts["xformers.build.python"], let installed = facts["python.version"],
              let builtMinor = majorMinor(built), let installedMinor = majorMinor(installed), builtMinor != installedMinor
        else { return nil }
        return Finding(
            code: "xformers-python-mismatch",
            message: "xformers was built for Python \(built) but the interpreter is Python \(installed): its compiled extension does not load on another Python minor version. Reinstall xformers with this interpreter's pip.",
            keys: ["xformers.build.python", "python.version"]
        )
    }

    /// torchvision built for another CUDA than torch: its operators (nms, roi_align, image
    /// decoding) fail to load or torch refuses them at import.
    static func torchvisionCUDAMismatch(_ facts: [String: String]) -> Finding? {
        guard let vision = facts["torchvision.cuda"], let torch = facts["torch.cuda"], vision != torch else { return nil }
        let describe = { (value: String) in value == "None" ? "no CUDA (a CPU build)" : "CUDA \(value)" }
        let major = { (value: String) in value.split(separator: ".").first.map(String.init) ?? value }
        // torchvision refuses to load only across CUDA major versions; a minor difference loads
        // but runs kernels built for another toolkit.
        let consequence = major(vision) == major(torch)
            ? "torchvision loads, but its kernels were built with another CUDA toolkit than torch's"
            : "torchvision's C++ operators fail to load against this torch"
        return Finding(
            code: "torchvision-cuda-mismatch",
            message: "torchvision \(facts["torchvision.version"] ?? "") is built for \(describe(vision)) but torch \(facts["torch.version"] ?? "") is built for \(describe(torch)): \(consequence). Install torch and torchvision from the same index (the same +cuXYZ build) in one pip command.",
            keys: ["torchvision.cuda", "torch.cuda"]
        )
    }

    /// GPUs for which xformers has neither a binary kernel of the same major architecture nor
    /// PTX it can compile: its CUDA kernels do not run there.
    static func gpusMissingFromXFormersArchList(_ facts: [String: String]) -> [Finding] {
        guard let listText = facts["xformers.build.arch_list"], listText != "None" else { return [] }
        let entries = ArchListEntry.parse(listText)
        guard !entries.isEmpty else { return [] }
        var gpus: [(index: Int, key: String, capability: String)] = []
        for (key, value) in facts where key.hasPrefix("gpu.") && key.hasSuffix(".compute_capability") {
            let middle = key.dropFirst("gpu.".count).dropLast(".compute_capability".count)
            guard let index = Int(middle) else { continue }
            gpus.append((index, key, value))
        }
        var findings: [Finding] = []
        for gpu in gpus.sorted(by: { $0.index < $1.index }) {
            guard let capability = ArchListEntry.Capability(gpu.capability) else { continue }
            if entries.contains(where: { $0.runs(on: capability) }) { continue }
            let name = facts["gpu.\(gpu.index).name"].map { " (\($0))" } ?? ""
            findings.append(Finding(
                code: "gpu-not-in-xformers-arch-list",
                message: "GPU \(gpu.index)\(name) has compute capability \(gpu.capability), which xformers' build arch list \"\(listText)\" does not cover (no kernel for \(capability.major).x and no PTX at or below \(gpu.capability)): xformers' CUDA kernels cannot run on it. Install an xformers wheel built for this GPU, or build it with TORCH_CUDA_ARCH_LIST including \(gpu.capability).",
                keys: [gpu.key, "xformers.build.arch_list"]
            ))
        }
        return findings
    }

    static func split(_ version: String) -> (release: Substring, tag: Substring?) {
        guard let plus = version.firstIndex(of: "+") else { return (version[...], nil) }
        return (version[..<plus], version[version.index(after: plus)...])
    }

    static func majorMinor(_ version: String) -> String? {
        let parts = version.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        return "\(parts[0]).\(parts[1].prefix { $0.isNumber })"
    }
}

/// One entry of a TORCH_CUDA_ARCH_LIST (`8.0`, `8.0+PTX`, `9.0a`), as torch's
/// cpp_extension reads it: entries separated by spaces or semicolons, architecture names
/// (`Ampere`) standing for their capabilities.
package struct ArchListEntry: Equatable {
    /// A compute capability `major.minor`.
    package struct Capability: Equatable, Comparable {
        package var major: Int
        package var minor: Int

        package init(major: Int, minor: Int) {
            self.major = major
            self.minor = minor
        }

        /// Parses `8.6` (and `9.0a`, whose suffix the caller handles).
        package init?(_ text: some StringProtocol) {
            let parts = text.split(separator: ".")
            guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1].prefix { $0.isNumber }) else { return nil }
            self.init(major: major, minor: minor)
        }

        package static func < (lhs: Capability, rhs: Capability) -> Bool {
            (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
        }
    }

    var capability: Capability
    /// `+PTX`: PTX is embedded, which the driver compiles for this or any newer GPU.
    var hasPTX: Bool
    /// `9.0a`: architecture-specific code that runs on exactly that capability.
    var isArchSpecific: Bool

    package init(capability: Capability, hasPTX: Bool, isArchSpecific: Bool) {
        self.capability = capability
        self.hasPTX = hasPTX
        self.isArchSpecific = isArchSpecific
    }

    /// Whether code built for this entry runs on a GPU of `gpu` capability: machine code of
    /// the same major version and a minor at or below the GPU's, or PTX at or below it.
    package func runs(on gpu: Capability) -> Bool {
        if isArchSpecific { return capability == gpu }
        if capability.major == gpu.major && capability.minor <= gpu.minor { return true }
        return hasPTX && capability <= gpu
    }

    /// torch.utils.cpp_extension's named architectures.
    static let named: [String: String] = [
        "kepler+tesla": "3.7", "kepler": "3.5+PTX", "maxwell+tegra": "5.3", "maxwell": "5.0;5.2+PTX",
        "pascal": "6.0;6.1+PTX", "volta+tegra": "7.2", "volta": "7.0+PTX", "turing": "7.5+PTX",
        "ampere+tegra": "8.7", "ampere": "8.0;8.6+PTX", "ada": "8.9+PTX", "hopper": "9.0+PTX",
    ]

    static func parse(_ text: String) -> [ArchListEntry] {
        var entries: [ArchListEntry] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "," }) {
            if let expansion = named[word.lowercased()] {
                entries += parse(expansion)
                continue
            }
            var body = Substring(word)
            var hasPTX = false
            if body.uppercased().hasSuffix("+PTX") {
                hasPTX = true
                body = body.dropLast(4)
            }
            // `9.0a` runs only on 9.0; `10.0f` (a family) runs on 10.x with x >= 0, like a plain entry.
            let suffix = body.last?.isLetter == true ? body.last : nil
            let isArchSpecific = suffix == "a" || suffix == "A"
            if suffix != nil { body = body.dropLast() }
            guard let capability = Capability(body) else { continue }
            entries.append(ArchListEntry(capability: capability, hasPTX: hasPTX, isArchSpecific: isArchSpecific))
        }
        return entries
    }
}

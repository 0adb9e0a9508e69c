/// One fact that differs between two machines, ranked by how much it can change images.
public struct FactDifference: Sendable, Equatable {
    public var key: String
    /// The first segment of the key (`gpu`, `python`).
    var group: String
    /// The key without its last segment (`python.packages`, `gpu.0`): differences of one
    /// family are folded together when there are many of them.
    var family: String
    /// The value in the first document (A); nil when only the second has the key.
    var left: String?
    /// The value in the second document (B); nil when only the first has the key.
    var right: String?
    /// How much this difference can change results, from the fact catalog.
    public var impact: FactImpact
    /// What this particular difference means (the two GPU architectures, how far apart two
    /// versions are, what a missing key means); nil when there is nothing to add to `why`.
    public var explanation: String?
    /// Why the fact matters in general, from the fact catalog.
    public var why: String
}

/// Compares the facts of two machines (A and B) and ranks what differs.
public enum FactDiff {
    /// Keys only in A, only in B, and with different values, sorted by impact, then key.
    public static func compare(_ left: [String: String], _ right: [String: String]) -> [FactDifference] {
        var differences: [FactDifference] = []
        for key in Set(left.keys).union(right.keys) where !Evaluator.sameBytes(left[key], right[key]) {
            differences.append(FactDifference(
                key: key,
                group: String(key.prefix { $0 != "." }),
                family: family(of: key),
                left: left[key],
                right: right[key],
                impact: FactCatalog.impact(of: key),
                explanation: DifferenceExplanation.explain(key, left: left, right: right),
                why: FactCatalog.why(key)
            ))
        }
        return differences.sorted { ($0.impact, $0.key) < ($1.impact, $1.key) }
    }

    /// `python.packages.torch` gives `python.packages`; a key of one segment is its own family.
    static func family(of key: String) -> String {
        guard let dot = key.lastIndex(of: ".") else { return key }
        return String(key[..<dot])
    }
}

/// The specific words for one difference: the facts on both sides say more than the
/// catalog's general `why`.
enum DifferenceExplanation {
    static func explain(_ key: String, left: [String: String], right: [String: String]) -> String? {
        let segments = key.split(separator: ".")
        if segments.count == 3, segments[0] == "gpu", ["name", "compute_capability", "arch"].contains(segments[2]) {
            return gpus(index: String(segments[1]), left: left, right: right)
        }
        if segments.count >= 3, segments[0] == "gpu", let last = segments.last, RandomGrid.keys.contains(String(last)) {
            // Counts, not versions: without both grids there is nothing to add to `why`.
            let prefix = segments.dropLast().joined(separator: ".") + "."
            return randomGrids(prefix: prefix, gpu: String(segments[1]), left: left, right: right, whole: last == "torch_rng_threshold")
        }
        if let last = segments.last, quantities.contains(String(last)) {
            // A size or a count: the two values say all there is, and are no versions.
            return nil
        }
        if key.hasPrefix(FactCatalog.jobPrefix), key.hasSuffix(".tree") {
            return checkouts(left[key], right[key])
        }
        if let explained = gpuCode(key, left: left[key], right: right[key]) { return explained }
        if key.hasPrefix("python.packages."), key.hasSuffix(".files") {
            return distributionFiles(key, left[key], right[key])
        }
        switch (left[key], right[key]) {
        case (let a?, let b?): return versions(a, b)
        case (let a?, nil): return oneSide(key, value: a, present: "A", missing: "B")
        case (nil, let b?): return oneSide(key, value: b, present: "B", missing: "A")
        case (nil, nil): return nil
        }
    }

    /// "L4 is sm_89 (Ada), A30 is sm_80 (Ampere): PyTorch selects different attention and GEMM kernels".
    static func gpus(index: String, left: [String: String], right: [String: String]) -> String? {
        let a = GPUDescription(index: index, facts: left), b = GPUDescription(index: index, facts: right)
        switch (a, b) {
        case (let a?, let b?):
            if a.capability != b.capability {
                return "\(a.label) is \(a.kernelTarget), \(b.label) is \(b.kernelTarget): PyTorch selects different attention and GEMM kernels"
            }
            if a.name != b.name {
                let counts = (RandomGrid(prefix: "gpu.\(index).", gpu: index, facts: left), RandomGrid(prefix: "gpu.\(index).", gpu: index, facts: right))
                if let countA = counts.0?.multiprocessors, let countB = counts.1?.multiprocessors, countA != countB {
                    return "\(a.label) and \(b.label) are both \(a.kernelTarget): the same kernel builds, but \(countA) against \(countB) SMs and other clocks change which kernels autotuning and split heuristics pick"
                }
                return "\(a.label) and \(b.label) are both \(a.kernelTarget): the same kernel builds, but other SM counts and clocks change which kernels autotuning and split heuristics pick"
            }
            return nil
        case (let a?, nil):
            return "only A has a GPU \(index) (\(a.label), \(a.kernelTarget)): B runs the job on another card or without a GPU"
        case (nil, let b?):
            return "only B has a GPU \(index) (\(b.label), \(b.kernelTarget)): A runs the job on another card or without a GPU"
        case (nil, nil):
            return nil
        }
    }

    /// The last segments of keys whose values are sizes and counts, not versions.
    static let quantities: Set<String> = ["memory_mib", "count", "pid"]

    /// "B's 56 SMs draw different CUDA random numbers above 89088 elements": where the same
    /// seed stops giving the same GPU noise, from both GPUs' (or MIG devices') grids under
    /// `prefix` (`gpu.0.`, `gpu.0.mig_device.1.`). The threshold's difference says it whole
    /// (`whole`); the SM count and the threads per SM, its factors, point to it.
    static func randomGrids(prefix: String, gpu: String, left: [String: String], right: [String: String], whole: Bool) -> String? {
        guard let a = RandomGrid(prefix: prefix, gpu: gpu, facts: left), let b = RandomGrid(prefix: prefix, gpu: gpu, facts: right) else { return nil }
        if !whole {
            return "A's \(prefix.dropLast()) has \(a.describe), B's has \(b.describe): \(prefix)torch_rng_threshold says where their CUDA random numbers part"
        }
        if a.threshold == b.threshold {
            return "PyTorch's CUDA random kernels run the same grid on both (\(a.threshold) threads), so one seed draws the same values on both"
        }
        let smaller = min(a.threshold, b.threshold)
        return "B's \(b.describe) draw different CUDA random numbers from A's \(a.describe) above \(smaller) elements: PyTorch caps its random kernels' grid at \(a.threshold) threads on A and \(b.threshold) on B, so a larger draw on the GPU (ancestral samplers' noise for a batch of two SDXL 1024x1024 latents is 131072 elements) takes other values"
    }

    /// Direction and distance between two versions: "B is newer by 1 minor version (2.1.2 → 2.2.0)".
    static func versions(_ a: String, _ b: String) -> String? {
        guard let old = Version(a), let new = Version(b) else { return nil }
        if old.publicVersion == new.publicVersion {
            guard old.local != new.local else { return nil }
            return "same release \(old.publicVersion), another build: \(old.local.map { "+" + $0 } ?? "no build tag") on A, \(new.local.map { "+" + $0 } ?? "no build tag") on B"
        }
        let newer = old < new ? "B" : "A"
        let (low, high) = old < new ? (old, new) : (new, old)
        var distance = "a pre-, post- or dev-release"
        if low.epoch != high.epoch {
            distance = "another epoch"
        } else {
            let count = max(low.release.count, high.release.count)
            for position in 0..<count {
                let lowPart = position < low.release.count ? low.release[position] : 0
                let highPart = position < high.release.count ? high.release[position] : 0
                if lowPart == highPart { continue }
                let names = ["major", "minor", "patch"]
                let name = position < names.count ? names[position] : "micro"
                let steps = abs(highPart - lowPart)
                distance = position == 0 ? "\(steps) major version\(steps == 1 ? "" : "s")" : "\(steps) \(name) version\(steps == 1 ? "" : "s")"
                break
            }
        }
        var text = "\(newer) is newer by \(distance) (\(a) → \(b))"
        if old.local != new.local { text += ", and another build" }
        return text
    }

    /// What two `job.*.tree` values mean side by side: which checkout runs other code than its
    /// commit, however equal the commits are.
    static func checkouts(_ a: String?, _ b: String?) -> String? {
        func edited(_ value: String?) -> String? {
            guard let value, value.hasPrefix("modified") else { return nil }
            return String(value.dropFirst("modified (".count).prefix { $0 != ")" })
        }
        switch (a, b, edited(a), edited(b)) {
        case ("clean"?, _, _, let files?):
            return "B's checkout differs from its commit in \(files), A's holds its commit exactly: at the same commit B runs other code"
        case (_, "clean"?, let files?, _):
            return "A's checkout differs from its commit in \(files), B's holds its commit exactly: at the same commit A runs other code"
        case (_, _, let filesA?, let filesB?):
            return "both checkouts differ from their commits (A in \(filesA), B in \(filesB)): the code that runs is neither commit's"
        case (nil, _?, _, _):
            return "A's checkout was not verified against its commit (not a git checkout, one envlock could not verify, or an older envlock), so its code is known only by its commit"
        case (_?, nil, _, _):
            return "B's checkout was not verified against its commit (not a git checkout, one envlock could not verify, or an older envlock), so its code is known only by its commit"
        default:
            return nil
        }
    }

    /// What a difference in `python.packages.NAME.files` means: the side whose files are
    /// `modified` runs code its wheel did not install, whatever its version says.
    static func distributionFiles(_ key: String, _ a: String?, _ b: String?) -> String {
        let name = key.dropFirst("python.packages.".count).dropLast(".files".count)
        let aModified = a?.hasPrefix("modified") == true, bModified = b?.hasPrefix("modified") == true
        switch (aModified, bModified) {
        case (true, true):
            return "the installed files of \(name) differ from its RECORD on both sides, in other files: each runs code its wheel did not install"
        case (true, false), (false, true):
            let (changed, other) = aModified ? ("A", "B") : ("B", "A")
            let otherState = (aModified ? b : a) == nil ? "\(other) did not check them" : "\(other)'s are as its wheel installed them"
            return "\(changed) runs \(name) files that are not what its wheel installed (edited, missing or planted; the version is the same), \(otherState); reinstall on \(changed) with pip install --force-reinstall --no-deps \(name)"
        case (false, false):
            return "only \(a == nil ? "B" : "A") checked the files of \(name) against their RECORD"
        }
    }

    /// What a key present on one side only means, by family.
    static func oneSide(_ key: String, value: String, present: String, missing: String) -> String {
        if key.hasPrefix("python.packages.") || key.hasPrefix("conda.packages.") {
            return "installed only on \(present); \(missing) does not have this distribution"
        }
        if key.hasPrefix("env.") {
            return "set only on \(present); on \(missing) the variable is unset, so the library's default applies"
        }
        if key.hasPrefix(FactCatalog.jobPrefix) {
            return "only \(present)'s job sets it; \(missing)'s job runs with the application's default"
        }
        return "only \(present) reports it: \(missing) does not have it, or its probe could not read it"
    }
}

/// One GPU's model and kernel target, from its facts.
struct GPUDescription {
    var name: String
    var capability: String?
    var architecture: String?

    init?(index: String, facts: [String: String]) {
        guard let name = facts["gpu.\(index).name"] else { return nil }
        self.name = name
        capability = facts["gpu.\(index).compute_capability"]
        architecture = facts["gpu.\(index).arch"]
    }

    /// The model without the vendor prefix every NVIDIA name has: `NVIDIA L4` gives `L4`.
    var label: String {
        name.hasPrefix("NVIDIA ") ? String(name.dropFirst("NVIDIA ".count)) : name
    }

    /// `sm_89 (Ada)`: the target PyTorch builds and picks kernels for.
    var kernelTarget: String {
        guard let capability else { return "of unknown compute capability" }
        let target = "sm_" + capability.filter { $0 != "." }
        return architecture.map { "\(target) (\($0))" } ?? target
    }
}

/// One GPU's (or MIG device's) CUDA random-number grid, from its `sm_count` and
/// `torch_rng_threshold` facts and its GPU's `max_threads_per_sm`.
struct RandomGrid {
    static let keys: Set<String> = ["sm_count", "max_threads_per_sm", "torch_rng_threshold"]

    var multiprocessors: Int
    var maxThreads: Int
    var threshold: Int

    /// The grid under `prefix` (`gpu.0.`, `gpu.0.mig_device.1.`) of GPU `gpu`.
    init?(prefix: String, gpu: String, facts: [String: String]) {
        guard let multiprocessors = facts[prefix + "sm_count"].flatMap({ Int($0) }),
              let maxThreads = facts["gpu.\(gpu).max_threads_per_sm"].flatMap({ Int($0) }),
              let threshold = facts[prefix + "torch_rng_threshold"].flatMap({ Int($0) }) else { return nil }
        self.multiprocessors = multiprocessors
        self.maxThreads = maxThreads
        self.threshold = threshold
    }

    /// `56 SMs (8 blocks of 256 threads each)`.
    var describe: String {
        "\(multiprocessors) SMs (\(maxThreads / TorchRandomGrid.blockSize) blocks of \(TorchRandomGrid.blockSize) threads each)"
    }
}

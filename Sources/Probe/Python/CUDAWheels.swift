/// The CUDA libraries torch loads, from the `nvidia-*-cuNN` wheels pip installs beside it,
/// else from the libraries a torch wheel bundles in `torch/lib`.
///
/// Keys, one per NVIDIA wheel (`NN` is the CUDA major, 11, 12 or 13):
///
/// | wheel | fact |
/// | --- | --- |
/// | nvidia-cuda-runtime-cuNN | `cuda.runtime` |
/// | nvidia-cudnn-cuNN | `cudnn.runtime` |
/// | nvidia-cublas-cuNN | `cublas.runtime` |
/// | nvidia-nccl-cuNN | `nccl.runtime` |
/// | nvidia-nvjitlink-cuNN | `nvjitlink.runtime` |
/// | nvidia-cuda-nvrtc-cuNN | `nvrtc.runtime` |
/// | nvidia-cuda-cupti-cuNN | `cupti.runtime` |
/// | nvidia-cufft-cuNN | `cufft.runtime` |
/// | nvidia-curand-cuNN | `curand.runtime` |
/// | nvidia-cusolver-cuNN | `cusolver.runtime` |
/// | nvidia-cusparse-cuNN | `cusparse.runtime` |
/// | nvidia-cusparselt-cuNN | `cusparselt.runtime` |
/// | nvidia-nvtx-cuNN | `nvtx.runtime` |
/// | nvidia-cufile-cuNN | `cufile.runtime` |
/// | nvidia-nvshmem-cuNN | `nvshmem.runtime` |
/// | any other nvidia-X-cuNN | `X.runtime` (a leading `cuda-` dropped) |
///
/// The value is the wheel's version (`12.1.105`, `8.9.2.26`). Where the wheel is absent and
/// torch bundles the library (`torch/lib/libcudart-d0da41ae.so.11.0`, `libcudnn.so.8`), the
/// value is the version in the file name, which is often only the soname's (`11.0`, `8`).
/// When wheels for two CUDA majors are installed, the one matching `torch.cuda` wins.
struct CUDAWheelsDetector: SysPathDetector {
    let name = "cuda-wheels"
    let provides = [
        "cuda.runtime", "cudnn.runtime", "cublas.runtime", "nccl.runtime", "nvjitlink.runtime", "nvrtc.runtime",
        "cupti.runtime", "cufft.runtime", "curand.runtime", "cusolver.runtime", "cusparse.runtime",
        "cusparselt.runtime", "nvtx.runtime", "cufile.runtime", "nvshmem.runtime",
    ]
    let dependencies = ["python", "site-packages", "torch-build"]

    init() {}

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let packages = earlier["site-packages"], packages.status == .ok else {
            return .failed("no package list: the site-packages detector \(earlier["site-packages"].map { "is \($0.status.rawValue) (\($0.detail ?? "no reason given"))" } ?? "did not finish")")
        }
        var installed: [String: String] = [:]
        for (key, version) in packages.facts where key.hasPrefix("python.packages.nvidia-") {
            installed[String(key.dropFirst("python.packages.".count))] = version
        }
        let torchCUDAMajor = earlier["torch-build"]?.facts["torch.cuda"].flatMap { $0.split(separator: ".").first.map(String.init) }
        var (facts, diagnostics) = Self.wheelFacts(installed: installed, preferredCUDAMajor: torchCUDAMajor)
        var fromTorch: [String] = []
        if let torch = PythonInstallation.packageFolder("torch", on: sysPath, in: context) {
            let libFolder = PythonPath.join(torch, "lib")
            do {
                let names = try context.listDirectory(libFolder)
                for (component, version) in Self.bundledLibraries(names) where facts["\(component).runtime"] == nil {
                    facts["\(component).runtime"] = version
                    fromTorch.append(component)
                }
            } catch {
                if case .notFound = error {} else { diagnostics.append("\(error.description): libraries bundled with torch were not read") }
            }
        }
        if facts.isEmpty {
            return .absent("no nvidia-*-cuNN wheels on sys.path and no CUDA libraries bundled in torch/lib")
        }
        var outcome = DetectorOutcome.ok(facts, diagnostics: diagnostics)
        if !fromTorch.isEmpty {
            outcome.detail = "from torch/lib file names (no wheel installed): \(fromTorch.sorted().joined(separator: ", "))"
        }
        return outcome
    }

    /// Components whose wheel name carries no `-cuNN` suffix that are still NVIDIA CUDA
    /// libraries; other unsuffixed `nvidia-*` distributions (nvidia-ml-py, nvidia-dali) are not.
    static let knownComponents: Set<String> = [
        "cuda-runtime", "cudnn", "cublas", "nccl", "nvjitlink", "cuda-nvrtc", "cuda-cupti", "cufft", "curand",
        "cusolver", "cusparse", "cusparselt", "nvtx", "cufile", "nvshmem",
    ]

    /// The fact component for a normalized distribution name, and the CUDA major of its
    /// suffix: `("cudnn", "12")` for `nvidia-cudnn-cu12`, `("cuda", "12")` for
    /// `nvidia-cuda-runtime-cu12`; nil for names that are not CUDA library wheels.
    static func component(ofDistribution name: String) -> (component: String, cudaMajor: String?)? {
        guard name.hasPrefix("nvidia-") else { return nil }
        var rest = Substring(name.dropFirst("nvidia-".count))
        var major: String?
        if let dash = rest.lastIndex(of: "-") {
            let suffix = rest[rest.index(after: dash)...]
            if suffix.hasPrefix("cu"), suffix.count > 2, suffix.dropFirst(2).allSatisfy({ $0.isASCII && $0.isNumber }) {
                major = String(suffix.dropFirst(2))
                rest = rest[..<dash]
            }
        }
        if major == nil && !knownComponents.contains(String(rest)) { return nil }
        guard !rest.isEmpty else { return nil }
        if rest == "cuda-runtime" { return ("cuda", major) }
        if rest.hasPrefix("cuda-") { rest = rest.dropFirst("cuda-".count) }
        return (String(rest), major)
    }

    /// Facts from installed distributions (normalized name → version).
    static func wheelFacts(installed: [String: String], preferredCUDAMajor: String?) -> (facts: [String: String], diagnostics: [String]) {
        var byComponent: [String: [(name: String, major: String?, version: String)]] = [:]
        for (name, version) in installed {
            guard let (component, major) = component(ofDistribution: name) else { continue }
            byComponent[component, default: []].append((name, major, version))
        }
        var facts: [String: String] = [:]
        var diagnostics: [String] = []
        for (component, wheels) in byComponent {
            let ordered = wheels.sorted { a, b in
                let aPreferred = a.major == preferredCUDAMajor, bPreferred = b.major == preferredCUDAMajor
                if aPreferred != bPreferred { return aPreferred }
                return (Int(a.major ?? "") ?? 0, a.name) > (Int(b.major ?? "") ?? 0, b.name)
            }
            facts["\(component).runtime"] = ordered[0].version
            if ordered.count > 1 {
                let others = ordered.dropFirst().map { "\($0.name) \($0.version)" }.joined(separator: ", ")
                diagnostics.append("\(component).runtime: \(ordered[0].name) \(ordered[0].version) reported; also installed: \(others). Uninstall the wheels for the CUDA version torch does not use")
            }
        }
        return (facts, diagnostics)
    }

    /// Library file stems in torch/lib and the component each belongs to.
    static let bundledStems: [(stem: String, component: String)] = [
        ("cudart", "cuda"), ("cudnn", "cudnn"), ("cublas", "cublas"), ("nccl", "nccl"), ("nvJitLink", "nvjitlink"),
        ("nvrtc", "nvrtc"), ("cupti", "cupti"), ("cufft", "cufft"), ("curand", "curand"), ("cusolver", "cusolver"),
        ("cusparse", "cusparse"), ("nvToolsExt", "nvtx"),
    ]

    /// Component → version from torch/lib file names such as `libcudart-d0da41ae.so.11.0`
    /// (auditwheel's hashed copy) or `libcudnn.so.8.9.2`; the most specific version wins.
    static func bundledLibraries(_ names: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for name in names {
            guard name.hasPrefix("lib") else { continue }
            for (stem, component) in bundledStems {
                guard let version = version(ofLibrary: name, stem: stem) else { continue }
                let current = found[component]
                if current == nil || version.split(separator: ".").count > current!.split(separator: ".").count {
                    found[component] = version
                }
            }
        }
        return found
    }

    /// `11.0` from `libcudart-d0da41ae.so.11.0` for stem `cudart`; `""` is never returned:
    /// a bare `libcudart.so` has no version and gives nil.
    static func version(ofLibrary name: String, stem: String) -> String? {
        var rest = Substring(name)
        guard rest.hasPrefix("lib" + stem) else { return nil }
        rest = rest.dropFirst(3 + stem.count)
        if rest.hasPrefix("-") {
            let hash = rest.dropFirst().prefix { $0.isHexDigit }
            guard hash.count == 8 else { return nil }
            rest = rest.dropFirst(1 + hash.count)
        }
        guard rest.hasPrefix(".so.") else { return nil }
        let version = rest.dropFirst(4)
        guard !version.isEmpty, version.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return String(version)
    }
}

/// The torchvision build, from `torchvision/version.py` without importing it:
/// `torchvision.version` (`__version__`) and `torchvision.cuda`.
///
/// torchvision's version.py computes `cuda` at import time (`_check_cuda_version()`), so the
/// CUDA version comes from a literal `cuda = '12.1'` where an old build writes one, else from
/// the version's local tag (`+cu121` is `12.1`, `+cpu` is `None`).
struct TorchvisionBuildDetector: SysPathDetector {
    let name = "torchvision-build"
    let provides = ["torchvision."]
    let dependencies = ["python"]

    init() {}

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        PythonInstallation.versionModuleOutcome(of: "torchvision", on: sysPath, in: context) { text, path in
            Self.outcome(versionModule: text, path: path)
        }
    }

    /// The facts of a torchvision/version.py text.
    static func outcome(versionModule text: String, path: String) -> DetectorOutcome {
        let assignments = PythonVersionModule.assignments(text)
        guard case .string(let version) = assignments["__version__"] else {
            return .failed("\(path): no __version__ string; torchvision's build is unknown, reinstall torchvision")
        }
        var facts = ["torchvision.version": version]
        var diagnostics: [String] = []
        if case .string(let cuda) = assignments["cuda"] {
            facts["torchvision.cuda"] = cuda
        } else if let tag = CUDAVersionText.localTag(of: version), let cuda = CUDAVersionText.fromLocalTag(tag) {
            facts["torchvision.cuda"] = cuda
        } else if CUDAVersionText.localTag(of: version) == "cpu" {
            facts["torchvision.cuda"] = "None"
        } else {
            diagnostics.append("\(path): torchvision computes its CUDA version at import time and \(version) has no +cuXYZ tag; torchvision.cuda is left out")
        }
        return .ok(facts, diagnostics: diagnostics)
    }
}

/// The torch build, read from `torch/version.py` (which the build generates) without
/// importing torch: `torch.version` (`__version__`, with its local tag such as `+cu121`, unlike
/// the dist-info's `Version: 2.2.0`), `torch.cuda`, `torch.hip`, `torch.git`, `torch.debug`.
/// Values are written as Python prints them (`None`, `False`).
struct TorchBuildDetector: SysPathDetector {
    let name = "torch-build"
    let provides = ["torch."]
    let dependencies = ["python"]

    init() {}

    /// The version.py variables and the fact each becomes.
    static let fields: [(variable: String, fact: String)] = [
        ("__version__", "torch.version"), ("cuda", "torch.cuda"), ("hip", "torch.hip"),
        ("git_version", "torch.git"), ("debug", "torch.debug"),
    ]

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        PythonInstallation.versionModuleOutcome(of: "torch", on: sysPath, in: context) { text, path in
            Self.outcome(versionModule: text, path: path)
        }
    }

    /// The facts of a torch/version.py text.
    static func outcome(versionModule text: String, path: String) -> DetectorOutcome {
        let assignments = PythonVersionModule.assignments(text)
        guard let version = assignments["__version__"], case .string = version else {
            return .failed("\(path): no __version__ string; torch's build is unknown, reinstall torch")
        }
        var facts: [String: String] = [:]
        var diagnostics: [String] = []
        for field in fields {
            if let value = assignments[field.variable] {
                facts[field.fact] = value.factValue
            } else {
                diagnostics.append("\(path): no \(field.variable); \(field.fact) is left out")
            }
        }
        return .ok(facts, diagnostics: diagnostics)
    }
}

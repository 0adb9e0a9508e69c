/// `env.NAME` for each environment variable that changes numerical results or kernel choice.
struct EnvironmentDetector: Detector {
    let name = "environment"
    let provides = ["env."]
    /// The variables are in memory (with --pid, read when --pid was checked).
    func mayBlock(in context: HostContext) -> Bool { false }
    /// With --pid, the process's environment read from /proc; else envlock's own, which is
    /// this machine's.
    func source(in context: HostContext) -> DetectorSource {
        context.process == nil ? .runningMachine(reason: "this process's environment is not that tree's") : .probedFiles
    }

    /// The variables reported, each explained in docs/FACTS.md.
    static let variables = [
        "CUBLAS_WORKSPACE_CONFIG", "NVIDIA_TF32_OVERRIDE", "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE",
        "CUDA_VISIBLE_DEVICES", "CUDA_LAUNCH_BLOCKING", "CUDA_MODULE_LOADING", "PYTORCH_CUDA_ALLOC_CONF",
        "CUBLASLT_WORKSPACE_SIZE", "TORCH_CUDNN_V8_API_DISABLED", "TORCH_CUDNN_USE_HEURISTIC_MODE_B",
        "XFORMERS_FORCE_DISABLE_TRITON", "PYTHONHASHSEED",
    ]

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        // With --pid, the variables the running job has, not envlock's own.
        if let process = context.process {
            var outcome = DetectorOutcome.ok(Self.facts(process.environment))
            outcome.detail = "the environment of process \(process.pid)"
            return outcome
        }
        return .ok(Self.facts(context.environment))
    }

    /// `env.NAME` for each reported variable set in `environment`.
    static func facts(_ environment: [String: String]) -> [String: String] {
        var facts: [String: String] = [:]
        for variable in variables {
            if let value = environment[variable] { facts["env.\(variable)"] = value }
        }
        return facts
    }
}

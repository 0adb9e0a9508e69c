import EnvLock

/// `job.comfyui.*`: a ComfyUI launch (`main.py` beside `comfy/cli_args.py`): its version
/// (`comfyui_version.py`), commit, and options parsed as `comfy/cli_args.py` defines them,
/// named by their effect.
public struct ComfyUIDetector: Detector {
    public let name = "comfyui"
    public let provides = ["job.comfyui."]
    public var job: JobInvocation?

    public init(job: JobInvocation?) {
        self.job = job
    }

    /// `comfyui_version.py`: `__version__ = "0.8.1"`.
    static func parseVersion(_ text: String) -> String? {
        guard case .string(let version)? = PythonVersionModule.assignments(text)["__version__"] else { return nil }
        return version
    }

    /// The checkout `launch` starts ComfyUI from, or why it is not a ComfyUI launch.
    static func recognise(_ launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> Result<String, Absence> {
        guard let script = launch.script.map({ job.physicalPath($0, in: context) }) else { return .failure(Absence(reason: "the command runs no script file, so it is not a ComfyUI launch")) }
        guard PythonPath.basename(script) == "main.py" else { return .failure(Absence(reason: "\(script) is not ComfyUI's main.py")) }
        let checkout = PythonPath.dirname(script)
        guard context.exists(checkout + "/comfy/cli_args.py") else {
            return .failure(Absence(reason: "\(script) has no comfy/cli_args.py beside it, so it is not a ComfyUI checkout"))
        }
        return .success(checkout)
    }

    /// The ComfyUI checkout `launch` starts from, or nil when it is not a ComfyUI launch.
    static func checkout(of launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> String? {
        try? recognise(launch, job: job, in: context).get()
    }

    public func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let job, let launch = JobInvocation.launch(job.command) else { return .skipped(JobDetectors.noCommand) }
        let checkout: String
        switch Self.recognise(launch, job: job, in: context) {
        case .success(let found): checkout = found
        case .failure(let absence): return .absent(absence.reason)
        }
        var facts: [String: String] = [:]
        var diagnostics: [String] = []
        do {
            let text = try context.readText(checkout + "/comfyui_version.py", limit: 64 << 10)
            guard let version = Self.parseVersion(text) else {
                return .failed("\(checkout)/comfyui_version.py has no __version__ = \"…\" line")
            }
            facts["job.comfyui.version"] = version
        } catch {
            if case .notFound = error {
                diagnostics.append("\(checkout)/comfyui_version.py is missing (ComfyUI before 0.3 had none), so job.comfyui.version is not known")
            } else {
                return .failed("cannot read the ComfyUI version: \(error)")
            }
        }
        switch GitHead.commit(of: checkout, in: context) {
        case .commit(let commit): facts["job.comfyui.commit"] = commit
        case .notACheckout: diagnostics.append("\(checkout) is not a git checkout, so job.comfyui.commit is not known")
        case .unreadable(let reason): return .failed("cannot read the checkout's commit: \(reason)", facts: facts)
        }
        // main.py enables argument parsing, then comfy/cli_args.py runs parser.parse_args().
        let host = ComfyUIOptions.host(checkout: checkout, job: job, context: context)
        let (outcome, note) = JobArgparse.parse(launch, with: ComfyUIOptions.parser, job: job, in: context, host: host)
        if let note { diagnostics.append(note) }
        switch outcome {
        case .exits(let status, let message):
            facts["job.comfyui.options.error"] = JobArgparse.exitFact(status: status, message: message, app: "ComfyUI")
        case .undetermined(let reason):
            var unreadable: [String: String] = [:]
            for key in ComfyUIOptions.factKeys { unreadable[key] = "undetermined: " + reason }
            return DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics, unreadable: unreadable)
        case .parsed(let namespace):
            let derived = ComfyUIOptions.facts(ComfyUIOptions.afterParsing(namespace))
            facts.merge(derived.facts) { $1 }
            if !derived.undetermined.isEmpty {
                return DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics, unreadable: derived.undetermined)
            }
        }
        return .ok(facts, diagnostics: diagnostics)
    }
}

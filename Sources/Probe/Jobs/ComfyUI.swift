import EnvLock

/// `job.comfyui.*`: a ComfyUI launch (`main.py` beside `comfy/cli_args.py`): its version
/// (`comfyui_version.py`), commit, and options parsed as `comfy/cli_args.py` defines them,
/// named by their effect.
struct ComfyUIDetector: Detector {
    let name = "comfyui"
    let provides = ["job.comfyui."]
    var job: JobInvocation?

    init(job: JobInvocation?) {
        self.job = job
    }

    /// `comfyui_version.py`: `__version__ = "0.8.1"`.
    static func parseVersion(_ text: String) -> String? {
        guard case .string(let version)? = PythonVersionModule.assignments(text)["__version__"] else { return nil }
        return version
    }

    /// The checkout `launch` starts ComfyUI from, or why it is not a ComfyUI launch.
    static func recognise(_ launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> Result<String, Absence> {
        guard let script = launch.script.map({ job.physicalPath($0, in: context) }) else { return .failure(Absence(reason: launch.noScriptReason(app: "ComfyUI"))) }
        guard PythonPath.basename(script) == "main.py" else { return .failure(Absence(reason: "\(script) is not ComfyUI's main.py")) }
        let checkout = PythonPath.dirname(script)
        guard context.exists(checkout + "/comfy/cli_args.py") else {
            return .failure(Absence(reason: "\(script) has no comfy/cli_args.py beside it, so it is not a ComfyUI checkout"))
        }
        return .success(checkout)
    }

    /// The ComfyUI checkout `launch` starts from, or nil when it is not a ComfyUI launch.
    static func checkout(of launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> String? {
        if case .success(let checkout) = recognise(launch, job: job, in: context) { checkout } else { nil }
    }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
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
        var unreadable: [String: String] = [:]
        switch GitHead.commit(of: checkout, in: context) {
        case .commit(let commit):
            facts["job.comfyui.commit"] = commit
            // Custom nodes are not ComfyUI's code: job.comfyui.custom_nodes names them.
            let tree = await GitCheckout.verify(checkout, commit: commit, notCode: ["custom_nodes"], interpreter: GitCheckout.interpreter(for: launch, job: job, in: context), in: context, diagnostics: &diagnostics)
            GitCheckout.record(tree,
                               as: "job.comfyui.tree", facts: &facts, unreadable: &unreadable)
        case .notACheckout:
            diagnostics.append("\(checkout) is not a git checkout, so job.comfyui.commit is not known")
            GitCheckout.record(GitCheckout.notACheckout(checkout), as: "job.comfyui.tree", facts: &facts, unreadable: &unreadable)
        case .unreadable(let reason): return .failed("cannot read the checkout's commit: \(reason)", facts: facts)
        }
        // main.py loads extra_model_paths.yaml beside itself (realpath of __file__) when it is a
        // file, adding model folders, before any --extra-model-paths-config.
        let extraPaths = checkout + "/extra_model_paths.yaml"
        do {
            facts["job.comfyui.extra_model_paths"] = ModelDigest.text(of: try context.readBytes(extraPaths, limit: 16 << 20))
        } catch {
            if case .notFound = error { facts["job.comfyui.extra_model_paths"] = "absent" } else { unreadable["job.comfyui.extra_model_paths"] = "undetermined: cannot read \(extraPaths): \(error)" }
        }
        // nodes.py init_extra_nodes / load_custom_nodes: every .py file and folder in
        // custom_nodes (not __pycache__, not *.disabled) is imported at start and may patch anything.
        do {
            let names = try context.listDirectory(checkout + "/custom_nodes").filter { name in
                guard name != "__pycache__", !name.hasSuffix(".disabled") else { return false }
                return name.hasSuffix(".py") || context.isDirectory(checkout + "/custom_nodes/" + name)
            }
            facts["job.comfyui.custom_nodes"] = FactList.encode(names)
        } catch {
            if case .notFound = error { facts["job.comfyui.custom_nodes"] = FactList.encode([]) } else { unreadable["job.comfyui.custom_nodes"] = "undetermined: cannot list \(checkout)/custom_nodes: \(error)" }
        }
        // main.py enables argument parsing, then comfy/cli_args.py runs parser.parse_args().
        let host = ComfyUIOptions.host(checkout: checkout, job: job, context: context)
        let (outcome, note, startup) = JobArgparse.parse(launch, with: ComfyUIOptions.parser, job: job, in: context, host: host)
        if let note { diagnostics.append(note) }
        JobArgparse.record(startup: startup, as: "job.comfyui.python_startup", facts: &facts, unreadable: &unreadable)
        switch outcome {
        case .exits(let status, let message):
            facts["job.comfyui.options.error"] = JobArgparse.exitFact(status: status, message: message, app: "ComfyUI")
            // The options are not evaluated, under this one cause; the files read above are.
            let refused = JobArgparse.refusedCause(app: "ComfyUI", errorKey: "job.comfyui.options.error", what: "its options")
            for key in ComfyUIOptions.factKeys where key != "job.comfyui.options.error" { unreadable[key] = refused }
        case .undetermined(let reason):
            for key in ComfyUIOptions.factKeys { unreadable[key] = "undetermined: " + reason }
        case .parsed(let namespace):
            let derived = ComfyUIOptions.facts(ComfyUIOptions.afterParsing(namespace))
            facts.merge(derived.facts) { $1 }
            unreadable.merge(derived.undetermined) { $1 }
        }
        if !unreadable.isEmpty {
            return DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics, unreadable: unreadable)
        }
        return .ok(facts, diagnostics: diagnostics)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// `job.fooocus.*`: a Fooocus launch as Fooocus itself would run it: its version and commit,
/// whether it updates itself first, its options parsed as its argparse does, its effective
/// default settings, and the SHA-256 of the model files those settings name.
///
/// Recognised from the checkout: the script is `entry_with_update.py`, `launch.py` or
/// `webui.py` beside `fooocus_version.py`. Upstream files (Fooocus 2.5.5) cited where used.
struct FooocusDetector: Detector {
    let name = "fooocus"
    let provides = ["job.fooocus."]
    var job: JobInvocation?

    init(job: JobInvocation?) {
        self.job = job
    }

    static let entryScripts = ["entry_with_update.py", "launch.py", "webui.py"]

    /// `fooocus_version.py`: `version = '2.5.5'`.
    static func parseVersion(_ text: String) -> String? {
        guard case .string(let version)? = PythonVersionModule.assignments(text)["version"] else { return nil }
        return version
    }

    /// The checkout `launch` starts Fooocus from, or why it is not a Fooocus launch.
    static func recognise(_ launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> Result<(checkout: String, entry: String), Absence> {
        guard let script = launch.script.map({ job.physicalPath($0, in: context) }) else { return .failure(Absence(reason: launch.noScriptReason(app: "Fooocus"))) }
        let file = PythonPath.basename(script)
        let checkout = PythonPath.dirname(script)
        guard Self.entryScripts.contains(file), context.exists(checkout + "/fooocus_version.py") else {
            return .failure(Absence(reason: "\(script) is not a Fooocus entry script (entry_with_update.py, launch.py or webui.py beside fooocus_version.py)"))
        }
        return .success((checkout, file))
    }

    /// The Fooocus checkout `launch` starts from, or nil when it is not a Fooocus launch.
    static func checkout(of launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> String? {
        if case .success(let found) = recognise(launch, job: job, in: context) { found.checkout } else { nil }
    }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let job, let launch = JobInvocation.launch(job.command) else { return .skipped(JobDetectors.noCommand) }
        let checkout: String, file: String
        switch Self.recognise(launch, job: job, in: context) {
        case .success(let found): (checkout, file) = found
        case .failure(let absence): return .absent(absence.reason)
        }
        var facts: [String: String] = [
            "job.fooocus.entry": file,
            // entry_with_update.py fetches and fast-forwards the checkout before it imports
            // launch.py, so the code that runs is not the code that was verified.
            "job.fooocus.self_update": file == "entry_with_update.py" ? "true" : "false",
        ]
        var diagnostics: [String] = []
        do {
            let text = try context.readText(checkout + "/fooocus_version.py", limit: 64 << 10)
            guard let version = Self.parseVersion(text) else {
                return .failed("\(checkout)/fooocus_version.py has no version = '…' line", facts: facts)
            }
            facts["job.fooocus.version"] = version
        } catch {
            return .failed("cannot read the Fooocus version: \(error)", facts: facts)
        }
        var unreadable: [String: String] = [:]
        switch GitHead.commit(of: checkout, in: context) {
        case .commit(let commit):
            facts["job.fooocus.commit"] = commit
            let tree = await GitCheckout.verify(checkout, commit: commit, interpreter: GitCheckout.interpreter(for: launch, job: job, in: context), in: context, diagnostics: &diagnostics)
            GitCheckout.record(tree, as: "job.fooocus.tree", facts: &facts, unreadable: &unreadable)
        case .notACheckout:
            diagnostics.append("\(checkout) is not a git checkout, so job.fooocus.commit is not known")
            GitCheckout.record(GitCheckout.notACheckout(checkout), as: "job.fooocus.tree", facts: &facts, unreadable: &unreadable)
        case .unreadable(let reason): return .failed("cannot read the checkout's commit: \(reason)", facts: facts)
        }
        // args_manager.py: parser.parse_args() on sys.argv[1:], with the job's own argparse.
        let (outcome, note, startup) = JobArgparse.parse(launch, with: FooocusOptions.parser, job: job, in: context)
        if let note { diagnostics.append(note) }
        JobArgparse.record(startup: startup, as: "job.fooocus.python_startup", facts: &facts, unreadable: &unreadable)
        let options: [String: PythonValue]
        switch outcome {
        case .exits(let status, let message):
            // Fooocus prints argparse's error (or its help) and exits before it loads anything.
            // What it would read next is not evaluated, under this one cause, so that a report
            // shows the refused command line once and never calls those keys absent; the
            // settings the command line cannot change are still read, so that a second problem
            // (a *_gpu sampler from the environment) shows now, not after the first is fixed.
            facts["job.fooocus.options.error"] = JobArgparse.exitFact(status: status, message: message, app: "Fooocus")
            let refused = JobArgparse.refusedCause(app: "Fooocus", errorKey: "job.fooocus.options.error", what: "its options and models")
            for key in FooocusOptions.factKeys + Self.modelKeys where key != "job.fooocus.options.error" { unreadable[key] = refused }
            facts["job.fooocus.install_overrides"] = Self.installOverrides(context.environment)
            if Self.mayNamePreset(launch.arguments) {
                let settingsRefused = JobArgparse.refusedCause(app: "Fooocus", errorKey: "job.fooocus.options.error", what: "the --preset it may name, so its settings")
                for key in Self.settingKeys { unreadable[key] = settingsRefused }
            } else if let symlinked = Self.symlinkedScript(launch, job: job, checkout: checkout) {
                for key in Self.settingKeys { unreadable[key] = symlinked }
            } else {
                Self.settingFacts(Self.settings(checkout: checkout, options: [:], context: context, diagnostics: &diagnostics), into: &facts, unreadable: &unreadable)
            }
            return DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics, unreadable: unreadable)
        case .undetermined(let reason):
            // Without the options nothing downstream is known: the preset, so the settings,
            // so the models.
            for key in FooocusOptions.factKeys + Self.settingKeys + Self.modelKeys {
                unreadable[key] = "undetermined: " + reason
            }
            return DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics, unreadable: unreadable)
        case .parsed(let namespace):
            options = FooocusOptions.afterParsing(namespace)
        }
        let derived = FooocusOptions.facts(options)
        facts.merge(derived.facts) { $1 }
        unreadable.merge(derived.undetermined) { $1 }
        facts["job.fooocus.install_overrides"] = Self.installOverrides(context.environment)
        if let symlinked = Self.symlinkedScript(launch, job: job, checkout: checkout) {
            for key in Self.settingKeys + Self.modelKeys { unreadable[key] = symlinked }
            return DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics, unreadable: unreadable)
        }
        let settings = Self.settings(checkout: checkout, options: options, context: context, diagnostics: &diagnostics)
        Self.settingFacts(settings, into: &facts, unreadable: &unreadable)
        do {
            try modelFacts(settings, options: options, checkout: checkout, job: job, context: context, into: &facts, unreadable: &unreadable, diagnostics: &diagnostics)
        } catch {
            return DetectorOutcome(status: .failed, detail: "cannot hash a model file: \(error)", facts: facts, diagnostics: diagnostics, unreadable: unreadable)
        }
        return DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics, unreadable: unreadable)
    }

    /// One layer of Fooocus' settings read as `modules/config.py` reads it: `open(path,
    /// encoding="utf-8")` and `json.load` inside a `try` that swallows every error. A missing
    /// file and a folder (IsADirectoryError) are skipped as Fooocus skips them; a file this
    /// user cannot read may be readable to the job, so it is undetermined, never skipped.
    static func layer(_ path: String, _ role: InputRole, context: HostContext, diagnostics: inout [String]) -> FooocusConfig.Layer {
        if isProcessRelative(path) {
            return .undetermined("\(path) is a /proc or /dev path, which names other files in the job than in envlock (/proc/self, /dev/stdin)")
        }
        if context.isDirectory(path) {
            diagnostics.append("\(path) is a folder; Fooocus ignores it")
            return .skipped
        }
        let bytes: [UInt8]
        do {
            bytes = try context.readBytes(path, limit: configLimit, as: role)
        } catch {
            if case .notFound = error { return .skipped }
            return .undetermined("cannot read \(path) (\(error)), which Fooocus may read")
        }
        switch PythonJSON.read(bytes) {
        case .value(let value): return .parsed(value)
        case .error(let reason):
            diagnostics.append("\(path): \(reason); Fooocus ignores this file")
            return .skipped
        case .undetermined(let reason): return .undetermined("\(path): \(reason)")
        }
    }

    /// Whether `path` lies under /proc or /dev, where what a path names depends on the process
    /// that opens it (`/proc/self/cwd`, `/dev/stdin`): envlock cannot read it as the job will.
    static func isProcessRelative(_ path: String) -> Bool {
        ["/proc", "/dev"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// launch.py `prepare_environment`: environment variables that make it pip-install other
    /// packages (or torch) before it generates, after envlock has checked them.
    static let installOverrides = ["REQS_FILE", "TORCH_COMMAND", "TORCH_INDEX_URL"]

    /// `job.fooocus.install_overrides`: those of `installOverrides` the job's environment sets.
    static func installOverrides(_ environment: [String: String]) -> String {
        FactList.encode(installOverrides.compactMap { name in environment[name].map { "\(name)=\($0)" } })
    }

    /// Why the settings are undetermined when the script is reached through a symbolic link,
    /// or nil when it is not. launch.py: os.chdir(os.path.dirname(os.path.abspath(__file__))):
    /// the script's path made absolute and normalised as text, links kept. Its code is imported
    /// from the real folder (sys.path[0]); its settings are read from this one.
    static func symlinkedScript(_ launch: JobInvocation.Launch, job: JobInvocation, checkout: String) -> String? {
        guard let script = launch.script else { return nil }
        let lexical = PythonPath.dirname(PythonPath.normalize(PythonPath.join(job.workingDirectory, script)))
        guard lexical != checkout else { return nil }
        return "undetermined: the script is reached through a symbolic link: Fooocus reads its settings and models from \(lexical) (os.path.abspath of the script), while its code is in \(checkout); start it by its real path"
    }

    /// Whether a command line that argparse refuses may still name `--preset`, which changes
    /// every setting: an argument that `--preset` begins with (argparse expands unambiguous
    /// prefixes), alone or with `=value`. Any such argument counts, even one that may be
    /// another option's value, so that settings read without a preset are never mistaken for
    /// the ones the launch would load.
    static func mayNamePreset(_ arguments: [String]) -> Bool {
        arguments.contains { argument in
            let name = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return name.count >= 3 && "--preset".hasPrefix(name)
        }
    }

    /// Config files larger than this are not read, and every setting is undetermined; Fooocus
    /// reads any size, and the stock files are a few kilobytes.
    static let configLimit = 256 << 20

    /// Fooocus' settings for this launch (config.py L16-132): launch.py first changes to the
    /// checkout, so every relative path is the checkout's; `config_path` is used as given.
    static func settings(checkout: String, options: [String: PythonValue], context: HostContext, diagnostics: inout [String]) -> FooocusConfig {
        let environment = context.environment
        let defaults = layer(checkout + "/presets/default.json", .preset, context: context, diagnostics: &diagnostics)
        var config = FooocusConfig.Layer.skipped
        if let configured = environment["config_path"], configured.isEmpty {
            // config.py L779: with no config file Fooocus writes one at this path, and open("") raises.
            config = .undetermined("config_path is empty: Fooocus would stop at start when it writes its config file there")
        } else {
            let given = environment["config_path"] ?? "config.txt"
            let path = context.physicalPath(given, from: checkout)
            config = isProcessRelative(PythonPath.normalize(PythonPath.join(checkout, given)))
                ? .undetermined("config_path \(given) is a /proc or /dev path, which names other files in the job than in envlock")
                : layer(path, .jobConfig, context: context, diagnostics: &diagnostics)
        }
        // config.py L52-99: a deprecated user_path_config.txt in the checkout overrides paths,
        // and may wait for an answer on standard input.
        if context.exists(checkout + "/user_path_config.txt") {
            config = .undetermined("\(checkout)/user_path_config.txt exists: Fooocus merges it or asks on standard input whether to")
        }
        var preset: FooocusConfig.Layer?
        if case .string(let given)? = options["preset"] {
            if let name = given.swiftString {
                // config.py L116: os.path.abspath(f'./presets/{preset}.json'): lexical, then opened.
                let path = PythonPath.normalize(checkout + "/presets/\(name).json")
                preset = layer(context.physicalPath(path, from: checkout), .preset, context: context, diagnostics: &diagnostics)
            } else {
                preset = .undetermined("the --preset name is not valid Unicode text")
            }
        }
        let styles: FooocusStyles
        switch FooocusStyles.read(checkout + "/sdxl_styles", context: context) {
        case .success(let read): styles = read
        case .failure(let failure):
            diagnostics.append(failure.reason)
            var unknown = FooocusStyles()
            unknown.uncertain = failure.reason
            styles = unknown
        }
        return FooocusConfig.resolve(defaults: defaults, config: config, preset: preset, environment: environment, styles: styles)
    }

    /// Every `job.fooocus.config.*` fact `settingFacts` gives.
    static let settingKeys = ["model", "refiner", "refiner_switch", "sampler", "scheduler", "cfg_scale", "sharpness", "vae", "performance",
                              "styles", "prompt_expansion", "loras", "lora_weights"].map { "job.fooocus.config." + $0 }
        + FooocusConfig.generationFacts.map { "job.fooocus.config." + $0 }

    /// The model facts that stand for every model when none can be named: a rule on any
    /// `job.fooocus.model.*` key covers one of them.
    static let modelKeys = ["base", "refiner", "vae", "lora.0", "expansion"].flatMap { ["job.fooocus.model.\($0).file", "job.fooocus.model.\($0).sha256"] }

    /// The `job.fooocus.config.*` facts; an undetermined setting is an unreadable key, which
    /// every rule on it fails, with the reason.
    static func settingFacts(_ config: FooocusConfig, into facts: inout [String: String], unreadable: inout [String: String]) {
        func text(_ key: String, _ setting: FooocusConfig.Setting) {
            switch setting {
            case .value(let value):
                if let shown = PythonRepr.str(value) {
                    facts[key] = shown
                } else {
                    unreadable[key] = "undetermined: Fooocus' value \(value.typeName) cannot be shown exactly"
                }
            case .undetermined(let reason): unreadable[key] = "undetermined: " + reason
            }
        }
        text("job.fooocus.config.model", config.model)
        text("job.fooocus.config.refiner", config.refiner)
        text("job.fooocus.config.refiner_switch", config.refinerSwitch)
        text("job.fooocus.config.sampler", config.sampler)
        text("job.fooocus.config.scheduler", config.scheduler)
        text("job.fooocus.config.cfg_scale", config.cfgScale)
        text("job.fooocus.config.sharpness", config.sharpness)
        text("job.fooocus.config.vae", config.vae)
        text("job.fooocus.config.performance", config.performance)
        for name in FooocusConfig.generationFacts {
            text("job.fooocus.config." + name, config.generation[name] ?? .undetermined("not read"))
        }
        switch config.styles {
        case .value(.list(let items)):
            let names = items.compactMap { $0.string?.swiftString }
            if names.count == items.count {
                facts["job.fooocus.config.styles"] = FactList.encode(names)
                facts["job.fooocus.config.prompt_expansion"] = config.promptExpansion == true ? "true" : "false"
            } else {
                unreadable["job.fooocus.config.styles"] = "undetermined: a style name is not valid Unicode text"
                unreadable["job.fooocus.config.prompt_expansion"] = unreadable["job.fooocus.config.styles"]
            }
        case .value(let other):
            unreadable["job.fooocus.config.styles"] = "undetermined: default_styles is a \(other.typeName)"
            unreadable["job.fooocus.config.prompt_expansion"] = unreadable["job.fooocus.config.styles"]
        case .undetermined(let reason):
            unreadable["job.fooocus.config.styles"] = "undetermined: " + reason
            unreadable["job.fooocus.config.prompt_expansion"] = "undetermined: " + reason
        }
        switch config.enabledLoRAs {
        case .success(let loras):
            let names = loras.compactMap { $0.name.swiftString }
            let weights = loras.compactMap { PythonRepr.str($0.weight) }
            if names.count == loras.count, weights.count == loras.count {
                facts["job.fooocus.config.loras"] = FactList.encode(names)
                facts["job.fooocus.config.lora_weights"] = FactList.encode(weights)
            } else {
                unreadable["job.fooocus.config.loras"] = "undetermined: a LoRA name or weight cannot be shown exactly"
                unreadable["job.fooocus.config.lora_weights"] = unreadable["job.fooocus.config.loras"]
            }
        case .failure(let failure):
            unreadable["job.fooocus.config.loras"] = "undetermined: " + failure.reason
            unreadable["job.fooocus.config.lora_weights"] = "undetermined: " + failure.reason
        }
    }

    /// `modules/config.py` `get_dir_or_set_default` (L146-188): the environment variable (as
    /// text) or the configured value; a string that is an existing folder, or a list whose every
    /// entry is one, relative paths being the checkout's; else the default under the checkout.
    static func folders(_ key: String, default relative: String, config: FooocusConfig, environment: [String: String], checkout: String, context: HostContext) -> Result<[String], FooocusConfig.LoRAUndetermined> {
        let value: PythonValue? = environment[key].map { .string(PythonString($0)) } ?? config.merged[key]
        func folder(_ path: PythonString) -> String? {
            guard let text = path.swiftString, !text.isEmpty else { return nil }
            let absolute = context.physicalPath(text, from: checkout)
            return context.isDirectory(absolute) ? absolute : nil
        }
        let named: [PythonString]
        switch value {
        case .string(let path)?: named = [path]
        case .list(let items)?: named = items.compactMap(\.string)
        default: named = []
        }
        for path in named {
            guard let text = path.swiftString else { continue }
            if isProcessRelative(PythonPath.normalize(PythonPath.join(checkout, text))) || isProcessRelative(context.physicalPath(text, from: checkout)) {
                return .failure(.init(reason: "\(key) names \(text), a /proc or /dev path, which names other folders in the job than in envlock"))
            }
        }
        switch value {
        case .string(let path)?:
            if let found = folder(path) { return .success([found]) }
        case .list(let items)?:
            var found: [String] = []
            for item in items {
                // os.path.exists(5) asks about file descriptor 5.
                guard case .string(let path) = item else { return .failure(.init(reason: "\(key) lists a \(item.typeName), which Fooocus tests as a file descriptor")) }
                guard let one = folder(path) else { break }
                found.append(one)
            }
            if found.count == items.count {
                // An empty list passes (all([]) is True), and Fooocus then fails on its first use.
                guard !found.isEmpty else { return .failure(.init(reason: "\(key) is an empty list: Fooocus would stop at its first use")) }
                return .success(found)
            }
        default:
            break
        }
        return .success([checkout + "/" + relative])
    }

    /// `modules/util.py` `get_file_from_folder_list` (L372-381): the first folder where the
    /// name is a file (links followed), else the name under the first folder.
    static func file(_ name: String, in folders: [String], context: HostContext) -> Result<String, FooocusConfig.LoRAUndetermined> {
        let candidates = folders.map { PythonPath.join($0, name) }
        for candidate in candidates {
            switch isFile(candidate, context: context) {
            case .success(true): return .success(candidate)
            case .success(false): continue
            case .failure(let failure): return .failure(failure)
            }
        }
        return .success(candidates[0])
    }

    /// `os.path.isfile`, except that a file this user cannot look at is undetermined: the job
    /// may see it where envlock cannot, and Python would then choose another file.
    static func isFile(_ path: String, context: HostContext) -> Result<Bool, FooocusConfig.LoRAUndetermined> {
        do throws(POSIXFailure) {
            return .success(try context.status(path).isRegularFile)
        } catch {
            if error.isMissing { return .success(false) }
            return .failure(.init(reason: "cannot look at \(path): \(error.reason)"))
        }
    }

    /// The folder launch.py empties at start (L90-100: `temp_path`, from `--temp-path` or the
    /// settings, when `temp_path_cleanup_on_launch`), physical, with why; nil when nothing is
    /// emptied. An undetermined temp path or cleanup is taken as emptying `/`, so every model
    /// under it is undetermined.
    static func emptiedFolder(_ config: FooocusConfig, options: [String: PythonValue], checkout: String, context: HostContext) -> (path: String, why: String)? {
        switch config.tempCleanup {
        case .value(let cleanup) where !cleanup.isTruthy: return nil
        case .undetermined(let reason): return ("/", "whether Fooocus empties its temp folder at start is undetermined (\(reason))")
        default: break
        }
        // config.py L236-261: --temp-path, else the setting; '' or the default is the default.
        var given: String?
        if case .string(let text)? = options["temp_path"] { given = text.swiftString }
        switch config.tempPath {
        case .value(.string(let text)) where given == nil: given = text.swiftString
        case .undetermined(let reason) where given == nil: return ("/", "Fooocus' temp folder is undetermined (\(reason))")
        default: break
        }
        let path: String
        if let given, !given.isEmpty {
            path = context.physicalPath(given, from: checkout)
        } else {
            // tempfile.gettempdir(): $TMPDIR, $TEMP, $TMP, then /tmp, /var/tmp, /usr/tmp.
            let candidates = ["TMPDIR", "TEMP", "TMP"].compactMap { context.environment[$0] } + ["/tmp", "/var/tmp", "/usr/tmp"]
            guard let base = candidates.first(where: { !$0.isEmpty && context.isDirectory(context.physicalPath($0, from: checkout)) }) else { return nil }
            path = context.physicalPath(PythonPath.join(base, "fooocus"), from: checkout)
        }
        return (path, "Fooocus empties \(path) when it starts (its temp folder)")
    }

    /// The model files the settings name, each with its path and, when wanted, its SHA-256. A
    /// model whose name or folder is undetermined is an unreadable key, so a pin on it fails.
    func modelFacts(_ config: FooocusConfig, options: [String: PythonValue], checkout: String, job: JobInvocation, context: HostContext,
                    into facts: inout [String: String], unreadable: inout [String: String], diagnostics: inout [String]) throws(FileReadError) {
        let environment = context.environment
        func folders(_ key: String, _ relative: String) -> Result<[String], FooocusConfig.LoRAUndetermined> {
            Self.folders(key, default: relative, config: config, environment: environment, checkout: checkout, context: context)
        }
        func name(_ setting: FooocusConfig.Setting) -> Result<String, FooocusConfig.LoRAUndetermined> {
            switch setting {
            case .value(.string(let text)):
                guard let name = text.swiftString else { return .failure(.init(reason: "the file name is not valid Unicode text")) }
                return .success(name)
            case .value(let other): return .failure(.init(reason: "the setting is a \(other.typeName)"))
            case .undetermined(let reason): return .failure(.init(reason: reason))
            }
        }
        var models: [(key: String, path: Result<String, FooocusConfig.LoRAUndetermined>)] = []
        let checkpoints = folders("path_checkpoints", "models/checkpoints")
        let base: Result<String, FooocusConfig.LoRAUndetermined> = checkpoints.flatMap { folders in
            name(config.model).flatMap { model in
                var path: String
                switch Self.file(model, in: folders, context: context) {
                case .success(let found): path = found
                case .failure(let failure): return .failure(failure)
                }
                // launch.py L103-147 download_models: without --disable-preset-download or
                // --always-download-new-model, a missing default model gives way to the first
                // of previous_default_models that is a file, which becomes the default.
                let present: Bool
                switch Self.isFile(path, context: context) {
                case .success(let isFile): present = isFile
                case .failure(let failure): return .failure(failure)
                }
                if !present, options["disable_preset_download"]?.isTruthy != true, options["always_download_new_model"]?.isTruthy != true {
                    guard case .value(.list(let previous)) = config.previousModels else {
                        return .failure(.init(reason: "previous_default_models is undetermined"))
                    }
                    for case .string(let candidate) in previous {
                        guard let alternative = candidate.swiftString else { return .failure(.init(reason: "a previous_default_models name is not valid Unicode text")) }
                        let alternativePath: String
                        switch Self.file(alternative, in: folders, context: context) {
                        case .success(let found): alternativePath = found
                        case .failure(let failure): return .failure(failure)
                        }
                        let alternativePresent: Bool
                        switch Self.isFile(alternativePath, context: context) {
                        case .success(let isFile): alternativePresent = isFile
                        case .failure(let failure): return .failure(failure)
                        }
                        if alternativePresent {
                            facts["job.fooocus.config.model"] = alternative
                            diagnostics.append("\(model) is missing, so Fooocus uses \(alternative) from previous_default_models")
                            path = alternativePath
                            break
                        }
                    }
                }
                return .success(path)
            }
        }
        models.append(("job.fooocus.model.base", base))
        switch name(config.refiner) {
        case .success("None"): break
        case .success(let refiner): models.append(("job.fooocus.model.refiner", checkpoints.flatMap { Self.file(refiner, in: $0, context: context) }))
        case .failure(let failure): models.append(("job.fooocus.model.refiner", .failure(failure)))
        }
        switch name(config.vae) {
        case .success(FooocusConfig.defaultVAE): break
        case .success(let vae): models.append(("job.fooocus.model.vae", folders("path_vae", "models/vae").flatMap { Self.file(vae, in: $0, context: context) }))
        case .failure(let failure): models.append(("job.fooocus.model.vae", .failure(failure)))
        }
        switch config.enabledLoRAs {
        case .success(let loras):
            for (index, lora) in loras.enumerated() {
                let path = lora.name.swiftString.map { loraName in folders("path_loras", "models/loras").flatMap { Self.file(loraName, in: $0, context: context) } }
                models.append(("job.fooocus.model.lora.\(index)", path ?? .failure(.init(reason: "the LoRA name is not valid Unicode text"))))
            }
        case .failure(let failure):
            models.append(("job.fooocus.model.lora.0", .failure(failure)))
        }
        switch config.promptExpansion {
        case true?:
            // launch.py downloads the expansion model as pytorch_model.bin into this folder.
            models.append(("job.fooocus.model.expansion", folders("path_fooocus_expansion", "models/prompt_expansion/fooocus_expansion").map { $0[0] + "/pytorch_model.bin" }))
        case nil:
            models.append(("job.fooocus.model.expansion", .failure(.init(reason: "whether prompt expansion runs is undetermined"))))
        case false?:
            break
        }
        let emptied = Self.emptiedFolder(config, options: options, checkout: checkout, context: context)
        for model in models {
            let path: String
            switch model.path {
            case .success(let found) where emptied.map({ $0.path == "/" || found == $0.path || found.hasPrefix($0.path + "/") }) == true:
                let reason = "undetermined: \(emptied!.why), and \(found) is in it: Fooocus would load another file"
                unreadable[model.key + ".file"] = reason
                unreadable[model.key + ".sha256"] = reason
                continue
            case .success(let found): path = found
            case .failure(let failure):
                unreadable[model.key + ".file"] = "undetermined: " + failure.reason
                unreadable[model.key + ".sha256"] = "undetermined: " + failure.reason
                continue
            }
            facts[model.key + ".file"] = path
            guard job.wantsDigest(model.key + ".sha256") else { continue }
            do {
                let result = try job.digests.digest(of: path, in: context)
                facts[model.key + ".sha256"] = result.digest
                if let note = result.cacheNote { diagnostics.append(note) }
            } catch {
                guard case .notFound = error else { throw error }
                // launch.py downloads a missing default model at start: what would run is unknown.
                diagnostics.append("\(path) is missing; Fooocus would download it when it starts")
            }
        }
    }
}

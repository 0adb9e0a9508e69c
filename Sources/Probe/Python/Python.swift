import EnvLock

/// The Python interpreter that jobs on this machine run, and the `sys.path` it imports from.
///
/// Which Python: `--site-packages DIR...` (no interpreter at all), else `--python PATH`, else
/// `$VIRTUAL_ENV`, else `$CONDA_PREFIX`, else `python3` on `PATH`. A virtual environment
/// (a `pyvenv.cfg` beside the interpreter or one folder up) is resolved from its files as
/// `site.py` would resolve it, without starting Python. Any other interpreter is run once to
/// print its `sys.path`; that is the only way to honour distribution patches such as Debian's
/// `dist-packages`.
///
/// Facts: `python.executable`, `python.version`, `python.implementation`, `python.prefix`,
/// `python.base_prefix`, and `python.path.N`: the `sys.path` entries in order, without the
/// script folder or current directory that Python puts first, because that depends on how a
/// job starts, not on the environment. The other Python detectors read `python.path.N`.
struct PythonDetector: Detector {
    let name = "python"
    let provides = ["python.executable", "python.version", "python.implementation", "python.prefix", "python.base_prefix", "python.path."]

    init() {}

    /// How long the detectors that read `python.path.N` wait for this one: running an
    /// interpreter may take up to the command timeout (3 s by default, a pyenv shim on a busy
    /// machine needs more than a second), and without sys.path they have nothing to read.
    static let dependentsWait: Duration = .milliseconds(3500)

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        let choice = Self.choose(in: context)
        switch choice {
        case .none(let reason):
            return .absent(reason)
        case .sitePackages(let folders):
            var builder = SysPathBuilder(context: context)
            for folder in folders {
                let absolute = context.workingDirectory.map { PythonPath.absolute(folder, from: $0) } ?? PythonPath.normalize(folder)
                if !context.isDirectory(absolute) {
                    builder.diagnostics.append("\(absolute): --site-packages names no folder")
                    continue
                }
                builder.addSiteDirectory(absolute)
            }
            if builder.path.isEmpty {
                return .failed("none of the --site-packages folders exists", diagnostics: builder.diagnostics)
            }
            builder.noteStartupModules()
            if let reason = builder.unknowableReason {
                return .failed("cannot know sys.path without running Python: \(reason); pass --python so envlock asks the interpreter", diagnostics: builder.diagnostics)
            }
            let installation = PythonInstallation(sysPath: builder.path)
            var outcome = DetectorOutcome.ok(installation.facts, diagnostics: builder.diagnostics)
            outcome.detail = "sys.path is the --site-packages folders and their .pth entries; no interpreter was run"
            return outcome
        case .interpreter(let executable, let origin):
            return await Self.resolve(executable: executable, origin: origin, in: context)
        }
    }

    /// Where the interpreter came from, for messages.
    enum Origin: Sendable, Equatable, CustomStringConvertible {
        case option, virtualEnv, condaPrefix, path

        var description: String {
            switch self {
            case .option: "--python"
            case .virtualEnv: "$VIRTUAL_ENV"
            case .condaPrefix: "$CONDA_PREFIX"
            case .path: "python3 on PATH"
            }
        }
    }

    enum Choice: Sendable, Equatable {
        case sitePackages([String])
        case interpreter(String, Origin)
        case none(String)
    }

    /// Applies the selection order to the options and the environment.
    static func choose(in context: HostContext) -> Choice {
        if !context.python.sitePackages.isEmpty { return .sitePackages(context.python.sitePackages) }
        if let executable = context.python.executable, !executable.isEmpty {
            if executable.contains("/") {
                return .interpreter(context.workingDirectory.map { PythonPath.absolute(executable, from: $0) } ?? PythonPath.normalize(executable), .option)
            }
            // A bare name such as `python3.11`: looked up on PATH like a shell would.
            if let found = lookUp(executable, in: context) { return .interpreter(found, .option) }
            return .interpreter(executable, .option)
        }
        if let virtualEnv = context.environment["VIRTUAL_ENV"], !virtualEnv.isEmpty {
            return .interpreter(PythonPath.join(virtualEnv, "bin/python"), .virtualEnv)
        }
        if let condaPrefix = context.environment["CONDA_PREFIX"], !condaPrefix.isEmpty {
            return .interpreter(PythonPath.join(condaPrefix, "bin/python"), .condaPrefix)
        }
        if !context.environmentDescribesRoot {
            return .none("no --python, --site-packages, $VIRTUAL_ENV or $CONDA_PREFIX names a Python under --root \(context.root); PATH is not searched there")
        }
        if let found = lookUp("python3", in: context) { return .interpreter(found, .path) }
        return .none("no Python: no --python or --site-packages given, $VIRTUAL_ENV and $CONDA_PREFIX unset, and no python3 on PATH")
    }

    /// `command` on the environment's PATH, by `CommandSearch.Rule.anyFile`. With PATH unset
    /// nothing is looked up: no environment then names a Python.
    static func lookUp(_ command: String, in context: HostContext) -> String? {
        guard let searchPath = context.environment["PATH"] else { return nil }
        return context.findCommand(command, searchPath: searchPath, rule: .anyFile)
    }

    /// Resolves one interpreter: from its virtual environment's files, else by running it.
    static func resolve(executable: String, origin: Origin, in context: HostContext) async -> DetectorOutcome {
        guard context.exists(executable) else {
            let fix = origin == .option ? "check the --python path" : "the environment \(origin) names was moved or deleted; reactivate it or pass --python"
            return .failed("\(executable) (from \(origin)) does not exist: \(fix)")
        }
        // Whether it is run, remembered or read through its pyvenv.cfg, its packages are the
        // report's: an --output must not replace it.
        context.noteInput(executable, as: .interpreter)
        var diagnostics: [String] = []
        var whyRun = "it is not a virtual environment"
        let executableFolder = PythonPath.dirname(executable)
        for folder in [executableFolder, PythonPath.dirname(executableFolder)] {
            let configPath = PythonPath.join(folder, "pyvenv.cfg")
            guard context.exists(configPath) else { continue }
            do {
                let config = PyVenvConfig.parse(try context.readText(configPath, limit: 64 << 10))
                switch VirtualEnvironmentLayout.resolve(executable: executable, config: config, configPath: configPath, in: context) {
                case .resolved(let installation, let problems):
                    var outcome = DetectorOutcome.ok(installation.facts, diagnostics: problems)
                    outcome.detail = "virtual environment resolved from \(configPath) without running Python"
                    return outcome
                case .needsInterpreter(let reason):
                    whyRun = reason
                }
            } catch {
                diagnostics.append(error.description)
                whyRun = "its pyvenv.cfg could not be read"
            }
            break
        }
        if !context.canRunPrograms {
            return .failed("\(executable) cannot be run under --root (\(whyRun)); pass --site-packages with its site-packages folders", diagnostics: diagnostics)
        }
        if let cache = context.interpreterCache {
            switch cache.lookup(executable: executable, environment: context.environment) {
            case .hit(let remembered):
                var result = DetectorOutcome.ok(remembered.facts, diagnostics: diagnostics)
                result.detail = "sys.path as \(executable) reported it (\(whyRun)), remembered in \(cache.folder); nothing it depends on has changed"
                return result
            case .ignored(let reason):
                diagnostics.append(reason)
            case .miss:
                break
            }
        }
        let outcome = await context.commands.run(executable, arguments: ["-c", InterpreterQuery.script], environment: context.environment, timeout: context.commandTimeout)
        switch InterpreterQuery.parse(outcome, executable: executable) {
        case .success(let installation):
            if let problem = context.interpreterCache?.store(installation, executable: executable, environment: context.environment) {
                diagnostics.append(problem)
            }
            var result = DetectorOutcome.ok(installation.facts, diagnostics: diagnostics)
            result.detail = "sys.path read by running \(executable) once (\(whyRun))"
            return result
        case .failure(let error):
            return .failed(error.description, diagnostics: diagnostics)
        }
    }
}

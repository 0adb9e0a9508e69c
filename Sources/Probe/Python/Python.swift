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
public struct PythonDetector: Detector {
    public let name = "python"
    public let provides = ["python.executable", "python.version", "python.implementation", "python.prefix", "python.base_prefix", "python.path."]

    public init() {}

    /// How long the detectors that read `python.path.N` wait for this one: running an
    /// interpreter may take up to the command timeout (3 s by default, a pyenv shim on a busy
    /// machine needs more than a second), and without sys.path they have nothing to read.
    public static let dependentsWait: Duration = .milliseconds(3500)

    public func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        let choice = Self.choose(in: context)
        switch choice {
        case .none(let reason):
            return .absent(reason)
        case .sitePackages(let folders):
            var builder = SysPathBuilder(context: context)
            for folder in folders {
                let absolute = context.isForeignRoot ? PythonPath.normalize(folder) : PythonPath.absolute(folder)
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
                return .interpreter(context.isForeignRoot ? PythonPath.normalize(executable) : PythonPath.absolute(executable), .option)
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
        if context.isForeignRoot {
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
        if context.isForeignRoot {
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

/// What the `python` detector learned, and its fact encoding that the other Python detectors read.
struct PythonInstallation: Sendable, Equatable {
    var executable: String?
    var version: String?
    var implementation: String?
    var prefix: String?
    var basePrefix: String?
    var sysPath: [String]
    /// The user site folder Python would add (`site.getusersitepackages()`), for the
    /// interpreter cache; not a fact.
    var userSite: String? = nil

    var facts: [String: String] {
        var facts: [String: String] = [:]
        facts["python.executable"] = executable
        facts["python.version"] = version
        facts["python.implementation"] = implementation
        facts["python.prefix"] = prefix
        facts["python.base_prefix"] = basePrefix
        for (index, entry) in sysPath.enumerated() {
            facts["python.path.\(index)"] = entry
        }
        return facts
    }

    /// The `sys.path` entries that the `python` detector published, in order.
    static func sysPath(from facts: [String: String]) -> [String] {
        var entries: [String] = []
        while let entry = facts["python.path.\(entries.count)"] {
            entries.append(entry)
        }
        return entries
    }

    /// What a dependent detector gets from the `python` detector's outcome.
    enum Dependency {
        /// The sys.path to read.
        case sysPath([String])
        /// No sys.path: the outcome the dependent reports instead, with the reason.
        case unavailable(DetectorOutcome)
    }

    /// The `python` detector's outcome as a dependent named `dependent` sees it.
    static func dependency(_ earlier: [String: DetectorOutcome], for dependent: String) -> Dependency {
        guard let python = earlier["python"] else {
            return .unavailable(.failed("the python detector did not finish, so \(dependent) has no sys.path to read"))
        }
        switch python.status {
        case .ok:
            return .sysPath(sysPath(from: python.facts))
        case .absent:
            return .unavailable(.absent(python.detail ?? "no Python environment"))
        case .skipped:
            return .unavailable(.skipped(python.detail ?? "no Python environment"))
        case .failed:
            return .unavailable(.failed("no sys.path: the python detector failed (\(python.detail ?? "no reason given"))"))
        }
    }

    /// The first `sys.path` entry holding the regular package `package` (a folder with
    /// `__init__.py`), as `import` finds it; nil when none has it.
    static func packageFolder(_ package: String, on sysPath: [String], in context: HostContext) -> String? {
        for entry in sysPath {
            let folder = PythonPath.join(entry, package)
            if context.exists(PythonPath.join(folder, "__init__.py")) { return folder }
        }
        return nil
    }
}

/// Builds `sys.path` the way `site.py` does: site folders in order, each followed by the
/// path lines of its `.pth` files (sorted by name), skipping entries already present and
/// path lines naming nothing. `import` lines in .pth files are not executed: those that may
/// change sys.path are collected in `unknowable`, because then only the interpreter can tell
/// what sys.path is.
struct SysPathBuilder {
    let context: HostContext
    var path: [String] = []
    var known: Set<String> = []
    var diagnostics: [String] = []
    /// Why the computed sys.path may not be the one Python builds: `.pth` lines that Python
    /// executes, and `sitecustomize`/`usercustomize` modules that it imports at start-up.
    var unknowable: [String] = []

    init(context: HostContext) {
        self.context = context
    }

    /// A fixed entry (PYTHONPATH, the standard library): kept even if it does not exist, as
    /// Python keeps it.
    mutating func addFixed(_ entry: String) {
        let normalized = PythonPath.normalize(entry)
        if known.insert(normalized).inserted { path.append(normalized) }
    }

    /// `site.addsitedir`: the folder, then its `.pth` files' path lines. Does nothing when the
    /// folder does not exist (site.py checks `isdir` first).
    mutating func addSiteDirectory(_ folder: String) {
        let normalized = PythonPath.normalize(folder)
        guard context.isDirectory(normalized) else { return }
        if known.insert(normalized).inserted { path.append(normalized) }
        let names: [String]
        do {
            // site.py: `.pth` files not starting with a dot, in sorted order.
            names = try context.entries(of: normalized) { name in
                name.first != 0x2E && PythonFiles.hasSuffix(name, ".pth")
            }.map(\.name).sorted()
        } catch {
            diagnostics.append("\(error.description): its .pth files were not read")
            return
        }
        for name in names {
            let pthPath = PythonPath.join(normalized, name)
            let text: String
            do {
                text = try context.readText(pthPath, limit: 1 << 20)
            } catch {
                diagnostics.append("\(error.description): .pth file not read, entries it adds to sys.path may be missing")
                continue
            }
            for line in PthFile.sysPathChangingLines(text) {
                unknowable.append("\(pthPath) has a line Python executes at start-up: \(UntrustedText.quoted(String(line.prefix(120))))")
            }
            for line in PthFile.pathLines(text) {
                let entry = PythonPath.normalize(PythonPath.join(normalized, line))
                if !known.contains(entry) && context.exists(entry) {
                    known.insert(entry)
                    path.append(entry)
                }
            }
        }
    }

    /// Adds to `unknowable` the start-up modules site.py imports from the finished sys.path:
    /// `sitecustomize` and `usercustomize` may change sys.path like an executed `.pth` line.
    mutating func noteStartupModules() {
        for module in ["sitecustomize", "usercustomize"] {
            for entry in path {
                let file = PythonPath.join(entry, module + ".py")
                if context.exists(file) || context.isDirectory(PythonPath.join(entry, module)) {
                    unknowable.append("\(file) is imported by Python at start-up")
                    break
                }
            }
        }
    }

    /// Why this sys.path cannot be trusted without asking the interpreter, or nil.
    var unknowableReason: String? {
        guard let first = unknowable.first else { return nil }
        let more = unknowable.count > 1 ? " (and \(unknowable.count - 1) more)" : ""
        return first + more + ", which may change sys.path"
    }
}

/// `sys.path` of a virtual environment, computed from pyvenv.cfg and the folders it names.
enum VirtualEnvironmentLayout {
    enum Resolution: Sendable, Equatable {
        case resolved(PythonInstallation, diagnostics: [String])
        /// The layout is not one envlock can compute; the reason says why.
        case needsInterpreter(String)
    }

    static func resolve(executable: String, config: PyVenvConfig, configPath: String, in context: HostContext) -> Resolution {
        guard let version = config.version, let majorMinor = config.majorMinor else {
            return .needsInterpreter("\(configPath) names no version")
        }
        let implementation = config.implementation ?? "cpython"
        guard implementation == "cpython" else {
            return .needsInterpreter("\(configPath) is a \(implementation) environment, whose layout envlock does not compute")
        }
        guard let home = config.home else {
            return .needsInterpreter("\(configPath) names no home")
        }
        // site.py: the prefix is the folder above the interpreter's folder.
        let prefix = PythonPath.dirname(PythonPath.dirname(executable))
        let libFolder = "lib/python\(majorMinor)"
        let homeFolder = PythonPath.normalize(home)
        let candidates = [PythonPath.dirname(homeFolder), homeFolder] + (config.baseExecutable.map { [PythonPath.dirname(PythonPath.dirname($0))] } ?? [])
        guard let basePrefix = candidates.first(where: { context.exists(PythonPath.join($0, "\(libFolder)/os.py")) }) else {
            return .needsInterpreter("no \(libFolder)/os.py under the home \(home) of \(configPath)")
        }
        if config.includeSystemSitePackages && context.isDirectory(PythonPath.join(basePrefix, "lib/python3/dist-packages")) {
            return .needsInterpreter("its base Python \(basePrefix) is a distribution build with dist-packages, whose site.py only Python can evaluate")
        }
        var builder = SysPathBuilder(context: context)
        if let pythonPath = context.environment["PYTHONPATH"] {
            for entry in pythonPath.split(separator: ":") where !entry.isEmpty {
                builder.addFixed(context.isForeignRoot ? String(entry) : PythonPath.absolute(String(entry)))
            }
        }
        let digits = majorMinor.replacingDots()
        builder.addFixed(PythonPath.join(basePrefix, "lib/python\(digits).zip"))
        builder.addFixed(PythonPath.join(basePrefix, libFolder))
        builder.addFixed(PythonPath.join(basePrefix, "\(libFolder)/lib-dynload"))
        builder.addSiteDirectory(PythonPath.join(prefix, "\(libFolder)/site-packages"))
        if config.includeSystemSitePackages {
            if let userSite = userSitePackages(majorMinor: majorMinor, in: context) {
                builder.addSiteDirectory(userSite)
            }
            builder.addSiteDirectory(PythonPath.join(basePrefix, "\(libFolder)/site-packages"))
        }
        builder.noteStartupModules()
        if let reason = builder.unknowableReason {
            return .needsInterpreter(reason)
        }
        let installation = PythonInstallation(
            executable: executable, version: version, implementation: implementation,
            prefix: prefix, basePrefix: basePrefix, sysPath: builder.path
        )
        return .resolved(installation, diagnostics: builder.diagnostics)
    }

    /// The user site folder `site.py` adds (`~/.local/lib/pythonX.Y/site-packages`), unless
    /// PYTHONNOUSERSITE turns it off.
    static func userSitePackages(majorMinor: String, in context: HostContext) -> String? {
        if let off = context.environment["PYTHONNOUSERSITE"], !off.isEmpty { return nil }
        let base: String
        if let userBase = context.environment["PYTHONUSERBASE"], !userBase.isEmpty {
            base = userBase
        } else if let home = context.environment["HOME"], !home.isEmpty {
            base = PythonPath.join(home, ".local")
        } else {
            return nil
        }
        return PythonPath.join(base, "lib/python\(majorMinor)/site-packages")
    }
}

/// Running an interpreter once to read what `site.py` made of `sys.path`.
enum InterpreterQuery {
    /// Prints, NUL-separated: implementation, version, executable, prefix, base prefix, the
    /// user site folder, then every `sys.path` entry. It imports nothing beyond `sys` (site is
    /// taken from `sys.modules`, where start-up left it), so a module in the current folder
    /// cannot interfere.
    static let script = "import sys;s=sys.modules.get('site');sys.stdout.write('\\0'.join([sys.implementation.name,sys.version.split()[0],sys.executable,sys.prefix,sys.base_prefix,s.getusersitepackages() if s else '']+sys.path))"

    /// Why the interpreter's answer could not be used.
    struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        var executable: String
        var reason: String

        var description: String { "\(executable): \(reason)" }
    }

    static func parse(_ outcome: CommandOutcome, executable: String) -> Result<PythonInstallation, Failure> {
        switch outcome {
        case .exited(0, let stdout, _, false):
            let fields = stdout.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count >= 6 else {
                return .failure(Failure(executable: executable, reason: "printed \(fields.count) fields instead of at least 6; is it a Python 3 interpreter?"))
            }
            // "" is the current folder that `-c` puts first; it is not part of the environment.
            let sysPath = fields[6...].filter { !$0.isEmpty }
            var seen: Set<String> = []
            let unique = sysPath.filter { seen.insert($0).inserted }
            return .success(PythonInstallation(
                executable: fields[2].isEmpty ? executable : fields[2], version: fields[1], implementation: fields[0],
                prefix: fields[3], basePrefix: fields[4], sysPath: unique, userSite: fields[5]
            ))
        case .exited(_, _, _, true):
            return .failure(Failure(executable: executable, reason: "printed more than the command runner keeps; sys.path was not read"))
        case .exited(let status, _, let stderr, _):
            let message = String(decoding: stderr.suffix(400), as: UTF8.self).trimmingPythonSpaces()
            return .failure(Failure(executable: executable, reason: "exited with status \(status) (\(message)); envlock needs Python 3.3 or later to read sys.path"))
        case .signaled(let signal):
            return .failure(Failure(executable: executable, reason: "killed by signal \(signal) while printing sys.path"))
        case .notFound(let command):
            return .failure(Failure(executable: executable, reason: "\(command) not found"))
        case .timedOut(let after):
            return .failure(Failure(executable: executable, reason: "did not print sys.path within \(after); pass --site-packages to read the folders without running Python"))
        case .failedToStart(let reason):
            return .failure(Failure(executable: executable, reason: "could not be started: \(reason)"))
        }
    }
}

extension String {
    /// `311` from `3.11`.
    fileprivate func replacingDots() -> String {
        String(filter { $0 != "." })
    }
}

/// A detector that reads the Python environment the `python` detector found: it starts once
/// `python` has answered (waiting as long as an interpreter may take), and reports what
/// `python` reported when there is no sys.path to read.
public protocol SysPathDetector: Detector {
    /// Reads this detector's source along `sysPath`; `earlier` holds its other dependencies.
    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome
}

extension SysPathDetector {
    public var dependencyWait: Duration? { PythonDetector.dependentsWait }

    public func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        switch PythonInstallation.dependency(earlier, for: name) {
        case .sysPath(let entries): await detect(in: context, sysPath: entries, earlier: earlier)
        case .unavailable(let outcome): outcome
        }
    }
}

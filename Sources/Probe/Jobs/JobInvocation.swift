import EnvLock

/// The command a job will run (`envlock run LOCK -- CMD…`, and the same tail on probe, lock
/// and verify), and how much of it to read: the job detectors derive `job.` facts from it.
public struct JobInvocation: Sendable {
    /// The command as it will be executed: program, then arguments.
    var command: [String]
    /// The folder the command starts in; relative script paths are resolved against it.
    var workingDirectory: String
    /// The model digest keys to compute: nil computes every model the job's settings name
    /// (probe); a list computes only keys that a rule or the lock asks for (lock, verify, run),
    /// so that nothing is read merely because it exists.
    var wantedDigests: [FactPattern]?
    var digests: ModelDigest
    /// The running process this job is (`--pid`), or nil for a command given after `--`.
    var process: ProcessView?
    /// The `argparse.py` files, by SHA-256, whose reading envlock's port is proven equal to
    /// (`JobArgparse.provenFiles`); a test names a stand-in file here.
    package var provenArgparse: [String: JobArgparse.ProvenFile] = JobArgparse.provenFiles

    init(command: [String], workingDirectory: String, wantedDigests: [FactPattern]? = nil, digests: ModelDigest, process: ProcessView? = nil) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.process = process
        self.wantedDigests = wantedDigests
        self.digests = digests
    }

    /// Whether a digest fact with this key should be computed.
    func wantsDigest(_ key: String) -> Bool {
        wantedDigests.map { patterns in patterns.contains { $0.matches(key) } } ?? true
    }

    /// The program, the Python script it runs (when there is one) and the script's arguments.
    struct Launch: Sendable, Equatable {
        var program: String
        var script: String?
        var arguments: [String]
        /// The interpreter's own options before the script (`-u`, `-X dev`, `-IE`).
        var interpreterOptions: [String] = []
        /// The module name of `-m NAME`, whose `NAME.py` in the working folder is `script`;
        /// such a launch is read only where that file exists (`exists(in:)` is the detectors'
        /// business, as for a script).
        var module: String? = nil

        /// Whether the interpreter is given option letter `flag` (`-E`, `-I`, `-s`, `-P`), alone
        /// or in a cluster (`-IE`); the value of `-W`/`-X` is not read as letters.
        func interpreterHas(_ flag: Character) -> Bool {
            for option in interpreterOptions where option.hasPrefix("-") && !option.hasPrefix("--") {
                for letter in option.dropFirst() {
                    if letter == flag { return true }
                    if letter == "W" || letter == "X" { break }
                }
            }
            return false
        }

        /// Why `app` cannot be read from a launch that runs no script file: `-m MODULE` or
        /// `-c CODE` run what Python finds by module name or the text given, which envlock does
        /// not follow, so the job is not read (and every rule on it fails) rather than guessed.
        func noScriptReason(app: String) -> String {
            guard let first = arguments.first, first.hasPrefix("-m") || first.hasPrefix("-c") else {
                return "the command runs no script file, so it is not a \(app) launch"
            }
            let what = first.hasPrefix("-m") ? "a module by name (\(UntrustedText.quoted(first == "-m" ? arguments.dropFirst().first ?? "" : String(first.dropFirst(2)))))" : "code given with -c"
            return "the command runs \(what), not a script file; envlock reads a \(app) job from its script's path only: start it as python3 PATH/TO/SCRIPT.py"
        }
    }

    /// Reads `command` as a shell would hand it to the kernel: a Python interpreter
    /// (`python`, `python3.10`, a venv's `bin/python`) runs the first argument after its own
    /// options (`-u`, `-X dev`, `-W ignore`); `-m` and `-c` run no script file. Any other
    /// program is itself the script (`./launch.py` with a shebang).
    static func launch(_ command: [String]) -> Launch? {
        guard let program = command.first else { return nil }
        let base = program.split(separator: "/").last.map(String.init) ?? program
        guard base.hasPrefix("python") else {
            return Launch(program: program, script: program, arguments: Array(command.dropFirst()))
        }
        var index = 1
        while index < command.count {
            let token = command[index]
            if token == "-m" || token.hasPrefix("-m") {
                // runpy: `-m NAME` imports NAME with sys.path[0] the current folder, so a plain
                // name that is a file there runs that file as `python NAME.py` would (a module
                // elsewhere, a package, a dotted or built-in name is not followed: no script).
                let name = token == "-m" ? (index + 1 < command.count ? command[index + 1] : "") : String(token.dropFirst(2))
                let rest = Array(command.dropFirst(index + (token == "-m" ? 2 : 1)))
                let options = Array(command[1..<index]).filter { $0 != "--" }
                if Self.isPlainModuleName(name) {
                    return Launch(program: program, script: name + ".py", arguments: rest, interpreterOptions: options, module: name)
                }
                return Launch(program: program, script: nil, arguments: Array(command.dropFirst(index)), interpreterOptions: options)
            }
            if token == "-c" || token.hasPrefix("-c") {
                return Launch(program: program, script: nil, arguments: Array(command.dropFirst(index)))
            }
            if token == "--" {
                index += 1
                break
            }
            guard token.hasPrefix("-"), token != "-" else { break }
            // Interpreter options that take the next word as their value.
            if token == "-W" || token == "-X" || token == "--check-hash-based-pycs" { index += 1 }
            index += 1
        }
        let options = Array(command[1..<min(index, command.count)]).filter { $0 != "--" }
        guard index < command.count else { return Launch(program: program, script: nil, arguments: [], interpreterOptions: options) }
        return Launch(program: program, script: command[index], arguments: Array(command.dropFirst(index + 1)), interpreterOptions: options)
    }

    /// A name `-m` resolves to a file of the current folder: one identifier (no dots), not a
    /// module Python finds before sys.path (its built-in and frozen modules, which include
    /// `os`, `site`, `codecs`, `io`, `abc`, `stat`, `posixpath`, `genericpath`, `ntpath`,
    /// `zipimport` and the `__hello__` family in 3.11+: none is an app's entry script).
    static func isPlainModuleName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        guard name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }) else { return false }
        return !builtinOrFrozen.contains(name)
    }

    /// Modules CPython imports without looking at sys.path (built-in or frozen in 3.10-3.13:
    /// `sys.builtin_module_names` and `_imp._frozen_module_names()`; JobArgparseTests asks every
    /// CPython found for them and fails on a name missing here).
    static let builtinOrFrozen: Set<String> = [
        "os", "site", "codecs", "io", "abc", "stat", "posixpath", "genericpath", "ntpath", "zipimport", "importlib",
        "sys", "builtins", "_imp", "_thread", "_warnings", "_weakref", "_io", "marshal", "posix", "errno", "time", "_codecs",
        "_collections", "_functools", "_locale", "_operator", "_signal", "_sre", "_stat", "_string", "_symtable", "_tracemalloc",
        "_abc", "itertools", "atexit", "faulthandler", "gc", "pwd", "xxsubtype", "_sitebuiltins", "_collections_abc",
        "__hello__", "__phello__", "_frozen_importlib", "_frozen_importlib_external", "runpy", "_ast", "_tokenize", "_typing",
        "__hello_alias__", "__hello_only__", "__phello_alias__", "_suggestions", "_sysconfig",
    ]

    /// A path the job names (its script, a config file), as the kernel will find it: made
    /// absolute against the job's working folder, links followed where they stand. Never a
    /// lexical `..` removal, which names another file when a link precedes the `..`.
    func physicalPath(_ path: String, in context: HostContext) -> String {
        context.physicalPath(path, from: workingDirectory)
    }

    /// The view the job detectors read through. A job read from a running process (`--pid`)
    /// is read only as that process sees its world: its files through `/proc/PID/root` even
    /// when its `/` looks like ours (a private mount namespace can bind-mount another
    /// config.txt over the same path), and its own environment, which Fooocus' overrides
    /// come from. A command given after `--` runs here, with envlock's environment.
    func context(in machine: HostContext) -> HostContext {
        guard let process else { return machine }
        var view = machine
        if !machine.isForeignRoot { view.root = process.rootFolder }
        view.environment = process.environment
        return view
    }
}

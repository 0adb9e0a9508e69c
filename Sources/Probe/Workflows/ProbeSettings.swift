#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// What a command that probes was told about the machine: the root to read files under, the
/// Python whose packages count, a running process, and whether envlock's caches (interpreter
/// answers, file digests) may be used. `context(environment:)` turns them into the `HostContext` detectors read through.
public struct ProbeSettings: Sendable, Equatable {
    /// Read files under this folder instead of `/` (an unpacked image or a fixture tree).
    var root: String
    /// The Python interpreter whose packages are probed; nil: `$VIRTUAL_ENV`, `$CONDA_PREFIX`, `python3`.
    var python: String?
    /// Site-packages folders to read instead of asking an interpreter, in sys.path order.
    var sitePackages: [String]
    /// A running process to read through /proc.
    public var pid: Int32?
    /// Whether what an interpreter reported before, and the digests of files hashed before,
    /// may be used again (`--no-cache` says no).
    var useCaches: Bool

    public init(root: String = "/", python: String? = nil, sitePackages: [String] = [], pid: Int32? = nil, useCaches: Bool = true) {
        self.root = root
        self.python = python
        self.sitePackages = sitePackages
        self.pid = pid
        self.useCaches = useCaches
    }

    /// Why a `--root` cannot be probed.
    public enum RootError: Error, Sendable, Equatable, CustomStringConvertible {
        case missing(String)
        case notAFolder(String)
        /// It is there but cannot be looked at (a link loop, a folder above it not searchable).
        case unreadable(String, reason: String)

        public var description: String {
            switch self {
            case .missing(let root):
                "--root \(UntrustedText.quoted(root)) does not exist: name the folder of an unpacked image or fixture tree"
            case .notAFolder(let root):
                "--root \(UntrustedText.quoted(root)) is not a folder: name the folder of an unpacked image or fixture tree"
            case .unreadable(let root, let reason):
                "--root \(UntrustedText.quoted(root)) cannot be looked at (\(reason)): name a folder this user can read"
            }
        }
    }

    /// Refuses a root that is missing, cannot be looked at or is not a folder: probing it
    /// would find "nothing" and pass every rule that wants something absent.
    public static func checkRoot(_ root: String) throws(RootError) {
        let info: FileStatus
        do throws(POSIXFailure) {
            info = try FileSystem.status(root)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { throw .missing(root) }
            throw .unreadable(root, reason: errnoDescription(error.errno))
        }
        guard info.isDirectory else { throw .notAFolder(root) }
    }

    /// The context detectors read through: `environment` and the real libraries and
    /// commands, rooted at `root`; with `pid`, the process read from /proc, whose own files
    /// (a container's) and interpreter are then probed unless others were named.
    func context(environment: [String: String]) throws(ProbeWorkflowError) -> HostContext {
        var context = HostContext(
            root: root,
            environment: environment,
            commands: SubprocessCommandRunner(),
            python: PythonSelection(executable: python, sitePackages: sitePackages)
        )
        context.interpreterCache = useCaches ? InterpreterCache.standard(environment: environment) : nil
        context.digestCacheFolder = useCaches ? ModelDigest.defaultCacheFolder(environment: environment) : nil
        guard let pid else { return context }
        let process: ProcessView
        do { process = try RunningProcess.read(pid: pid) } catch { throw .process(error) }
        context.process = process
        // A process in a container: its files, not the host's, as with --root.
        if !process.sharesFilesystem, !context.isForeignRoot {
            context.root = process.rootFolder
        }
        // The packages of the interpreter the job runs, unless the user named others.
        if python == nil, sitePackages.isEmpty, let interpreter = process.pythonInterpreter(in: context) {
            context.python.executable = interpreter
        }
        return context
    }

    /// These settings with `python` set to the interpreter `command` will run, when the
    /// command is a Python interpreter and no Python was named: the packages checked are then
    /// the packages the job imports, whatever VIRTUAL_ENV or PATH order would suggest.
    func forCommand(_ command: [String], environment: [String: String]) -> ProbeSettings {
        guard let program = command.first else { return self }
        let base = program.split(separator: "/").last.map(String.init) ?? program
        guard python == nil, sitePackages.isEmpty, base.hasPrefix("python"),
              let interpreter = SubprocessCommandRunner.resolve(program, searchPath: environment["PATH"])
        else { return self }
        var settings = self
        settings.python = interpreter
        return settings
    }
}

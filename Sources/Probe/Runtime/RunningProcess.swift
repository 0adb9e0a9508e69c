#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// A running process as `/proc/PID/` shows it: what `--pid` probes.
///
/// Everything here is read from /proc files and links, never with ptrace: reading another
/// process's /proc entries neither stops nor slows it.
public struct ProcessView: Sendable, Equatable {
    public var pid: Int32
    /// `/proc/PID`, or a fixture folder laid out like it in tests.
    var procFolder: String
    /// The process's environment (`/proc/PID/environ`), as it was when it started.
    var environment: [String: String]
    /// Its command line (`/proc/PID/cmdline`).
    var arguments: [String]
    /// Its working directory (`/proc/PID/cwd`), in its own filesystem view.
    var workingDirectory: String?
    /// The program it runs (`/proc/PID/exe`), in its own filesystem view.
    var executable: String?
    /// Whether its `/` is this process's `/` (not a container's), so that its paths name the
    /// same files here.
    var sharesFilesystem: Bool

    init(pid: Int32, procFolder: String? = nil, environment: [String: String] = [:], arguments: [String] = [], workingDirectory: String? = nil, executable: String? = nil, sharesFilesystem: Bool = true) {
        self.pid = pid
        self.procFolder = procFolder ?? "/proc/\(pid)"
        self.environment = environment
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.executable = executable
        self.sharesFilesystem = sharesFilesystem
    }

    /// The Python interpreter the process runs, as its command line names it (`python3`
    /// found on its own PATH, `venv/bin/python` from its working directory), in its own
    /// filesystem view, so that the Python detectors read the packages of the environment the
    /// job really runs in; nil when it is not a Python process or the file is not there.
    /// `/proc/PID/exe` alone would not do: it names the resolved base interpreter, not the
    /// venv's `bin/python` link. `files` reads as the process sees (`filesystem(of:)` or `/`).
    func pythonInterpreter(in files: HostContext) -> String? {
        guard let program = arguments.first, !program.isEmpty,
              let executable, PythonPath.basename(executable).hasPrefix("python")
        else { return nil }
        let directory = workingDirectory ?? "/"
        let candidate: String?
        if program.hasPrefix("/") {
            candidate = program
        } else if program.contains("/") {
            candidate = PythonPath.normalize(directory + "/" + program)
        } else {
            // Its PATH, with relative folders taken from its working directory, not envlock's.
            let folders = (environment["PATH"] ?? CommandSearch.defaultSearchPath).split(separator: ":").map { folder in
                folder.hasPrefix("/") ? String(folder) : PythonPath.normalize(directory + "/" + folder)
            }
            candidate = files.findCommand(program, searchPath: folders.joined(separator: ":"), rule: .anyFile)
        }
        guard let candidate, files.exists(candidate) else { return nil }
        return candidate
    }

    /// `/proc/PID/root`: the process's own `/`, so that a process in a container probed from
    /// the host is read in the container's files.
    var rootFolder: String { procFolder + "/root" }
}

/// Why a process named by `--pid` cannot be probed.
public enum ProcessReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such process (it has exited, or the number is wrong).
    case gone(pid: Int32)
    /// The kernel refused one of its /proc files; `cause` says why (another user, missing
    /// CAP_SYS_PTRACE, a process that is not dumpable) and what to do.
    case accessDenied(pid: Int32, file: String, cause: ProcessAccessDenial)
    /// Another failure reading one of its /proc files.
    case unreadable(pid: Int32, reason: String)

    public var description: String {
        switch self {
        case .gone(let pid):
            "process \(pid) does not exist (it has exited, or the number is wrong); check it with ps"
        case .accessDenied(let pid, let file, let cause):
            "cannot read process \(pid): \(file): permission denied: \(cause.description)"
        case .unreadable(let pid, let reason):
            "cannot read process \(pid): \(reason)"
        }
    }
}

/// Reads a process's identity from /proc and parses its files.
public enum RunningProcess {
    /// Reads environ, cmdline, cwd and exe of process `pid` under `procRoot` (`/proc`).
    ///
    /// /proc is read on this machine through `FileSystem`, never under `--root`: it is the
    /// kernel's view of a process that runs here.
    public static func read(pid: Int32, procRoot: String = "/proc") throws(ProcessReadError) -> ProcessView {
        let folder = "\(procRoot)/\(pid)"
        guard pid > 0 else { throw .gone(pid: pid) }
        do throws(POSIXFailure) {
            _ = try FileSystem.status(folder)
        } catch {
            if error.isMissing { throw .gone(pid: pid) }
            throw problem(FileSystem.error(error.errno, folder), pid: pid, procFolder: folder, file: folder)
        }
        func bytes(_ name: String) throws(ProcessReadError) -> [UInt8] {
            do {
                return try FileSystem.readBytes(folder + "/" + name, limit: 16 << 20)
            } catch {
                throw problem(error, pid: pid, procFolder: folder, file: folder + "/" + name)
            }
        }
        let environment = parseEnviron(try bytes("environ"))
        let arguments = parseCommandLine(try bytes("cmdline"))
        var view = ProcessView(pid: pid, procFolder: folder, environment: environment, arguments: arguments)
        view.workingDirectory = try link("cwd", of: folder, pid: pid)
        view.executable = try link("exe", of: folder, pid: pid)
        // Its files are read through /proc/PID/root, which passes the same access check: a
        // refusal here is the refusal every later read would meet.
        let itsRoot: FileStatus?
        do throws(POSIXFailure) {
            itsRoot = try FileSystem.status(folder + "/root")
        } catch {
            // A kernel thread or zombie has no root; any other failure is a reason to stop.
            guard error.errno == ENOENT else { throw problem(FileSystem.error(error.errno, folder + "/root"), pid: pid, procFolder: folder, file: folder + "/root") }
            if !FileSystem.exists(folder) { throw .gone(pid: pid) }
            itsRoot = nil
        }
        let ourRoot: FileStatus
        do throws(POSIXFailure) {
            ourRoot = try FileSystem.status("/")
        } catch {
            throw .unreadable(pid: pid, reason: "cannot \(error.operation) /, to compare it with the process's: \(error.reason)")
        }
        view.sharesFilesystem = itsRoot.map { $0.device == ourRoot.device && $0.inode == ourRoot.inode } ?? false
        return view
    }

    /// The target of the link `name` in `procFolder`; nil for a kernel thread or zombie, which has none.
    static func link(_ name: String, of procFolder: String, pid: Int32) throws(ProcessReadError) -> String? {
        do {
            return try FileSystem.linkTarget(procFolder + "/" + name)
        } catch {
            guard case .notFound = error else { throw problem(error, pid: pid, procFolder: procFolder, file: procFolder + "/" + name) }
            if !FileSystem.exists(procFolder) { throw .gone(pid: pid) }
            return nil
        }
    }

    /// The error for a failed read of `file` in `procFolder`, the /proc folder of process
    /// `pid`: a refusal says why the kernel refused (`ProcessAccessDenial`).
    static func problem(_ error: FileReadError, pid: Int32, procFolder: String, file: String) -> ProcessReadError {
        switch error {
        case .notFound: .gone(pid: pid)
        case .permissionDenied: .accessDenied(pid: pid, file: file, cause: ProcessAccessDenial.cause(procFolder: procFolder))
        default: .unreadable(pid: pid, reason: error.description)
        }
    }

    /// `/proc/PID/environ`: `NAME=value` entries, each ended by a NUL. An entry without `=`
    /// (a program may write anything there) is skipped; the first of two equal names wins,
    /// as getenv finds it.
    public static func parseEnviron(_ bytes: [UInt8]) -> [String: String] {
        var result: [String: String] = [:]
        for entry in bytes.split(separator: 0, omittingEmptySubsequences: true) {
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")), equals > entry.startIndex else { continue }
            let name = String(decoding: entry[entry.startIndex..<equals], as: UTF8.self)
            if result[name] == nil {
                result[name] = String(decoding: entry[(equals + 1)...], as: UTF8.self)
            }
        }
        return result
    }

    /// `/proc/PID/cmdline`: the arguments, each ended by a NUL (a program that rewrote its
    /// title may leave one string with spaces and no NUL; that is one argument then).
    public static func parseCommandLine(_ bytes: [UInt8]) -> [String] {
        var trimmed = bytes[...]
        if trimmed.last == 0 { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { return [] }
        return trimmed.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a file could not be read.
public enum FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing at that path: usually "not installed", which callers turn into `absent`.
    case notFound(path: String)
    case permissionDenied(path: String)
    /// The file is larger than a detector will read; a sane source never is.
    case tooLarge(path: String, limit: Int)
    case notUTF8(path: String)
    /// A FIFO, device or folder where a file should be: never read, since reading could block.
    case notRegularFile(path: String)
    /// Any other system error, with its errno text.
    case system(path: String, errno: Int32, message: String)

    public var path: String {
        switch self {
        case .notFound(let path), .permissionDenied(let path), .tooLarge(let path, _), .notUTF8(let path), .notRegularFile(let path), .system(let path, _, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): not found"
        case .permissionDenied(let path): "\(path): permission denied"
        case .tooLarge(let path, let limit): "\(path): larger than \(limit) bytes"
        case .notUTF8(let path): "\(path): not valid UTF-8"
        case .notRegularFile(let path): "\(path): not a regular file (a FIFO, device or folder)"
        case .system(let path, _, let message): "\(path): \(message)"
        }
    }
}

/// Which Python environment the Python detectors read.
public struct PythonSelection: Sendable, Equatable {
    /// `--python PATH`: an interpreter.
    public var executable: String?
    /// `--site-packages DIR`, in order; when given, no interpreter is run.
    public var sitePackages: [String]

    public init(executable: String? = nil, sitePackages: [String] = []) {
        self.executable = executable
        self.sitePackages = sitePackages
    }
}

/// Everything a detector may read, injected so that tests control it.
public struct HostContext: Sendable {
    /// The filesystem root that file-reading detectors read under (`--root`), `/` normally.
    public var root: String
    /// The environment the probe sees (the process's, or a test's).
    public var environment: [String: String]
    public var libraries: any LibraryLoader
    public var commands: any CommandRunner
    public var python: PythonSelection
    /// The deadline for one external command; the whole probe has its own.
    public var commandTimeout: Duration
    /// When the whole probe gives up, set by the `Prober`.
    public var probeDeadline: ContinuousClock.Instant?
    /// Where answers of interpreters are remembered; nil asks the interpreter every time
    /// (`--no-cache`, tests).
    public var interpreterCache: InterpreterCache?
    /// The running process `--pid` names, whose /proc files the runtime detectors read and
    /// whose environment the `env.` facts come from; nil when only files are probed.
    public var process: ProcessView?

    /// How long a command or library call started now may take: the command timeout, cut so
    /// that it still ends (with a clear "timed out" reason) before the probe's deadline.
    public func commandBudget() -> Duration {
        guard let probeDeadline else { return commandTimeout }
        let left = probeDeadline - ContinuousClock.now - .milliseconds(250)
        return max(.milliseconds(100), min(commandTimeout, left))
    }

    public init(
        root: String = "/",
        environment: [String: String],
        libraries: any LibraryLoader = SystemLibraryLoader(),
        commands: any CommandRunner,
        python: PythonSelection = PythonSelection(),
        commandTimeout: Duration = .seconds(3)
    ) {
        self.root = root
        self.environment = environment
        self.libraries = libraries
        self.commands = commands
        self.python = python
        self.commandTimeout = commandTimeout
        self.probeDeadline = nil
    }

    /// True when `--root` names another filesystem than the running one, so that live
    /// sources (uname, the loaded glibc, the driver, the environment) do not describe it.
    public var isForeignRoot: Bool {
        let trimmed = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        return trimmed != "/"
    }

    /// The real path of `absolute` under the probe root. Symbolic links inside the tree are
    /// followed as the tree's own system would follow them: an absolute target such as
    /// `/usr/local/cuda -> /etc/alternatives/cuda` or a venv's `python3 -> /usr/bin/python3.10`
    /// stays inside the root instead of escaping to this machine's files.
    public func hostPath(_ absolute: String) -> String {
        guard isForeignRoot else { return absolute }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return FileSystem.resolve(absolute, under: base)
    }

    /// Reads a whole file under the probe root, at most `limit` bytes.
    public func readBytes(_ absolute: String, limit: Int = 4 << 20) throws(FileReadError) -> [UInt8] {
        try FileSystem.readBytes(hostPath(absolute), limit: limit)
    }

    /// Reads a UTF-8 text file under the probe root.
    public func readText(_ absolute: String, limit: Int = 4 << 20) throws(FileReadError) -> String {
        let path = hostPath(absolute)
        let bytes = try FileSystem.readBytes(path, limit: limit)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8(path: path) }
        return text
    }

    /// The entries of a folder under the probe root, sorted, without `.` and `..`.
    public func listDirectory(_ absolute: String) throws(FileReadError) -> [String] {
        try FileSystem.listDirectory(hostPath(absolute))
    }

    /// Reads `/proc/PID/NAME` of the probed process (`maps`, `environ`).
    public func readProcessFile(_ name: String, of process: ProcessView, limit: Int = 64 << 20) throws(FileReadError) -> String {
        let path = process.procFolder + "/" + name
        let bytes = try FileSystem.readBytes(path, limit: limit)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8(path: path) }
        return text
    }

    /// A context that reads files as `process` sees them: rooted at `/proc/PID/root`, so a
    /// process in a container is read in the container's files, not the host's.
    public func filesystem(of process: ProcessView) -> HostContext {
        var view = self
        view.root = process.rootFolder
        return view
    }

    /// Whether something exists at `absolute` under the probe root (following links).
    public func exists(_ absolute: String) -> Bool {
        FileSystem.exists(hostPath(absolute))
    }
}

/// Thin wrappers over the C library, so that detectors see Swift values and typed errors.
public enum FileSystem {
    public static func readBytes(_ path: String, limit: Int = 4 << 20) throws(FileReadError) -> [UInt8] {
        let fd = try openRegularFile(path)
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw error(errno, path)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit { throw .tooLarge(path: path, limit: limit) }
        }
        return result
    }

    /// Opens a file for reading, refusing anything but a regular file without blocking on it
    /// (O_NONBLOCK makes opening a FIFO return at once). /proc and /sys files are regular.
    public static func openRegularFile(_ path: String) throws(FileReadError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if fd < 0 { throw error(errno, path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw error(code, path)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notRegularFile(path: path)
        }
        return fd
    }

    /// What a file or folder's stamp is when nothing is there.
    public static let missingStamp = "missing"

    /// Device, inode, size, mtime and ctime of what `path` names (following links), or
    /// `missingStamp`: equal stamps mean the file was not replaced or changed.
    public static func stamp(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            return code == ENOENT || code == ENOTDIR ? missingStamp : "unreadable errno \(code)"
        }
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
    }

    public static func listDirectory(_ path: String) throws(FileReadError) -> [String] {
        guard let dir = opendir(path) else { throw error(errno, path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The folder name that stands for a symbolic link loop in a resolved path; no file lies
    /// under it, and reading there fails with ELOOP, as it would under chroot.
    static let symlinkLoopMarker = ".envlock-symlink-loop"

    /// `path` resolved inside `base` as if `base` were `/`: `..` stops at `base`, and absolute
    /// and relative link targets alike resolve inside `base`. After 40 links (a loop, which
    /// chroot would refuse with ELOOP) the path is one under `symlinkLoopMarker`, never the
    /// unresolved link, which the kernel would follow out of the tree.
    public static func resolve(_ path: String, under base: String) -> String {
        var remaining = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var links = 0
        while !remaining.isEmpty {
            let component = remaining.removeFirst()
            if component == "." { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = base + "/" + (resolved + [component]).joined(separator: "/")
            var info = stat()
            guard lstat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFLNK, let target = readLink(candidate) else {
                resolved.append(component)
                continue
            }
            guard links < 40 else {
                return base + "/" + symlinkLoopMarker + "/" + path.split(separator: "/").joined(separator: "/")
            }
            links += 1
            if target.hasPrefix("/") { resolved = [] }
            remaining = target.split(separator: "/").map(String.init) + remaining
        }
        return base + "/" + resolved.joined(separator: "/")
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func error(_ code: Int32, _ path: String) -> FileReadError {
        if path.contains("/" + symlinkLoopMarker + "/") {
            return .system(path: path, errno: ELOOP, message: "too many levels of symbolic links (a link loop under --root)")
        }
        switch code {
        case ENOENT, ENOTDIR: return .notFound(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        default: return .system(path: path, errno: code, message: String(cString: strerror(code)))
        }
    }
}

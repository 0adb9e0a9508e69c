#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// This machine's own files, by their real paths, as Swift values and typed errors: built on
/// EnvLock's `POSIXFile`, the one place that opens, reads and lists through the C library.
///
/// Detectors never call it: they read through `HostContext`, which maps every path under
/// `--root` first. It is the host-side road for the few readers whose files are never under
/// the probed root, each saying why: /proc of the `--pid` process (the kernel's view of a
/// running process), envlock's own caches under `$XDG_CACHE_HOME`, and the libraries the
/// dynamic loader opens (dlopen reads this machine).
public enum FileSystem {
    /// Reads a whole file, at most `limit` bytes, as an input of the running command in `role`.
    public static func readBytes(_ path: String, limit: Int = 4 << 20, as role: InputRole? = nil) throws(FileReadError) -> [UInt8] {
        do throws(POSIXFile.ReadFailure) {
            return try POSIXFile.readRegularFile(at: path, limit: limit, role: role).bytes
        } catch {
            throw readError(error, path, limit: limit)
        }
    }

    /// Reads a UTF-8 text file, as an input of the running command in `role`.
    static func readText(_ path: String, limit: Int = 4 << 20, as role: InputRole? = nil) throws(FileReadError) -> String {
        let bytes = try readBytes(path, limit: limit, as: role)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8(path: path) }
        return text
    }

    /// Opens a file for reading, refusing anything but a regular file without blocking on it
    /// (O_NONBLOCK makes opening a FIFO return at once). /proc and /sys files are regular.
    /// The caller closes the descriptor. The file is an input of the running command in `role`.
    package static func openRegularFile(_ path: String, as role: InputRole? = nil) throws(FileReadError) -> (descriptor: Int32, status: FileStatus) {
        do throws(POSIXFile.ReadFailure) {
            return try POSIXFile.openRegularFile(at: path, role: role)
        } catch {
            throw readError(error, path, limit: 0)
        }
    }

    static func readError(_ failure: POSIXFile.ReadFailure, _ path: String, limit: Int) -> FileReadError {
        switch failure {
        case .system(let failure): error(failure)
        case .notRegularFile: .notRegularFile(path: path)
        case .tooLarge: .tooLarge(path: path, limit: limit)
        }
    }

    /// What `path` names, following links; the failure keeps its errno for callers that
    /// report it as the C library words it.
    package static func status(_ path: String) throws(POSIXFailure) -> FileStatus {
        try POSIXFile.status(at: path)
    }

    /// What a file or folder's stamp is when nothing is there.
    static let missingStamp = "missing"

    /// Device, inode, size, mtime and ctime of what `path` names (following links), or
    /// `missingStamp`: equal stamps mean the file was not replaced or changed.
    static func stamp(_ path: String) -> String {
        let info: FileStatus
        do {
            info = try status(path)
        } catch {
            return error.isMissing ? missingStamp : "unreadable errno \(error.errno)"
        }
        return "\(info.device):\(info.inode):\(info.size):\(info.mtimeSeconds).\(info.mtimeNanoseconds):\(info.ctimeSeconds).\(info.ctimeNanoseconds)"
    }

    /// The names in a folder, sorted, without `.` and `..`.
    public static func listDirectory(_ path: String) throws(FileReadError) -> [String] {
        do throws(POSIXFailure) {
            return try POSIXFile.sortedNames(at: path)
        } catch {
            throw Self.error(error)
        }
    }

    /// The entries of a folder whose raw name `include` accepts, in `readdir` order (the
    /// order `os.listdir` and therefore importlib.metadata see), with the type `readdir` reported.
    static func entries(of path: String, where include: (UnsafeRawBufferPointer) -> Bool = { _ in true }) throws(FileReadError) -> [DirectoryEntry] {
        do throws(POSIXFailure) {
            return try POSIXFile.entries(at: path, where: include)
        } catch {
            throw Self.error(error)
        }
    }

    /// The folder name that stands for a symbolic link loop in a resolved path; no file lies
    /// under it, and reading there fails with ELOOP, as it would under chroot.
    static let symlinkLoopMarker = ".envlock-symlink-loop"

    /// The folder name that stands for a symbolic link whose target could not be read.
    static let unreadableLinkMarker = ".envlock-unreadable-link"

    /// `path` resolved inside `base` as if `base` were `/`: `..` stops at `base`, and absolute
    /// and relative link targets alike resolve inside `base`. After 40 links (a loop, which
    /// chroot would refuse with ELOOP) the path is one under `symlinkLoopMarker`, never the
    /// unresolved link, which the kernel would follow out of the tree. Every component of the
    /// result, the last one included, was a file or folder and not a link when it was looked at.
    static func resolve(_ path: String, under base: String) -> String {
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
            guard let info = try? POSIXFile.status(at: candidate, followingLinks: false), info.isSymbolicLink else {
                // Nothing there, or not a link: the component is taken as it is, and opening it
                // fails with its own reason, or finds what appeared since (again not a link).
                resolved.append(component)
                continue
            }
            let target: String
            do throws(POSIXFailure) {
                target = try POSIXFile.linkTarget(at: candidate)
            } catch {
                // A link whose target cannot be read is never handed to the kernel, which
                // would follow it out of the tree: reading there fails, naming the link.
                return base + "/" + unreadableLinkMarker + "/" + path.split(separator: "/").joined(separator: "/")
            }
            guard !target.isEmpty else {
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

    /// The target of the symbolic link at `path`, as written in the link.
    static func linkTarget(_ path: String) throws(FileReadError) -> String {
        do throws(POSIXFailure) {
            return try POSIXFile.linkTarget(at: path)
        } catch {
            throw Self.error(error)
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        (try? status(path))?.isDirectory ?? false
    }

    /// Whether this user may execute `path` (`access(X_OK)`; a folder it may enter says yes too).
    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0
    }

    /// `os.access(path, os.R_OK)`: whether this user may read it (a folder: list it).
    static func isReadable(_ path: String) -> Bool {
        access(path, R_OK) == 0
    }

    /// The system layer's failure as a `FileReadError`, about the path it names.
    static func error(_ failure: POSIXFailure) -> FileReadError {
        error(failure.errno, failure.path)
    }

    /// An errno as a `FileReadError` about `path`, saying so where the path is one that
    /// `resolve(_:under:)` made for a link loop or an unreadable link under --root.
    static func error(_ code: Int32, _ path: String) -> FileReadError {
        if path.containsBytes("/" + symlinkLoopMarker + "/") {
            return .system(path: path, errno: ELOOP, message: "too many levels of symbolic links (a link loop under --root)")
        }
        if path.containsBytes("/" + unreadableLinkMarker + "/") {
            return .system(path: path, errno: EIO, message: "a symbolic link on the way under --root could not be read")
        }
        return FileReadError(errno: code, path: path)
    }
}

/// What `stat` tells of a file: device, inode, size, mtime, ctime, mode and owner.
package typealias FileStatus = POSIXFile.Status

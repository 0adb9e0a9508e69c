#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// One job, kept in one file although it passes 300 lines: every open, read, list, stat and
// link lookup envlock makes goes through here, so the errno handling is written once.

/// A file system call that failed: the one file error of the system layer, which each
/// library's own error type maps in one place (`FileWriteError.init(_:)`,
/// `KeyFileError.init(_:)`, Probe's `FileSystem.error(_:)`).
package struct POSIXFailure: Error, Equatable {
    /// What envlock was doing, phrased to follow "could not": "create a temporary file beside".
    package var operation: String
    package var errno: Int32
    /// The path the step was about, as the caller gave it; empty for a call on an open
    /// descriptor (a read, `fstat`), whose caller knows the path (`at(_:)`).
    package var path: String

    package init(operation: String, errno: Int32, path: String = "") {
        self.operation = operation
        self.errno = errno
        self.path = path
    }

    /// The same failure, about `path`.
    package func at(_ path: String) -> POSIXFailure {
        POSIXFailure(operation: operation, errno: errno, path: path)
    }

    /// Nothing is at the path: no such file, or a component on the way is not a folder.
    package var isMissing: Bool { errno == ENOENT || errno == ENOTDIR }

    /// The C library's words for the errno, such as "Permission denied".
    package var reason: String { errnoDescription(errno) }

    /// "could not STEP: REASON", for messages that name the path before it.
    package var couldNot: String { "could not \(operation): \(reason)" }
}

/// One entry of a folder, with the type `readdir` reported (no `stat`).
package struct DirectoryEntry: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case directory, regularFile, symbolicLink, other, unknown
    }

    package var name: String
    package var kind: Kind

    package init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// A file's identity: two paths name the same file exactly when their device and inode are equal.
package struct FileIdentity: Hashable, Sendable {
    package var device: UInt64
    package var inode: UInt64
}

/// The text the C library gives for an errno value, such as "Permission denied".
package func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// The few file system operations that key files, atomic writes and the probe's file reading
/// (`FileSystem` in Probe, under `HostContext`) are built from: the one place that opens,
/// reads and lists through the C library, and so the one place that records each file opened
/// as an input of the running command (`CommandInputs`).
///
/// Every call that can fail reports its errno; callers turn that into their own error type
/// with the path the user named.
package enum POSIXFile {
    /// What a path names, without following a final symbolic link.
    enum Kind: Equatable {
        case missing
        case regularFile
        case symbolicLink
        case directory
        case other
    }

    /// What `path` names, as `lstat` sees it.
    static func kind(at path: String) throws(POSIXFailure) -> Kind {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            let code = errno
            if code == ENOENT { return .missing }
            throw POSIXFailure(operation: "inspect", errno: code, path: path)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFLNK: return .symbolicLink
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The outcome of reading a file that must be a regular file of bounded size.
    package enum ReadFailure: Error, Equatable {
        case system(POSIXFailure)
        case notRegularFile
        case tooLarge
    }

    /// What `stat` tells of a file: its identity (device, inode), size, times, mode and owner.
    package struct Status: Sendable, Equatable {
        package var device: UInt64
        package var inode: UInt64
        package var size: Int64
        package var mtimeSeconds: Int
        package var mtimeNanoseconds: Int
        package var ctimeSeconds: Int
        package var ctimeNanoseconds: Int
        /// The file type and permission bits (`st_mode`).
        package var mode: UInt32
        package var ownerUID: UInt32

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            mtimeSeconds = info.st_mtim.tv_sec
            mtimeNanoseconds = info.st_mtim.tv_nsec
            ctimeSeconds = info.st_ctim.tv_sec
            ctimeNanoseconds = info.st_ctim.tv_nsec
            mode = UInt32(info.st_mode)
            ownerUID = UInt32(info.st_uid)
        }

        /// Which file this is, whatever path reached it (a link, a hard link, another spelling).
        package var identity: FileIdentity { FileIdentity(device: device, inode: inode) }

        package var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
        package var isRegularFile: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }
        package var isSymbolicLink: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFLNK) }
    }

    /// What `path` names: following a final symbolic link (`stat`) or not (`lstat`).
    package static func status(at path: String, followingLinks: Bool = true) throws(POSIXFailure) -> Status {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else {
            throw POSIXFailure(operation: "inspect", errno: errno, path: path)
        }
        return Status(info)
    }

    /// What `path`, relative to the open `folder`, names itself (`fstatat` without following
    /// a final link): for many files of one tree, whose shared folders the kernel then walks
    /// once instead of for each.
    package static func linkStatus(at path: String, relativeTo folder: Int32) throws(POSIXFailure) -> Status {
        var info = stat()
        guard fstatat(folder, path, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw POSIXFailure(operation: "inspect", errno: errno, path: path)
        }
        return Status(info)
    }

    /// What the open `descriptor` is (`fstat`).
    package static func status(of descriptor: Int32) throws(POSIXFailure) -> Status {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw POSIXFailure(operation: "inspect", errno: errno) }
        return Status(info)
    }

    /// The target of the symbolic link at `path`, as written in the link.
    package static func linkTarget(at path: String) throws(POSIXFailure) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw POSIXFailure(operation: "read the link", errno: errno, path: path) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Opens the regular file at `path` for reading; the caller closes the descriptor. The
    /// file is recorded as an input of the running command (`CommandInputs.current`) in `role`.
    ///
    /// The file is inspected through its descriptor, so what is read is the file that was
    /// checked even if the path is swapped meanwhile. O_NONBLOCK keeps a FIFO planted at the
    /// path from blocking the open.
    package static func openRegularFile(at path: String, role: InputRole?) throws(ReadFailure) -> (descriptor: Int32, status: Status) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw .system(POSIXFailure(operation: "open", errno: errno, path: path)) }
        let status: Status
        do throws(POSIXFailure) {
            status = try Self.status(of: descriptor)
        } catch {
            close(descriptor)
            throw .system(error.at(path))
        }
        guard status.isRegularFile else {
            close(descriptor)
            throw .notRegularFile
        }
        CommandInputs.current?.record(path, status: status, role: role)
        return (descriptor, status)
    }

    /// One `read` into `buffer`, or one `pread` when `offset` is given: the number of bytes
    /// read, 0 at the end of the file. A call a signal interrupts (EINTR) is made again. Every
    /// read envlock makes of a descriptor goes through here.
    package static func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int? = nil) throws(POSIXFailure) -> Int {
        while true {
            let count =
                if let offset { pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset)) }
                else { read(descriptor, buffer.baseAddress, buffer.count) }
            if count >= 0 { return count }
            let code = errno
            if code != EINTR { throw POSIXFailure(operation: "read", errno: code) }
        }
    }

    /// Reads into `buffer` until it is full or the file ends (at `offset` with `pread`, or
    /// where the descriptor stands); returns how many bytes it read.
    package static func fill(_ buffer: UnsafeMutableRawBufferPointer, from descriptor: Int32, at offset: Int? = nil) throws(POSIXFailure) -> Int {
        var done = 0
        while done < buffer.count {
            let got = try readSome(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset.map { $0 + done })
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// Up to `count` bytes of `descriptor` at `offset` (`pread`), or where the descriptor
    /// stands when `offset` is nil: fewer only where the file ends.
    package static func bytes(at offset: Int?, count: Int, of descriptor: Int32) throws(POSIXFailure) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { buffer.deallocate() }
        let done = try fill(buffer, from: descriptor, at: offset)
        return Array(buffer[..<done])
    }

    /// Reads `descriptor` from where it stands to its end through the reused `buffer`, handing
    /// each chunk read to `body` (a hash, a limit check): a file of gigabytes is never held
    /// whole. `body` returns false to stop early.
    package static func forEachChunk(of descriptor: Int32, buffer: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Bool) throws(POSIXFailure) {
        while true {
            let count = try readSome(descriptor, into: buffer)
            if count == 0 { return }
            guard body(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) else { return }
        }
    }

    /// Opens `path` for reading, relative to the open folder `folder` (or the working directory),
    /// without waiting on a FIFO or taking a terminal and without checking what it is: for
    /// readers that look (`status(of:)`) only when what they read is not what they expect,
    /// a system call fewer for each file. The file is recorded as an input of the running
    /// command under `fullPath`, the path that names it without `folder`.
    package static func openForReading(at path: String, relativeTo folder: Int32 = AT_FDCWD, fullPath: String) throws(POSIXFailure) -> Int32 {
        let descriptor = openat(folder, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw POSIXFailure(operation: "open", errno: errno, path: fullPath) }
        // No fstat here, to keep the system call saved: the path is looked at if an output
        // is ever checked against it.
        CommandInputs.current?.record(fullPath, status: nil, role: nil)
        return descriptor
    }

    /// Opens the folder at `path`, for `openForReading(at:relativeTo:)`.
    package static func openFolder(at path: String) throws(POSIXFailure) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXFailure(operation: "open", errno: errno, path: path) }
        return descriptor
    }

    /// The contents and permission bits of the regular file at `path`, refusing more than
    /// `limit` bytes; the file is recorded as an input of the running command in `role`.
    package static func readRegularFile(at path: String, limit: Int, role: InputRole?) throws(ReadFailure) -> (bytes: [UInt8], mode: UInt32) {
        let (descriptor, status) = try openRegularFile(at: path, role: role)
        defer { close(descriptor) }
        guard status.size <= limit else { throw .tooLarge }
        // The size from fstat can be stale (a file still growing, or /proc-like files that
        // report 0), so the limit is checked while reading too.
        let bytes: [UInt8]
        do throws(ReadFailure) {
            bytes = try readToEnd(descriptor, limit: limit, chunkSize: 16 * 1024)
        } catch {
            if case .system(let failure) = error { throw .system(failure.at(path)) }
            throw error
        }
        return (bytes, status.mode & 0o7777)
    }

    /// Everything left to read on `descriptor` (a file, a pipe), at most `limit` bytes.
    package static func readToEnd(_ descriptor: Int32, limit: Int, chunkSize: Int) throws(ReadFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        do throws(POSIXFailure) {
            try forEachChunk(of: descriptor, buffer: chunk) { read in
                bytes += read
                return bytes.count <= limit
            }
        } catch {
            throw .system(error)
        }
        guard bytes.count <= limit else { throw .tooLarge }
        return bytes
    }

    /// The names in a folder, without `.` and `..`, sorted by their bytes.
    static func folderEntries(at path: String) throws(POSIXFailure) -> [String] {
        try entries(at: path) { _ in true }.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The names in a folder, without `.` and `..`, in the order Swift sorts strings: the
    /// order folder listings (`FileSystem.listDirectory`, `envlock audit`'s search) report.
    package static func sortedNames(at path: String) throws(POSIXFailure) -> [String] {
        try entries(at: path) { _ in true }.map(\.name).sorted()
    }

    /// The entries of a folder whose raw name `include` accepts, in the order `readdir` returns
    /// them (the order `os.listdir` sees), without `.` and `..`, each with the type `readdir`
    /// reported (no `stat`). The filter sees the bytes before any String is made, which matters
    /// in a folder of thousands of entries.
    package static func entries(at path: String, where include: (UnsafeRawBufferPointer) -> Bool) throws(POSIXFailure) -> [DirectoryEntry] {
        guard let folder = opendir(path) else { throw POSIXFailure(operation: "open the folder", errno: errno, path: path) }
        defer { closedir(folder) }
        var result: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(folder) else {
                if errno != 0 { throw POSIXFailure(operation: "read the folder", errno: errno, path: path) }
                break
            }
            // Fields are read through the pointer, never `entry.pointee`: a record is only as
            // long as its name (d_reclen), and copying the whole 280-byte struct read past the
            // end of readdir's buffer. Where that buffer ended a heap mapping, probes crashed
            // (SIGSEGV in a CI run; valgrind memcheck reported the invalid reads).
            let record = UnsafeRawPointer(entry)
            let namePointer = (record + MemoryLayout<dirent>.offset(of: \dirent.d_name)!).assumingMemoryBound(to: CChar.self)
            let length = strlen(namePointer)
            let bytes = UnsafeRawBufferPointer(start: namePointer, count: length)
            if length == 1 && bytes[0] == 0x2E || length == 2 && bytes[0] == 0x2E && bytes[1] == 0x2E { continue }
            guard include(bytes) else { continue }
            let name = String(decoding: bytes, as: UTF8.self)
            let type = record.load(fromByteOffset: MemoryLayout<dirent>.offset(of: \dirent.d_type)!, as: UInt8.self)
            let kind: DirectoryEntry.Kind = switch Int32(type) {
            case Int32(DT_DIR): .directory
            case Int32(DT_REG): .regularFile
            case Int32(DT_LNK): .symbolicLink
            case Int32(DT_UNKNOWN): .unknown
            default: .other
            }
            result.append(DirectoryEntry(name: name, kind: kind))
        }
        return result
    }

    /// The folder part of `path`: "." for a bare name, "/" for a file at the root.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = path[..<slash]
        return folder.isEmpty ? "/" : String(folder)
    }

    /// The last component of `path`; empty when `path` ends in a slash.
    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Creates a new file with a unique hidden name in the folder of `path`, writes `bytes`, sets
    /// exactly `mode` and flushes it to disk; returns the new file's path.
    ///
    /// The file is created with O_EXCL and mode 0600, so nobody else can have it open before
    /// fchmod, and O_NOFOLLOW, so a link planted under the chosen name is never followed; the
    /// explicit fchmod makes the final mode independent of the umask. The path stays in
    /// `PendingFiles` until the caller ends it there (`PendingFiles.settle`) with a rename,
    /// link or unlink.
    static func writeTemporaryFile(beside path: String, bytes: [UInt8], mode: UInt32) throws(POSIXFailure) -> String {
        var descriptor: Int32 = -1
        var temporaryPath = ""
        var attempts = 0
        while descriptor < 0 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporaryPath = "\(folder(of: path))/.\(baseName(of: path)).\(suffix).tmp"
            var code: Int32 = 0
            // Registered as it is created, so that a signal ending envlock removes it.
            descriptor = PendingFiles.shared.create(temporaryPath) {
                let opened = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                code = errno
                return opened
            }
            if descriptor < 0 {
                attempts += 1
                guard code == EEXIST, attempts < 16 else {
                    throw POSIXFailure(operation: "create a temporary file beside", errno: code, path: path)
                }
            }
        }
        do throws(POSIXFailure) {
            guard fchmod(descriptor, mode_t(mode)) == 0 else {
                throw POSIXFailure(operation: "set the mode of a temporary file beside", errno: errno, path: path)
            }
            try writeAll(bytes, to: descriptor, operation: "write a temporary file beside")
            guard fsync(descriptor) == 0 else {
                throw POSIXFailure(operation: "flush a temporary file beside", errno: errno, path: path)
            }
        } catch {
            close(descriptor)
            PendingFiles.shared.settle(temporaryPath) { _ = unlink(temporaryPath) }
            throw error.at(path)
        }
        // close can report a deferred write error (NFS); the file is not trusted if it does.
        guard close(descriptor) == 0 else {
            let failure = POSIXFailure(operation: "close a temporary file beside", errno: errno, path: path)
            PendingFiles.shared.settle(temporaryPath) { _ = unlink(temporaryPath) }
            throw failure
        }
        return temporaryPath
    }

    /// Writes all of `bytes` to `descriptor`, again after a signal interrupts; a write that
    /// writes nothing fails with EIO rather than looping. `operation` names the step for the error.
    package static func writeAll(_ bytes: [UInt8], to descriptor: Int32, operation: String) throws(POSIXFailure) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw POSIXFailure(operation: operation, errno: code)
            }
            if count == 0 { throw POSIXFailure(operation: operation, errno: EIO) }
            written += count
        }
    }

    /// Flushes the folder holding `path`, so that a rename or link into it survives a crash.
    ///
    /// File systems that cannot sync a folder say EINVAL; there is nothing more to make
    /// durable on them, so that case is not an error.
    static func syncFolder(of path: String) throws(POSIXFailure) {
        let descriptor = open(folder(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXFailure(operation: "open the folder of", errno: errno, path: path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw POSIXFailure(operation: "flush the folder of", errno: errno, path: path)
        }
    }
}

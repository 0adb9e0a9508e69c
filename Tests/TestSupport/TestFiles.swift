#if canImport(Glibc)
import Glibc
#endif

/// Plain POSIX file helpers for tests, independent of the code under test: every test
/// target's fixtures are written and read through these.
public enum TestFiles {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }

        public init(message: String) { self.message = message }
    }

    /// The bytes of the file at `path`.
    public static func bytes(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(message: "cannot read \(path): errno \(errno)") }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw Failure(message: "cannot read \(path): errno \(errno)") }
            if count == 0 { return result }
            result += buffer[0..<count]
        }
    }

    /// The file at `path` as text (invalid UTF-8 repaired).
    public static func text(_ path: String) throws -> String {
        String(decoding: try bytes(path), as: UTF8.self)
    }

    /// Creates or truncates `path` with `bytes` and exactly `mode`, making missing parent folders.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { makeFolders(String(path[..<slash])) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(message: "cannot create \(path): errno \(errno)") }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw Failure(message: "cannot chmod \(path): errno \(errno)") }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw Failure(message: "short write to \(path)") }
    }

    /// `mkdir -p`.
    public static func makeFolders(_ path: String) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            mkdir(prefix, 0o755)
        }
    }

    /// A new empty folder under /tmp whose name starts with `prefix`.
    public static func scratchFolder(prefix: String = "envlock-test") throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure(message: "mkdtemp failed: errno \(errno)")
        }
        return String(cString: made)
    }

    /// Removes `path` and, for a folder, everything in it (links are removed, not followed;
    /// a folder a test made unreadable is opened up first).
    public static func removeTree(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR {
            chmod(path, 0o700)
            for name in (try? names(in: path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// The names in `folder`, without `.` and `..`, sorted.
    public static func names(in folder: String) throws -> [String] {
        guard let directory = opendir(folder) else { throw Failure(message: "cannot list \(folder): errno \(errno)") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether anything, even a dangling symbolic link, exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }
}

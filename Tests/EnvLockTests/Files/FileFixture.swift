#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with a new empty folder under /tmp, removed afterwards with everything in it.
@discardableResult
func withScratchFolder<T>(_ body: (String) throws -> T) throws -> T {
    let folder = try FileFixture.makeScratchFolder()
    defer { FileFixture.removeTree(folder) }
    return try body(folder)
}

/// `withScratchFolder` for async bodies.
func withScratchFolderAsync(_ body: (String) async throws -> Void) async throws {
    let folder = try FileFixture.makeScratchFolder()
    defer { FileFixture.removeTree(folder) }
    try await body(folder)
}

/// Plain POSIX file helpers for tests, independent of the code under test.
enum FileFixture {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A new empty folder under /tmp.
    static func makeScratchFolder() throws -> String {
        var template = Array("/tmp/envlock-test-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw Failure(message: "mkdtemp failed: errno \(errno)")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Creates or truncates `path` with `bytes` and exactly `mode`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(message: "cannot create \(path): errno \(errno)") }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw Failure(message: "cannot chmod \(path)") }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw Failure(message: "short write to \(path)") }
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw Failure(message: "cannot open \(path): errno \(errno)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    static func readText(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// The permission bits of `path` (following links), or nil when it does not exist.
    static func mode(_ path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }

    /// Whether anything, even a dangling symbolic link, exists at `path`.
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// The names in `folder`, without `.` and `..`, sorted.
    static func names(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func symlink(_ target: String, at path: String) throws {
        guard Glibc.symlink(target, path) == 0 else { throw Failure(message: "cannot link \(path): errno \(errno)") }
    }

    /// Removes `path` and everything below it, without following links.
    static func removeTree(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR {
            chmod(path, 0o700)
            for name in names(in: path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

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
        try TestFiles.scratchFolder()
    }

    /// Creates or truncates `path` with `bytes` and exactly `mode`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        try TestFiles.write(bytes, to: path, mode: mode)
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        try TestFiles.bytes(path)
    }

    static func readText(_ path: String) throws -> String {
        try TestFiles.text(path)
    }

    /// The permission bits of `path` (following links), or nil when it does not exist.
    static func mode(_ path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }

    /// Whether anything, even a dangling symbolic link, exists at `path`.
    static func exists(_ path: String) -> Bool {
        TestFiles.exists(path)
    }

    /// The names in `folder`, without `.` and `..`, sorted ([] when it cannot be listed).
    static func names(in folder: String) -> [String] {
        (try? TestFiles.names(in: folder)) ?? []
    }

    static func symlink(_ target: String, at path: String) throws {
        guard Glibc.symlink(target, path) == 0 else { throw Failure(message: "cannot link \(path): errno \(errno)") }
    }

    /// Removes `path` and everything below it, without following links.
    static func removeTree(_ path: String) {
        TestFiles.removeTree(path)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Paths to the shared test data that lives beside the repository (`../shared`).
enum SharedData {
    /// The package root, found from this file's place in `Tests/<Target>/Support/`.
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    /// `../shared` beside the repository.
    static let root = packageRoot + "/../shared"
    static let conformance = root + "/conformance"
    static let realFixtures = root + "/fixtures/real"

    struct Unreadable: Error, CustomStringConvertible {
        var path: String
        var description: String { "cannot read \(path)" }
    }

    /// The bytes of a shared data file.
    static func bytes(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Unreadable(path: path) }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw Unreadable(path: path) }
            if count == 0 { return result }
            result += buffer[0..<count]
        }
    }
}

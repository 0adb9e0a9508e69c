#if canImport(Glibc)
import Glibc
#endif

/// Standard output and standard error, written whole or not at all: the command line hands
/// its finished reports here. The library itself never writes to them.
public enum StandardStream: Sendable {
    case output
    case error

    /// Why a report could not be written: a full disk, a closed pipe.
    public struct WriteError: Error, Sendable, Equatable, CustomStringConvertible {
        public var stream: StandardStream
        public var errno: Int32

        public var description: String {
            "cannot write to \(stream == .output ? "standard output" : "standard error"): \(errnoDescription(errno))"
        }
    }

    var descriptor: Int32 { self == .output ? STDOUT_FILENO : STDERR_FILENO }

    /// Writes all of `bytes`, unchanged (no newline added).
    public func write(_ bytes: [UInt8]) throws(WriteError) {
        do {
            try POSIXFile.writeAll(bytes, to: descriptor, operation: "write")
        } catch {
            throw WriteError(stream: self, errno: error.errno)
        }
    }
}

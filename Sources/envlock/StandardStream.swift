#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// Standard output and standard error, written whole or not at all: the command line hands
/// its finished reports here (the libraries never write to them). `POSIXFile.writeAll`, which
/// writes envlock's files too, retries short writes and EINTR. (swift-system's `writeAll`, used
/// before, is generic over the bytes: the first write of every command built its metadata at
/// run time, a search through all of the binary's protocol conformances.)
enum StandardStream: Sendable {
    case output
    case error

    /// Why a report could not be written: a full disk, a closed pipe.
    struct WriteError: Error, Sendable, Equatable, CustomStringConvertible {
        var stream: StandardStream
        var errno: Int32

        var description: String {
            "cannot write to \(stream == .output ? "standard output" : "standard error"): \(errnoDescription(errno))"
        }
    }

    var descriptor: Int32 { self == .output ? STDOUT_FILENO : STDERR_FILENO }

    /// Writes all of `bytes`, unchanged (no newline added).
    func write(_ bytes: [UInt8]) throws(WriteError) {
        do throws(POSIXFailure) {
            try POSIXFile.writeAll(bytes, to: descriptor, operation: "write")
        } catch {
            throw WriteError(stream: self, errno: error.errno)
        }
    }
}

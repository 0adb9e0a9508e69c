import EnvLock
import SystemPackage

/// Standard output and standard error, written whole or not at all: the command line hands
/// its finished reports here (the libraries never write to them). swift-system's `writeAll`
/// retries short writes and EINTR, so no command needs Glibc for output.
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

    var descriptor: FileDescriptor { self == .output ? .standardOutput : .standardError }

    /// Writes all of `bytes`, unchanged (no newline added).
    func write(_ bytes: [UInt8]) throws(WriteError) {
        do {
            _ = try descriptor.writeAll(bytes)
        } catch let error as Errno {
            throw WriteError(stream: self, errno: error.rawValue)
        } catch {
            throw WriteError(stream: self, errno: Errno.ioError.rawValue)
        }
    }
}

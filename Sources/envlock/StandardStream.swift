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
            let name = stream == .output ? "standard output" : "standard error"
            // EBADF: started with `>&-` (or `1<file`); the placeholder `StandardDescriptors`
            // put there refuses writes, so no file envlock opened later is written instead.
            if errno == EBADF { return "cannot write to \(name): it is closed, or not open for writing; run envlock with \(name) open (not >&-)" }
            return "cannot write to \(name): \(errnoDescription(errno))"
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

/// Descriptors 0, 1 and 2 as envlock found them: one that was closed (`>&-`, `<&-`) is held
/// by a placeholder until envlock ends.
enum StandardDescriptors {
    /// O_PATH, which Swift does not import from glibc's headers: its value on every
    /// architecture Swift runs Linux on (only alpha, parisc and sparc differ).
    static let pathOnly: Int32 = 0o10000000

    /// Puts a placeholder on each standard descriptor envlock was started without. Call first
    /// thing in `main`, before anything opens a descriptor.
    ///
    /// Otherwise the next descriptor opened takes the lowest free number: the Swift runtime's
    /// eventfd became standard input or output, so a report written there failed with
    /// "Invalid argument", and a file opened in its place would have received the report (or
    /// a crash message meant for standard error). The placeholder is `/` opened with O_PATH:
    /// reading or writing it fails with EBADF, which the messages translate into "closed"
    /// (`StandardStream.WriteError`, `DocumentFile.readStandardInput`). It is close-on-exec, so
    /// the job `run` starts finds the descriptor closed, as a shell would leave it.
    static func holdClosed() {
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            // The lowest free number, since every one below is open by now.
            let placeholder = open("/", pathOnly | O_CLOEXEC | O_DIRECTORY)
            guard placeholder == descriptor else {
                // Out of memory or file table slots at start-up: envlock cannot keep its own
                // files off the standard streams, so it stops before opening any.
                let code = errno
                printError("envlock: descriptor \(descriptor) (standard \(["input", "output", "error"][Int(descriptor)])) is closed, and no placeholder could be opened for it: \(placeholder < 0 ? errnoDescription(code) : "it took descriptor \(placeholder)")")
                exit(ExitStatus.untrusted)
            }
        }
    }
}

import ArgumentParser
import EnvLock
#if canImport(Glibc)
import Glibc
#endif

/// The documented exit codes (README.md, "Exit codes").
enum ExitStatus {
    /// The machine matches; the documents are identical.
    static let ok: Int32 = 0
    /// Drift: an error rule fails; the documents differ.
    static let drift: Int32 = 1
    /// The lock cannot be trusted or read; an input document is invalid.
    static let untrusted: Int32 = 2
    /// The command line is wrong (ArgumentParser's validation failures use it too).
    static let usage: Int32 = 64
}

/// An error the command line reports on standard error before exiting.
enum Failure: Error {
    /// A document or key could not be read or trusted: exit 2.
    case untrusted(String)
    /// A file could not be written: exit 2.
    case io(String)
    /// The command line is wrong: exit 64.
    case usage(String)

    var exitCode: Int32 {
        switch self {
        case .untrusted, .io: ExitStatus.untrusted
        case .usage: ExitStatus.usage
        }
    }

    var message: String {
        switch self {
        case .untrusted(let message), .io(let message), .usage(let message): message
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    StandardOutput.write(Array((message.hasSuffix("\n") ? message : message + "\n").utf8), to: STDERR_FILENO)
}

/// Runs a command body, turning `Failure`s into their message and exit code.
func reportingFailures(_ body: () async throws -> Int32) async throws -> Never {
    let code: Int32
    do {
        code = try await body()
    } catch let failure as Failure {
        // Messages quote documents and paths; none of that may forge a line on the terminal.
        printError("envlock: " + UntrustedText.terminal(failure.message))
        code = failure.exitCode
    }
    throw ExitCode(code)
}

/// Raw bytes to standard output, unchanged (no newline added).
enum StandardOutput {
    /// Writes all of `bytes`; returns the errno of a failed write, nil on success.
    @discardableResult
    static func write(_ bytes: [UInt8], to descriptor: Int32 = STDOUT_FILENO) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return written < 0 ? errno : EIO }
            offset += written
        }
        return nil
    }

    /// Writes a report to standard output; a full disk or a closed pipe is an error (exit 2),
    /// so a script never keeps a truncated snapshot believing it complete.
    static func emit(_ text: String) throws {
        try emit(Array(text.utf8))
    }

    static func emit(_ bytes: [UInt8]) throws {
        if let code = write(bytes) {
            throw Failure.io("cannot write to standard output: \(String(cString: strerror(code)))")
        }
    }
}

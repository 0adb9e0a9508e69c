import ArgumentParser
import EnvLock
import Probe

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

/// An error a command reports on standard error (`envlock: MESSAGE`) before exiting with its code.
protocol CommandFailure: Error {
    var exitCode: Int32 { get }
    var message: String { get }
}

/// A failure of the command line's own making.
enum Failure: CommandFailure {
    /// A file could not be written: exit 2.
    case io(String)

    var exitCode: Int32 { ExitStatus.untrusted }

    var message: String {
        switch self {
        case .io(let message): message
        }
    }
}

/// A document, key, lock or process that cannot be read or trusted: exit 2.
extension WorkflowError: CommandFailure {
    var exitCode: Int32 { ExitStatus.untrusted }
    var message: String { description }
}

extension ProbeWorkflowError: CommandFailure {
    var exitCode: Int32 { ExitStatus.untrusted }
    var message: String { description }
}

extension DocumentError: CommandFailure {
    var exitCode: Int32 { ExitStatus.untrusted }
    var message: String { description }
}

/// Writes a line to standard error. There is nowhere left to report a failure to write it.
func printError(_ message: String) {
    try? StandardStream.error.write(Array((message.hasSuffix("\n") ? message : message + "\n").utf8))
}

/// Runs a command body, turning failures into their message and exit code. The body runs with
/// a fresh `CommandInputs.current`, where every file it reads is recorded, so that its output
/// (`writeOutput`) never replaces one of them.
func exitStatus(_ body: () async throws -> Int32) async throws -> Int32 {
    do {
        return try await CommandInputs.$current.withValue(CommandInputs()) { try await body() }
    } catch let failure as any CommandFailure {
        // Messages quote documents and paths; none of that may forge a line on the terminal.
        printError("envlock: " + UntrustedText.terminal(failure.message))
        return failure.exitCode
    }
}

/// Runs a command body and exits with its status through ArgumentParser.
func reportingFailures(_ body: () async throws -> Int32) async throws -> Never {
    throw ExitCode(try await exitStatus(body))
}

/// How a command that a detector ran ended.
public enum CommandOutcome: Sendable, Equatable {
    /// The command ran to its end. Output beyond the runner's cap is cut and `truncated` is set.
    case exited(status: Int32, stdout: [UInt8], stderr: [UInt8], truncated: Bool)
    /// The command was killed by a signal it did not ask for.
    case signaled(signal: Int32)
    /// No executable of that name on `PATH` (under the probe's environment).
    case notFound(command: String)
    /// The command did not finish before its deadline and was killed.
    case timedOut(after: Duration)
    /// The command exists but could not be started.
    case failedToStart(reason: String)
}

/// Runs external commands (nvidia-smi, python, nvcc) with a deadline.
public protocol CommandRunner: Sendable {
    /// Runs `command` (a name looked up on `PATH` in `environment`, or a path) and waits at
    /// most `timeout`. Never throws: every way it can end is a `CommandOutcome`.
    func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome
}

/// How a command that a detector ran ended.
enum CommandOutcome: Sendable, Equatable {
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
protocol CommandRunner: Sendable {
    /// Runs `command` (a name looked up on `PATH` in `environment`, or a path) and waits at
    /// most `timeout`. Never throws: every way it can end is a `CommandOutcome`.
    func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome
}

/// The command runner detectors get under a foreign `--root`: it runs nothing. A program of
/// that tree would run against this machine's kernel, C library and files, and a program of
/// this machine would describe this machine, not the tree.
struct RootConfinedCommandRunner: CommandRunner {
    /// The foreign root, for the refusal's reason.
    var root: String

    init(root: String) {
        self.root = root
    }

    public func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
        .failedToStart(reason: "no program is run under --root \(root): \(command) would run on this machine, not that tree")
    }
}

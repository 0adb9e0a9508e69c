#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// Why a workflow that probes this machine stopped before its verdict. Every case names what
/// failed and says what to do; the command line reports it and exits 2.
public enum ProbeWorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A document or key cannot be read, or the lock cannot be trusted or made.
    case input(WorkflowError)
    /// The `--pid` process is gone or may not be read.
    case process(ProcessReadError)
    /// The current folder, where the job's relative paths start, cannot be read (errno).
    case workingDirectory(errno: Int32)

    public var description: String {
        switch self {
        case .input(let error): error.description
        case .process(let error): error.description
        case .workingDirectory(let code):
            "cannot read the current folder (\(String(cString: strerror(code)))), which the job's relative paths start from; run from an existing folder"
        }
    }
}

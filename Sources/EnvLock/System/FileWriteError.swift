#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a document (a lock, a snapshot, a report) could not be written.
public enum FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The destination is a symbolic link; envlock does not write through links, so that a link
    /// planted beside a lock cannot redirect the write to another file.
    case symlinkDestination(path: String)
    /// The destination exists and is not a regular file (a folder, a device, a FIFO).
    case notARegularFile(path: String)
    /// The destination of `--output` is a file the command read (the same file, however
    /// spelled or linked), read through `input` as `role` (nil: a file it read for no role
    /// envlock names).
    case wouldReplaceInput(path: String, input: String, role: InputRole?)
    /// The destination holds a private key or its owner may not write it; replacing it needs
    /// `--replace-protected`.
    case protectedDestination(path: String, reason: String)
    /// A system call failed; `operation` says which step, `errno` why.
    case io(path: String, operation: String, errno: Int32)

    /// The failure of a system call on the way, about the path it names.
    init(_ failure: POSIXFailure) {
        self = .io(path: failure.path, operation: failure.operation, errno: failure.errno)
    }

    public var description: String { description(option: "--output") }

    /// The message, naming the destination by the command-line `option` that gave it
    /// (`--output`, `--envelope`, `--attest`) where the option is what the user must change.
    public func description(option: String) -> String {
        switch self {
        case .symlinkDestination(let path):
            "\(path) is a symbolic link; envlock does not write through links. Remove the link or choose another output path."
        case .notARegularFile(let path):
            "\(path) is not a regular file (it is a folder or a special file); choose a file path to write to."
        case .wouldReplaceInput(let path, let input, let role):
            "\(option) \(path) is \(role?.description ?? "a file")\(input == path ? "" : " (\(input))"), which this command read; writing there would destroy it. Choose another output path (--replace-protected never covers an input)."
        case .protectedDestination(let path, let reason):
            "\(path) \(reason), so envlock will not replace it. Choose another output path, or pass --replace-protected if you mean to replace it."
        case .io(let path, let operation, let errno):
            ioDescription(path: path, operation: operation, errno: errno)
        }
    }
}

/// "could not STEP PATH: REASON." followed by what to do, for the errno values with a usual cause.
func ioDescription(path: String, operation: String, errno: Int32) -> String {
    let advice =
        switch errno {
        case ENOENT: " Check that the folder exists."
        case EACCES, EPERM: " Check that you may write to the folder."
        case EROFS: " The folder is on a read-only file system; choose another place."
        case ENOSPC, EDQUOT: " Free some disk space and try again."
        case ENAMETOOLONG: " Use a shorter file name."
        default: ""
        }
    return "could not \(operation) \(path): \(errnoDescription(errno)).\(advice)"
}

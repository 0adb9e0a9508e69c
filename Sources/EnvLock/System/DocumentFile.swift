#if canImport(Glibc)
import Glibc
#endif

/// Reading the profile, lock and snapshot files named on the command line.
public enum DocumentFile {
    /// The bytes of the regular file at `path`, at most `limit`, read as the command's input
    /// in `role`. A FIFO, device or folder is refused without blocking, so a planted pipe
    /// cannot hang `verify`.
    public static func read(at path: String, limit: Int = YAMLLimits().maxBytes, role: InputRole) throws(DocumentError) -> [UInt8] {
        do {
            return try POSIXFile.readRegularFile(at: path, limit: limit, role: role).bytes
        } catch {
            switch error {
            case .notRegularFile:
                throw .unreadable(path: path, reason: "not a regular file")
            case .tooLarge:
                throw .unreadable(path: path, reason: "larger than \(limit) bytes; no envlock document is that large")
            case .system(let failure):
                throw .unreadable(path: path, reason: failure.couldNot)
            }
        }
    }

    /// What standard input names in reports and error messages.
    public static let standardInputName = "standard input"

    /// Everything on standard input (`-` on the command line), at most `limit` bytes.
    static func readStandardInput(limit: Int) throws(DocumentError) -> [UInt8] {
        do {
            return try POSIXFile.readToEnd(STDIN_FILENO, limit: limit, chunkSize: 1 << 20)
        } catch {
            switch error {
            case .tooLarge:
                throw .unreadable(path: standardInputName, reason: "more than \(limit) bytes")
            case .system(let failure) where failure.errno == EBADF:
                // Started with `<&-` (or `0>file`): say so, not "Bad file descriptor".
                throw .unreadable(path: standardInputName, reason: "closed, or not open for reading; give envlock the input on standard input (a pipe or `< file`) or name a file instead of -")
            case .system(let failure):
                throw .unreadable(path: standardInputName, reason: failure.couldNot)
            case .notRegularFile:
                throw .unreadable(path: standardInputName, reason: "not readable")
            }
        }
    }
}

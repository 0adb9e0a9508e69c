/// Reading the profile, lock and snapshot files named on the command line.
public enum DocumentFile {
    /// The bytes of the regular file at `path`, at most `limit`. A FIFO, device or folder is
    /// refused without blocking, so a planted pipe cannot hang `verify`.
    public static func read(at path: String, limit: Int = YAMLLimits().maxBytes) throws(DocumentError) -> [UInt8] {
        do {
            return try POSIXFile.readRegularFile(at: path, limit: limit).bytes
        } catch {
            switch error {
            case .notRegularFile:
                throw .unreadable(path: path, reason: "not a regular file")
            case .tooLarge:
                throw .unreadable(path: path, reason: "larger than \(limit) bytes; no envlock document is that large")
            case .system(let failure):
                throw .unreadable(path: path, reason: "could not \(failure.operation): \(errnoDescription(failure.errno))")
            }
        }
    }
}

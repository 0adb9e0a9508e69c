import EnvLock

/// Reports to standard output, unchanged (no newline added). A full disk or a closed pipe is
/// an error (exit 2), so a script never keeps a truncated snapshot believing it complete.
enum StandardOutput {
    static func emit(_ text: String) throws {
        try emit(Array(text.utf8))
    }

    static func emit(_ bytes: [UInt8]) throws {
        do { try StandardStream.output.write(bytes) } catch { throw Failure.io(error.description) }
    }
}

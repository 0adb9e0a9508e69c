/// Quoting for paths that appear inside commands an error message tells the user to run.
enum ShellQuoting {
    /// `path` as a POSIX shell word: unchanged when it needs no quoting, else in single quotes.
    static func quoted(_ path: String) -> String {
        let plain = path.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "/._-+,:@%=".utf8.contains(byte)
            }
        }
        if plain && !path.isEmpty { return path }
        return "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}

/// Fits report lines for people into a terminal's width without cutting anything: text breaks
/// at spaces, and a word longer than the line (a digest, a path) stands whole on its own line.
public enum TextWrap {
    /// The width reports fit when standard output is not a terminal, or `$COLUMNS` is not a
    /// usable number: what a log viewer or a bug report shows without wrapping.
    public static let defaultWidth = 100

    /// Narrower than this, an indented value would have no room; `$COLUMNS` below it is ignored.
    static let narrowest = 40

    /// The width to fit: `$COLUMNS` when the report goes to a terminal and it is a number of
    /// at least 40, else 100.
    public static func width(columns: String?, isTerminal: Bool) -> Int {
        guard isTerminal, let columns, let value = Int(columns), value >= narrowest else { return defaultWidth }
        return value
    }

    /// `text` after `first`, broken at spaces into lines of at most `width` characters; lines
    /// after the first begin with `rest`. A word too long to follow `first` puts `first` on a
    /// line of its own; a word too long for any line stands whole on its own line, longer than
    /// `width`, rather than being cut.
    public static func lines(_ text: String, first: String, rest: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = first
        var lineHasWord = false
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if lineHasWord && line.count + 1 + word.count > width {
                lines.append(line)
                line = rest
                lineHasWord = false
            } else if !lineHasWord && line == first && line.count + word.count > width && first.contains(where: { $0 != " " }) {
                var label = first
                while label.hasSuffix(" ") { label.removeLast() }
                lines.append(label)
                line = rest
            }
            line += (lineHasWord ? " " : "") + word
            lineHasWord = true
        }
        lines.append(line)
        return lines
    }
}

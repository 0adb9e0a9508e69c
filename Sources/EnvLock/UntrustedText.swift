/// Shows strings that came from a machine, a document or a command line (fact values,
/// package names, environment variables, paths) so that they cannot forge or hide report
/// lines: a newline in a value must not start a fake `PASS` line, an escape sequence must
/// not recolour the terminal, a `|` must not add a Markdown table cell.
///
/// Text output escapes like `ls --quoting-style=escape` and git's path quoting: every control
/// character (C0, DEL, C1), the bidirectional overrides that reorder what a terminal shows,
/// and the backslash itself become visible escapes, so the shown text maps back to exactly
/// one string. JSON and YAML output need none of this: their writers escape as their formats
/// require and round-trip.
public enum UntrustedText {
    /// `text` with control and bidi-override characters escaped (`\n`, `\t`, `\x1b`,
    /// `\u{202e}`) and backslashes doubled. Plain printable text comes back unchanged.
    public static func terminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var shown = ""
        shown.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars { appendEscaped(scalar, to: &shown, escapingQuote: false) }
        return shown
    }

    /// `text` in double quotes, escaped as by `terminal(_:)` and with `"` escaped too, so a
    /// value cannot close its own quotes and append a fake field.
    public static func quoted(_ text: String) -> String {
        var shown = "\""
        for scalar in text.unicodeScalars { appendEscaped(scalar, to: &shown, escapingQuote: true) }
        shown.append("\"")
        return shown
    }

    /// `text` for a Markdown table cell or paragraph: control characters escaped as in
    /// `terminal(_:)`, then each character that means something inside a GitHub-flavoured
    /// Markdown line backslash-escaped (`|` cells, backtick code, `*` `_` `~` emphasis, `[` `]`
    /// links and images, `<` `>` `&` HTML and entities, `\` itself), so nothing changes the
    /// table or injects HTML or a link. Other punctuation stays readable.
    public static func markdown(_ text: String) -> String {
        var shown = ""
        for scalar in terminal(text).unicodeScalars {
            if scalar.isASCII, markdownPunctuation.contains(UInt8(scalar.value)) { shown.append("\\") }
            shown.unicodeScalars.append(scalar)
        }
        return shown
    }

    /// `text` as inline code (`` `gpu.0.name` ``) when it is made only of characters that
    /// mean nothing in Markdown code spans or tables; otherwise escaped as by `markdown(_:)`,
    /// because a backtick or a pipe cannot be escaped inside a code span.
    public static func markdownCode(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || codeSafePunctuation.contains(byte)
        }
        return plain ? "`\(text)`" : markdown(text)
    }

    // MARK: Implementation

    private static let markdownPunctuation = Set("\\`*_~[]<>&|".utf8)
    private static let codeSafePunctuation = Set("._-/:+@=*,".utf8)

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || value == 0x7F || value == 0x5C || (value >= 0x80 && value < 0xA0) || isBidiControl(value)
    }

    /// U+200E/200F marks, U+202A–202E embeddings and overrides, U+2066–2069 isolates: they
    /// reorder or hide what a terminal shows without being visible themselves.
    private static func isBidiControl(_ value: UInt32) -> Bool {
        value == 0x200E || value == 0x200F || (value >= 0x202A && value <= 0x202E) || (value >= 0x2066 && value <= 0x2069)
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to shown: inout String, escapingQuote: Bool) {
        switch scalar {
        case "\\": shown.append("\\\\")
        case "\"" where escapingQuote: shown.append("\\\"")
        case "\n": shown.append("\\n")
        case "\r": shown.append("\\r")
        case "\t": shown.append("\\t")
        case "\u{08}": shown.append("\\b")
        case "\u{0C}": shown.append("\\f")
        case "\u{0B}": shown.append("\\v")
        case "\u{07}": shown.append("\\a")
        default:
            let value = scalar.value
            if value < 0x20 || value == 0x7F {
                shown.append("\\x" + hexDigits(value, width: 2))
            } else if needsEscape(scalar) {
                shown.append("\\u{" + hexDigits(value, width: 4) + "}")
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
    }

    private static func hexDigits(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A short name from a file (a PNG chunk name or keyword, a git index path or extension) in an
/// error message: only printable ASCII is kept, the rest shown as `?`, at most 80 characters.
package enum UntrustedTextName {
    package static func safe(_ text: String) -> String {
        String(text.unicodeScalars.prefix(80).map { (0x20...0x7e).contains($0.value) ? Character($0) : "?" })
    }
}

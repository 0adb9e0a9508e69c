/// JSON writes characters outside the Basic Multilingual Plane as escaped UTF-16 surrogate
/// pairs (`"\ud83d\ude02"`, as Python's `json.dumps` does by default); YAML's double-quoted
/// escapes take whole code points (`\U0001F602`), and libyaml refuses a surrogate escape.
///
/// When a document is lexically JSON and contains such pairs, the reader hands libyaml a copy
/// with each pair rewritten as one `\U` escape, and maps positions in the copy back to the
/// original. Documents that are not JSON (block YAML, flow YAML with plain scalars) are never
/// rewritten: outside a JSON string, `\ud83d` is literal text whose meaning must not change.
struct JSONSurrogateEscapes {
    /// The rewritten document.
    var bytes: [UInt8]
    /// For each line with rewrites: the column (in the rewritten text) after each rewritten
    /// pair, with how many columns all rewrites up to it removed.
    private var shifts: [Int: [(column: Int, removed: Int)]] = [:]

    /// The input with its surrogate pairs rewritten, or nil when there is nothing to rewrite or
    /// the input is not lexically JSON.
    static func rewrite(_ input: [UInt8]) -> JSONSurrogateEscapes? {
        guard mayContainSurrogateEscape(input) else { return nil }
        var rewrite = JSONSurrogateEscapes(bytes: [])
        rewrite.bytes.reserveCapacity(input.count)
        var lexer = Lexer(input: input)
        guard lexer.lex(into: &rewrite), rewrite.bytes.count != input.count else { return nil }
        return rewrite
    }

    /// The position in the original input of a position in the rewritten one.
    func original(_ mark: Mark) -> Mark {
        guard let lineShifts = shifts[mark.line] else { return mark }
        var removed = 0
        for shift in lineShifts where shift.column <= mark.column { removed = shift.removed }
        return Mark(line: mark.line, column: mark.column + removed)
    }

    /// A quick test for `\u` followed by `d8`…`db`, so that most documents skip the lexer.
    private static func mayContainSurrogateEscape(_ input: [UInt8]) -> Bool {
        var index = 0
        while index + 3 < input.count {
            if input[index] == UInt8(ascii: "\\"), input[index + 1] == UInt8(ascii: "u"),
                input[index + 2] | 0x20 == UInt8(ascii: "d"), (0x38...0x39).contains(input[index + 3]) || (0x61...0x62).contains(input[index + 3] | 0x20)
            {
                return true
            }
            index += 1
        }
        return false
    }

    /// A JSON lexer that copies its input, rewriting surrogate pairs inside strings.
    private struct Lexer {
        let input: [UInt8]
        var index = 0
        var line = 1
        /// The column, in characters, of the next byte in the rewritten text.
        var column = 1

        init(input: [UInt8]) { self.input = input }

        /// Copies the whole input; false when it is not JSON tokens from start to end.
        mutating func lex(into rewrite: inout JSONSurrogateEscapes) -> Bool {
            skipWhitespace(into: &rewrite)
            guard index < input.count, input[index] == UInt8(ascii: "{") || input[index] == UInt8(ascii: "[") else { return false }
            while index < input.count {
                let byte = input[index]
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    skipWhitespace(into: &rewrite)
                case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ":"):
                    copy(1, into: &rewrite)
                case UInt8(ascii: "\""):
                    guard string(into: &rewrite) else { return false }
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                    // Numbers and the literals true, false and null; libyaml checks them.
                    var end = index
                    while end < input.count, isWordByte(input[end]) { end += 1 }
                    copy(end - index, into: &rewrite)
                default:
                    return false
                }
            }
            return true
        }

        private func isWordByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }

        private mutating func skipWhitespace(into rewrite: inout JSONSurrogateEscapes) {
            while index < input.count {
                switch input[index] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"):
                    copy(1, into: &rewrite)
                case UInt8(ascii: "\r"):
                    rewrite.bytes.append(input[index])
                    index += 1
                    if index < input.count, input[index] == UInt8(ascii: "\n") {
                        rewrite.bytes.append(input[index])
                        index += 1
                    }
                    line += 1
                    column = 1
                case UInt8(ascii: "\n"):
                    rewrite.bytes.append(input[index])
                    index += 1
                    line += 1
                    column = 1
                default:
                    return
                }
            }
        }

        /// Copies a string token, starting at its opening quote.
        private mutating func string(into rewrite: inout JSONSurrogateEscapes) -> Bool {
            copy(1, into: &rewrite)
            while index < input.count {
                let byte = input[index]
                if byte == UInt8(ascii: "\"") {
                    copy(1, into: &rewrite)
                    return true
                }
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return false }
                if byte == UInt8(ascii: "\\") {
                    if let high = hexEscape(at: index), (0xD800...0xDBFF).contains(high),
                        let low = hexEscape(at: index + 6), (0xDC00...0xDFFF).contains(low)
                    {
                        let scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                        let hex = String(scalar, radix: 16, uppercase: true)
                        let escape = "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                        rewrite.bytes.append(contentsOf: escape.utf8)
                        column += escape.utf8.count
                        index += 12
                        let removed = (rewrite.shifts[line]?.last?.removed ?? 0) + 12 - escape.utf8.count
                        rewrite.shifts[line, default: []].append((column: column, removed: removed))
                        continue
                    }
                    guard index + 1 < input.count else { return false }
                    copy(2, into: &rewrite)
                    continue
                }
                copy(1, into: &rewrite)
            }
            return false
        }

        /// The value of a `\uXXXX` escape at `position`, if there is one.
        private func hexEscape(at position: Int) -> UInt32? {
            guard position + 6 <= input.count, input[position] == UInt8(ascii: "\\"), input[position + 1] == UInt8(ascii: "u") else { return nil }
            return UInt32(String(decoding: input[(position + 2)..<(position + 6)], as: UTF8.self), radix: 16)
        }

        /// Copies `count` bytes, counting characters.
        private mutating func copy(_ count: Int, into rewrite: inout JSONSurrogateEscapes) {
            let end = min(index + count, input.count)
            for byte in input[index..<end] {
                rewrite.bytes.append(byte)
                if byte & 0xC0 != 0x80 { column += 1 }
            }
            index = end
        }
    }
}

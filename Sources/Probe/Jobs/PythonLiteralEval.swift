import EnvLock

/// The subset of Python's `ast.literal_eval` that Fooocus applies to environment variables
/// (`modules/extra_utils.py`, `try_eval_env_var`): strings in single or double quotes,
/// numbers, `True`, `False`, `None`, lists, tuples and dicts. A tuple reads as a list.
enum PythonLiteralEval {
    struct SyntaxError: Error, Equatable {
        var offset: Int
    }

    /// The value of `text`, or nil when `ast.literal_eval` would raise (Fooocus then keeps
    /// the raw string).
    static func parse(_ text: String) -> MinimalJSON.Value? {
        var reader = Reader(bytes: Array(text.utf8))
        do {
            reader.skipSpace()
            let value = try reader.value()
            reader.skipSpace()
            guard reader.position == reader.bytes.count else { throw SyntaxError(offset: reader.position) }
            return value
        } catch {
            // Not a literal: the caller keeps the text, as Fooocus does.
            return nil
        }
    }

    struct Reader {
        var bytes: [UInt8]
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func value() throws(SyntaxError) -> MinimalJSON.Value {
            guard let byte = peek() else { throw SyntaxError(offset: position) }
            switch byte {
            case UInt8(ascii: "["): return .array(try sequence(closing: UInt8(ascii: "]")))
            case UInt8(ascii: "("): return .array(try sequence(closing: UInt8(ascii: ")")))
            case UInt8(ascii: "{"): return try dictionary()
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            default: return try word()
            }
        }

        mutating func sequence(closing: UInt8) throws(SyntaxError) -> [MinimalJSON.Value] {
            position += 1
            var items: [MinimalJSON.Value] = []
            while true {
                skipSpace()
                if peek() == closing {
                    position += 1
                    return items
                }
                items.append(try value())
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    position += 1
                } else if peek() != closing {
                    throw SyntaxError(offset: position)
                }
            }
        }

        mutating func dictionary() throws(SyntaxError) -> MinimalJSON.Value {
            position += 1
            var members: [(key: String, value: MinimalJSON.Value)] = []
            while true {
                skipSpace()
                if peek() == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                }
                guard case .string(let key) = try value() else { throw SyntaxError(offset: position) }
                skipSpace()
                guard peek() == UInt8(ascii: ":") else { throw SyntaxError(offset: position) }
                position += 1
                skipSpace()
                members.append((key, try value()))
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    position += 1
                } else if peek() != UInt8(ascii: "}") {
                    throw SyntaxError(offset: position)
                }
            }
        }

        mutating func string() throws(SyntaxError) -> String {
            let quote = bytes[position]
            position += 1
            var result: [UInt8] = []
            while let byte = peek() {
                position += 1
                if byte == quote { return String(decoding: result, as: UTF8.self) }
                if byte == 0x0A { break }
                if byte == UInt8(ascii: "\\"), let escaped = peek() {
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "n"): result.append(0x0A)
                    case UInt8(ascii: "t"): result.append(0x09)
                    case UInt8(ascii: "r"): result.append(0x0D)
                    case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): result.append(escaped)
                    default: result += [UInt8(ascii: "\\"), escaped]
                    }
                    continue
                }
                result.append(byte)
            }
            throw SyntaxError(offset: position)
        }

        mutating func word() throws(SyntaxError) -> MinimalJSON.Value {
            let start = position
            while let byte = peek(), !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: ")")
                    || byte == UInt8(ascii: "}") || byte == UInt8(ascii: ":") || [0x20, 0x09, 0x0A, 0x0D].contains(byte)) {
                position += 1
            }
            let word = String(decoding: bytes[start..<position], as: UTF8.self)
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .null
            default:
                let digits = word.replacing("_", with: "")
                guard !digits.isEmpty, Double(digits) != nil, digits.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else {
                    throw SyntaxError(offset: start)
                }
                return .number(digits)
            }
        }
    }
}

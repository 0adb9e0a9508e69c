#if canImport(Glibc)
import Glibc
#endif

/// A JSON document read by tests from the shared conformance tables (tests avoid Foundation).
indirect enum TestJSON: Equatable, CustomStringConvertible {
    case string(String)
    /// A number kept as written, so that integers of any size stay exact.
    case number(String)
    case bool(Bool)
    case null
    case array([TestJSON])
    case object([String: TestJSON])

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var array: [TestJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var int: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }

    var isNull: Bool { self == .null }

    subscript(key: String) -> TestJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var description: String {
        switch self {
        case .string(let value): return String(reflecting: value)
        case .number(let text): return text
        case .bool(let value): return String(value)
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { "\(String(reflecting: $0)): \(members[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    /// Reads and parses the JSON file at `path`.
    static func read(path: String) throws -> TestJSON {
        guard let file = fopen(path, "rb") else { throw TestJSONError(message: "cannot open \(path)", offset: 0) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return try parse(bytes)
    }

    /// Parses one JSON document from UTF-8 bytes.
    static func parse(_ bytes: [UInt8]) throws(TestJSONError) -> TestJSON {
        var reader = TestJSONReader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.error("text after the document") }
        return value
    }

    static func parse(_ text: String) throws(TestJSONError) -> TestJSON {
        try parse(Array(text.utf8))
    }
}

/// Where and why a test JSON document could not be read.
struct TestJSONError: Error, Equatable, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "JSON error at byte \(offset): \(message)" }
}

private struct TestJSONReader {
    let bytes: [UInt8]
    var position = 0

    func error(_ message: String) -> TestJSONError { TestJSONError(message: message, offset: position) }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func expect(_ literal: String) throws(TestJSONError) {
        for byte in literal.utf8 {
            guard position < bytes.count, bytes[position] == byte else { throw error("expected \(literal)") }
            position += 1
        }
    }

    mutating func value() throws(TestJSONError) -> TestJSON {
        guard position < bytes.count else { throw error("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        default: return try number()
        }
    }

    mutating func object() throws(TestJSONError) -> TestJSON {
        position += 1
        var members: [String: TestJSON] = [:]
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key") }
            let key = try string()
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            members[key] = try value()
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated object") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            } else {
                throw error("expected , or }")
            }
        }
    }

    mutating func array() throws(TestJSONError) -> TestJSON {
        position += 1
        var items: [TestJSON] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated array") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            } else {
                throw error("expected , or ]")
            }
        }
    }

    mutating func number() throws(TestJSONError) -> TestJSON {
        let start = position
        while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
        guard position > start else { throw error("unexpected character") }
        return .number(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    mutating func hexQuad() throws(TestJSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("bad hex digit in \\u escape")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    mutating func string() throws(TestJSONError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while true {
            guard position < bytes.count else { throw error("unterminated string") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\") else {
                raw.append(byte)
                continue
            }
            guard position < bytes.count else { throw error("unterminated escape") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): raw.append(escape)
            case UInt8(ascii: "b"): raw.append(0x08)
            case UInt8(ascii: "f"): raw.append(0x0C)
            case UInt8(ascii: "n"): raw.append(0x0A)
            case UInt8(ascii: "r"): raw.append(0x0D)
            case UInt8(ascii: "t"): raw.append(0x09)
            case UInt8(ascii: "u"):
                flush()
                var code = try hexQuad()
                if (0xD800...0xDBFF).contains(code) {
                    try expect("\\u")
                    let low = try hexQuad()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired high surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("unpaired low surrogate") }
                scalars.append(scalar)
            default:
                throw error("unknown escape")
            }
        }
        flush()
        return String(scalars)
    }
}

func bytesFromHex(_ hex: String) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let byte = UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
        index += 2
    }
    return bytes
}

#if canImport(Glibc)
import Glibc
#endif

/// A minimal JSON reader for the test vector files under `../shared/conformance/ed25519/`.
///
/// It reads what those files use (objects, arrays, strings with escapes, numbers, booleans,
/// null) and stops with a message at anything else; it is not a general JSON parser.
enum VectorJSON: Equatable {
    case object([String: VectorJSON])
    case array([VectorJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    struct ParseError: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "JSON error at byte \(offset): \(reason)" }
    }

    /// Reads and parses the file at `path`.
    static func load(_ path: String) throws -> VectorJSON {
        guard let file = fopen(path, "rb") else { throw ParseError(offset: 0, reason: "cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return try parse(bytes)
    }

    static func parse(_ bytes: [UInt8]) throws -> VectorJSON {
        var parser = Parser(bytes: bytes)
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw ParseError(offset: parser.index, reason: "trailing data") }
        return value
    }

    subscript(key: String) -> VectorJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var arrayValue: [VectorJSON] {
        if case .array(let items) = self { return items }
        return []
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value() throws -> VectorJSON {
            skipWhitespace()
            guard index < bytes.count else { throw ParseError(offset: index, reason: "unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: String) throws {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
                throw ParseError(offset: index, reason: "expected \(word)")
            }
            index += expected.count
        }

        mutating func expect(_ character: UInt8) throws {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == character else {
                throw ParseError(offset: index, reason: "expected \(Character(Unicode.Scalar(character)))")
            }
            index += 1
        }

        mutating func object() throws -> VectorJSON {
            try expect(UInt8(ascii: "{"))
            var members: [String: VectorJSON] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                members[key] = try value()
                skipWhitespace()
                guard index < bytes.count else { throw ParseError(offset: index, reason: "unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func array() throws -> VectorJSON {
            try expect(UInt8(ascii: "["))
            var items: [VectorJSON] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                items.append(try value())
                skipWhitespace()
                guard index < bytes.count else { throw ParseError(offset: index, reason: "unterminated array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return .array(items)
            }
        }

        mutating func number() throws -> VectorJSON {
            let start = index
            while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
            guard index > start else { throw ParseError(offset: index, reason: "unexpected character") }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        mutating func hexQuad() throws -> UInt32 {
            guard bytes.count - index >= 4, let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                throw ParseError(offset: index, reason: "bad \\u escape")
            }
            index += 4
            return value
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while true {
                guard index < bytes.count else { throw ParseError(offset: index, reason: "unterminated string") }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw ParseError(offset: index, reason: "unterminated escape") }
                    let escape = bytes[index]
                    index += 1
                    let simple: [UInt8: UInt8] = [
                        UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
                        UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
                    ]
                    if let replacement = simple[escape] {
                        raw.append(replacement)
                    } else if escape == UInt8(ascii: "u") {
                        flush()
                        var code = try hexQuad()
                        if (0xD800..<0xDC00).contains(code) {
                            try literal("\\u")
                            let low = try hexQuad()
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw ParseError(offset: index, reason: "bad code point") }
                        scalars.append(scalar)
                    } else {
                        throw ParseError(offset: index, reason: "bad escape")
                    }
                default:
                    raw.append(byte)
                }
            }
        }
    }
}

/// The bytes that a lowercase or uppercase hex string spells.
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

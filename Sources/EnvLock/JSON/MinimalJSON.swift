// One job, kept in one file although it passes 300 lines: a strict JSON reader.

/// A small strict JSON reader for the few JSON files envlock reads beside YAML (xformers'
/// cpp_lib.json, conda-meta records, and the test suite's conformance tables), so that no
/// module needs Foundation. Package-internal: not part of envlock's library API.
///
/// Numbers are kept as the text they were written with; `topLevelStrings` reads only chosen
/// members of the top object and skips the rest without building it, because conda-meta
/// records list every file of a package.
package enum MinimalJSON {
    /// One parsed JSON value.
    package indirect enum Value: Sendable, Equatable {
        case string(String)
        /// The number as written (`1201`, `2.5e3`).
        case number(String)
        case bool(Bool)
        case null
        case array([Value])
        case object([(key: String, value: Value)])

        package static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.string(let a), .string(let b)), (.number(let a), .number(let b)): a == b
            case (.bool(let a), .bool(let b)): a == b
            case (.null, .null): true
            case (.array(let a), .array(let b)): a == b
            case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: false
            }
        }

        /// The first member named `key` of an object.
        package subscript(key: String) -> Value? {
            guard case .object(let members) = self else { return nil }
            return members.first { $0.key == key }?.value
        }
    }

    /// Why a document is not the JSON expected.
    package struct SyntaxError: Error, Equatable, CustomStringConvertible {
        /// Byte offset of the problem.
        package var offset: Int
        package var reason: String

        package var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Parses a whole document.
    package static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> Value {
        try bytes.withUnsafeBufferPointer { (buffer) throws(SyntaxError) -> Value in
            var parser = Parser(bytes: buffer)
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.position == buffer.count else { throw parser.error("trailing content after the document") }
            return value
        }
    }

    /// The string members named in `keys` of the top-level object; other members are
    /// checked for syntax and skipped. Members with a non-string value are left out.
    package static func topLevelStrings(_ bytes: [UInt8], keys: Set<String>) throws(SyntaxError) -> [String: String] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(SyntaxError) -> [String: String] in
            var parser = Parser(bytes: buffer)
            var found: [String: String] = [:]
            parser.skipWhitespace()
            try parser.expect(UInt8(ascii: "{"))
            parser.skipWhitespace()
            if parser.peek() == UInt8(ascii: "}") {
                parser.position += 1
                return found
            }
            while true {
                parser.skipWhitespace()
                let key = try parser.string()
                parser.skipWhitespace()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipWhitespace()
                if keys.contains(key) && found[key] == nil && parser.peek() == UInt8(ascii: "\"") {
                    found[key] = try parser.string()
                } else {
                    try parser.skipValue(depth: 0)
                }
                parser.skipWhitespace()
                guard let next = parser.peek() else { throw parser.error("unterminated object") }
                parser.position += 1
                if next == UInt8(ascii: "}") { return found }
                guard next == UInt8(ascii: ",") else { throw parser.error("expected ',' or '}'") }
            }
        }
    }

    /// The cursor `parse` and `topLevelStrings` read with; the fleet reader uses it directly
    /// to read snapshots without building values.
    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        static let maximumDepth = 256

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        func error(_ reason: String) -> SyntaxError {
            SyntaxError(offset: position, reason: reason)
        }

        @inline(__always) func peek() -> UInt8? {
            position < bytes.count ? bytes[position] : nil
        }

        @inline(__always) mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        @inline(__always) mutating func expect(_ byte: UInt8) throws(SyntaxError) {
            guard peek() == byte else { throw expected(byte) }
            position += 1
        }

        /// Kept out of line: building the message is the rare path.
        @inline(never) func expected(_ byte: UInt8) -> SyntaxError {
            error("expected '\(Character(Unicode.Scalar(byte)))'")
        }

        mutating func value(depth: Int) throws(SyntaxError) -> Value {
            guard depth < Self.maximumDepth else { throw error("nested too deeply") }
            guard let byte = peek() else { throw error("unexpected end of document") }
            switch byte {
            case UInt8(ascii: "{"):
                position += 1
                var members: [(key: String, value: Value)] = []
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                }
                while true {
                    skipWhitespace()
                    let key = try string()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    skipWhitespace()
                    members.append((key, try value(depth: depth + 1)))
                    skipWhitespace()
                    guard let next = peek() else { throw error("unterminated object") }
                    position += 1
                    if next == UInt8(ascii: "}") { return .object(members) }
                    guard next == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
                }
            case UInt8(ascii: "["):
                position += 1
                var elements: [Value] = []
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {
                    position += 1
                    return .array(elements)
                }
                while true {
                    skipWhitespace()
                    elements.append(try value(depth: depth + 1))
                    skipWhitespace()
                    guard let next = peek() else { throw error("unterminated array") }
                    position += 1
                    if next == UInt8(ascii: "]") { return .array(elements) }
                    guard next == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            default:
                return .number(try number())
            }
        }

        /// Like `value`, without building anything.
        mutating func skipValue(depth: Int) throws(SyntaxError) {
            guard depth < Self.maximumDepth else { throw error("nested too deeply") }
            guard let byte = peek() else { throw error("unexpected end of document") }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                position += 1
                skipWhitespace()
                if peek() == close {
                    position += 1
                    return
                }
                while true {
                    skipWhitespace()
                    if close == UInt8(ascii: "}") {
                        try skipString()
                        skipWhitespace()
                        try expect(UInt8(ascii: ":"))
                        skipWhitespace()
                    }
                    try skipValue(depth: depth + 1)
                    skipWhitespace()
                    guard let next = peek() else { throw error("unterminated container") }
                    position += 1
                    if next == close { return }
                    guard next == UInt8(ascii: ",") else { throw error("expected ',' in container") }
                }
            case UInt8(ascii: "\""):
                try skipString()
            default:
                _ = try value(depth: depth)
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw error("unexpected end of document") }
            for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
                throw error("invalid literal")
            }
            position += count
        }

        mutating func number() throws(SyntaxError) -> String {
            let start = position
            if peek() == UInt8(ascii: "-") { position += 1 }
            var digits = 0
            while let byte = peek(), byte >= 0x30 && byte <= 0x39 || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                if byte >= 0x30 && byte <= 0x39 { digits += 1 }
                position += 1
            }
            guard digits > 0 else {
                position = start
                throw error("unexpected character")
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        mutating func skipString() throws(SyntaxError) {
            try expect(UInt8(ascii: "\""))
            while let byte = peek() {
                position += 1
                if byte == UInt8(ascii: "\"") { return }
                if byte == UInt8(ascii: "\\") { position += 1 }
            }
            throw error("unterminated string")
        }

        mutating func string() throws(SyntaxError) -> String {
            var decoded: [UInt8] = []
            let text: String?
            if let plain = try stringContent(decodingInto: &decoded) {
                text = String(validating: UnsafeBufferPointer(rebasing: bytes[plain]), as: UTF8.self)
            } else {
                text = String(validating: decoded, as: UTF8.self)
            }
            guard let text else { throw error("string is not valid UTF-8") }
            return text
        }

        /// Reads the string at the cursor without making a String: returns its bytes' range
        /// in the document when it has no escapes (no copy), or nil after decoding it into
        /// `scratch` (replacing what was there). UTF-8 validity is the caller's to check.
        mutating func stringContent(decodingInto scratch: inout [UInt8]) throws(SyntaxError) -> Range<Int>? {
            try expect(UInt8(ascii: "\""))
            let start = position
            // Fast path: no escapes. Eight bytes at a time while none is a quote, a backslash
            // or a control character; snapshots are mostly such plain strings.
            position = Self.plainRunEnd(bytes, from: position)
            guard let stop = peek() else { throw error("unterminated string") }
            guard stop >= 0x20 else { throw error("control character in string") }
            if stop == UInt8(ascii: "\"") {
                position += 1
                return start..<(position - 1)
            }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while true {
                guard let byte = peek() else { throw error("unterminated string") }
                if byte == UInt8(ascii: "\"") { break }
                position += 1
                guard byte == UInt8(ascii: "\\") else {
                    guard byte >= 0x20 else { throw error("control character in string") }
                    scratch.append(byte)
                    continue
                }
                guard let escaped = peek() else { throw error("unterminated string") }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escaped)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard peek() == UInt8(ascii: "\\") else { throw error("unpaired surrogate") }
                        position += 1
                        try expect(UInt8(ascii: "u"))
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    scratch.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("invalid escape")
                }
            }
            position += 1
            return nil
        }

        /// The offset of the first quote, backslash or control character at or after `start`
        /// (the end of the buffer when there is none).
        static func plainRunEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
            guard let base = bytes.baseAddress else { return start }
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            var index = start
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                // A byte is zero in `quote` or `backslash`, or below 0x20 in `word`
                // (the classic "has zero byte" and "has byte less than n" tests).
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
                if special & highs != 0 { break }
                index += 8
            }
            while index < bytes.count {
                let byte = base[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                index += 1
            }
            return index
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }
    }
}

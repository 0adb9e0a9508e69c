/// JSON text for documents: the RFC 8785 canonical form that fingerprints and signatures
/// cover, and an indented form for people and programs reading envlock's output.
public enum JSONText {
    /// RFC 8785 (JCS) bytes: object members sorted by the UTF-16 code units of their keys,
    /// no insignificant whitespace, minimal string escaping. Object member order in `value`
    /// does not matter; duplicate keys are the caller's error and keep their order.
    static func canonical(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        writeCanonical(value, into: &output)
        return output
    }

    /// Indented JSON (two spaces), members in the order given, ending with a newline.
    public static func pretty(_ value: JSONValue) -> String {
        var output: [UInt8] = []
        writePretty(value, indent: 0, into: &output)
        output.append(UInt8(ascii: "\n"))
        return String(decoding: output, as: UTF8.self)
    }

    private static func writeCanonical(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .string(let string): writeString(string, into: &output)
        case .bool(let flag): output.append(contentsOf: Array((flag ? "true" : "false").utf8))
        case .null: output.append(contentsOf: Array("null".utf8))
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeCanonical(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                writeCanonical(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into output: inout [UInt8]) {
        func newline(_ depth: Int) {
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        switch value {
        case .string, .bool, .null: writeCanonical(value, into: &output)
        case .array(let items):
            if items.isEmpty { output.append(contentsOf: Array("[]".utf8)); return }
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                writePretty(item, indent: indent + 1, into: &output)
            }
            newline(indent)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { output.append(contentsOf: Array("{}".utf8)); return }
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                writeString(member.key, into: &output)
                // Two bytes, not `Array(": ".utf8)`: that allocated an array for every member.
                output.append(UInt8(ascii: ":"))
                output.append(UInt8(ascii: " "))
                writePretty(member.value, indent: indent + 1, into: &output)
            }
            newline(indent)
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// RFC 8785 section 3.2.2.2: escape only `"`, `\` and control characters, with the short
    /// forms where JSON has them; everything else is written as UTF-8.
    private static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var contiguous = string
        // Runs that need no escape are copied whole: appending byte by byte was most of the
        // cost of writing a large snapshot.
        contiguous.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                writeEscape(byte, into: &output)
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// RFC 8785 section 3.2.2.2: the two-character escapes, else `\u00XX` in lowercase hex.
    private static func writeEscape(_ byte: UInt8, into output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            output.append(contentsOf: Array("\\u00".utf8))
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}

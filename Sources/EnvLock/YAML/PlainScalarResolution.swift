// One job, kept in one file although it passes 300 lines: the plain-scalar readings of YAML
// 1.1 and 1.2, matched by hand.
//
// What other YAML readers make of a plain (unquoted) scalar.
//
// envlock reads every scalar as text, but the same file is read by people's tools: PyYAML
// (YAML 1.1) turns a plain `1.10` into the number 1.1, `yes` into true, `012` into 10 and
// `2024-01-01` into a date; YAML 1.2 readers turn `0o7` into 7 and `1e3` into 1000. The strict
// accessors reject such scalars where a string is expected, and the reader uses the same
// readings to find keys that some reader would take for the same key (`1` and `"1"`, `~` and
// `null`, `0x10` and `16`).
//
// The YAML 1.1 patterns are PyYAML's resolvers (the reader YAML 1.1 users meet in practice),
// plus the spec's single-letter booleans `y`/`n`; the YAML 1.2 patterns are the core schema's.
// Matching is done by hand over bytes: regular expressions would dominate the cost of reading.

/// One non-string reading of a plain scalar by some YAML reader.
struct PlainScalarReading: Equatable {
    /// What the scalar becomes.
    enum Meaning: Equatable {
        case null
        case bool(Bool)
        /// A whole number, as canonical decimal text (or the cleaned digits when it exceeds 64 bits).
        case integer(String)
        /// A floating-point number, as Swift prints it (`1.1`, `1000.0`, `inf`, `nan`).
        case float(String)
        case timestamp
        /// YAML 1.1's `<<` merge key.
        case merge
        /// YAML 1.1's `=` value key, which PyYAML refuses to construct.
        case value
    }

    var meaning: Meaning
    /// The YAML version whose readers resolve it this way: "1.1" or "1.2".
    var yamlVersion: String

    /// How the reading is described to a user: "the number 1.1", "the boolean true", "null".
    var phrase: String {
        switch meaning {
        case .null: "null"
        case .bool(let value): "the boolean \(value)"
        case .integer(let text), .float(let text): "the number \(text)"
        case .timestamp: "a date"
        case .merge: "a merge key"
        case .value: "a value key"
        }
    }

    /// Values that compare equal in the reader's dictionaries share an identity: Python's
    /// `1 == 1.0 == True`, so PyYAML merges the keys `1`, `1.0` and `yes`.
    var keyIdentities: [String] {
        switch meaning {
        case .null:
            return ["null"]
        case .bool(let value):
            return ["bool:\(value)", value ? "number:1" : "number:0"]
        case .integer(let text):
            return ["number:\(text)"]
        case .float(let text):
            // `1.0` and `1` are one key to Python; so are `-0.0` and `0`.
            guard text.hasSuffix(".0") else { return ["number:\(text)"] }
            let whole = String(text.dropLast(2))
            return ["number:\(whole == "-0" ? "0" : whole)"]
        case .timestamp, .merge, .value:
            return []
        }
    }
}

/// Resolution of plain scalars under YAML 1.1 and YAML 1.2 rules.
enum PlainScalarResolution {
    /// Every non-string reading of `text` written as a plain scalar, YAML 1.1 readings first;
    /// empty when every reader takes it for a string.
    static func readings(of text: String) -> [PlainScalarReading] {
        let utf8 = Array(text.utf8)
        return utf8.withUnsafeBufferPointer { readings(of: $0) }
    }

    static func readings(of bytes: UnsafeBufferPointer<UInt8>) -> [PlainScalarReading] {
        // Every non-string form starts with one of these bytes; most keys and values do not.
        if let first = bytes.first, !mayStartNonString(first) { return [] }
        var found: [PlainScalarReading] = []
        func add(_ meaning: PlainScalarReading.Meaning, _ version: String) {
            if !found.contains(where: { $0.meaning == meaning }) {
                found.append(PlainScalarReading(meaning: meaning, yamlVersion: version))
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if nullForms.contains(text) { add(.null, "1.1") }
        if let value = yaml11Bools[text] { add(.bool(value), "1.1") }
        if let value = yaml12Bools[text] { add(.bool(value), "1.2") }
        if let value = yaml11Integer(bytes) { add(.integer(value), "1.1") }
        if let value = yaml11Float(bytes) { add(.float(value), "1.1") }
        if isYAML11Timestamp(bytes) { add(.timestamp, "1.1") }
        if text == "<<" { add(.merge, "1.1") }
        if text == "=" { add(.value, "1.1") }
        if let value = yaml12Integer(bytes) { add(.integer(value), "1.2") }
        else if let value = yaml12Float(bytes) { add(.float(value), "1.2") }
        // YAML 1.1 readings were added first: they are what PyYAML users see, and what a
        // message names.
        return found
    }

    private static func mayStartNonString(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "<"), UInt8(ascii: "="),
            UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "y"), UInt8(ascii: "Y"),
            UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
            UInt8(ascii: "o"), UInt8(ascii: "O"):
            true
        default:
            false
        }
    }

    static let nullForms: Set<String> = ["", "~", "null", "Null", "NULL"]

    static let yaml12Bools: [String: Bool] = [
        "true": true, "True": true, "TRUE": true,
        "false": false, "False": false, "FALSE": false,
    ]

    static let yaml11Bools: [String: Bool] = [
        "y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
        "true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true,
        "n": false, "N": false, "no": false, "No": false, "NO": false,
        "false": false, "False": false, "FALSE": false, "off": false, "Off": false, "OFF": false,
    ]

    // MARK: Integers

    /// `[-+]?0b[01_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    static func yaml11Integer(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var scanner = ByteScanner(bytes)
        let negative = scanner.sign()
        let body = scanner.rest
        guard let first = body.first else { return nil }
        if first == UInt8(ascii: "0") {
            if body.count == 1 { return "0" }
            let second = body[1]
            let digits = UnsafeBufferPointer(rebasing: body[2...])
            if second == UInt8(ascii: "b") {
                return wholeNumber(digits, radix: 2, negative: negative, allowUnderscore: true)
            }
            if second == UInt8(ascii: "x") {
                return wholeNumber(digits, radix: 16, negative: negative, allowUnderscore: true)
            }
            return wholeNumber(body, radix: 8, negative: negative, allowUnderscore: true)
        }
        guard isDigit(first) else { return nil }
        if let colon = body.firstIndex(of: UInt8(ascii: ":")) {
            return sexagesimal(body, firstColon: colon, negative: negative, fraction: false)
        }
        return wholeNumber(body, radix: 10, negative: negative, allowUnderscore: true)
    }

    /// `[-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+`
    static func yaml12Integer(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            let digits = UnsafeBufferPointer(rebasing: bytes[2...])
            if bytes[1] == UInt8(ascii: "o") { return wholeNumber(digits, radix: 8, negative: false, allowUnderscore: false) }
            if bytes[1] == UInt8(ascii: "x") { return wholeNumber(digits, radix: 16, negative: false, allowUnderscore: false) }
        }
        var scanner = ByteScanner(bytes)
        let negative = scanner.sign()
        return wholeNumber(scanner.rest, radix: 10, negative: negative, allowUnderscore: false)
    }

    /// The canonical decimal text of `digits` in `radix`, or nil when a byte is not a digit
    /// (or there is no digit at all).
    private static func wholeNumber(
        _ digits: UnsafeBufferPointer<UInt8>, radix: UInt64, negative: Bool, allowUnderscore: Bool
    ) -> String? {
        var magnitude: UInt64 = 0
        var overflow = false
        // PyYAML's patterns match underscores alone (`0x_`), and then fail to construct the
        // number; either way the scalar is not read as a string.
        var sawDigit = false
        for byte in digits {
            if byte == UInt8(ascii: "_") && allowUnderscore {
                sawDigit = true
                continue
            }
            guard let digit = digitValue(byte), digit < radix else { return nil }
            sawDigit = true
            let (shifted, o1) = magnitude.multipliedReportingOverflow(by: radix)
            let (added, o2) = shifted.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            magnitude = added
        }
        guard sawDigit else { return nil }
        if overflow {
            // Too large to compute here; two such keys are the same number only if they are
            // written alike, which the text identity already catches.
            let cleaned = String(decoding: digits.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
            return "\(negative ? "-" : "")\(radix == 10 ? "" : "base\(radix):")\(cleaned)"
        }
        return negative && magnitude != 0 ? "-\(magnitude)" : "\(magnitude)"
    }

    /// YAML 1.1's base-60 numbers: `1:30` is 90, `1:30.5` is 90.5.
    private static func sexagesimal(
        _ body: UnsafeBufferPointer<UInt8>, firstColon: Int, negative: Bool, fraction: Bool
    ) -> String? {
        // Leading part: [1-9][0-9_]* for integers, [0-9][0-9_]* for floats.
        let head = UnsafeBufferPointer(rebasing: body[..<firstColon])
        guard let headFirst = head.first, fraction || headFirst != UInt8(ascii: "0"), isDigit(headFirst),
            head.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: "_") })
        else { return nil }
        var total = Double(head.reduce(0) { $1 == UInt8(ascii: "_") ? $0 : $0 * 10 + Double($1 - 48) })
        var index = firstColon
        var groups = 0
        var fractionText: [UInt8] = []
        while index < body.count {
            guard body[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            let start = index
            while index < body.count, isDigit(body[index]) { index += 1 }
            let group = UnsafeBufferPointer(rebasing: body[start..<index])
            // [0-5]?[0-9]
            guard group.count == 1 || (group.count == 2 && group[0] <= UInt8(ascii: "5")) else { return nil }
            total = total * 60 + Double(group.reduce(0) { $0 * 10 + Int($1 - 48) })
            groups += 1
            if index < body.count, body[index] == UInt8(ascii: ".") {
                guard fraction else { return nil }
                fractionText = Array(body[(index + 1)...])
                guard fractionText.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: "_") }) else { return nil }
                index = body.count
            }
        }
        guard groups > 0 else { return nil }
        if fraction {
            let digits = fractionText.filter { $0 != UInt8(ascii: "_") }
            let fractional = Double("0." + String(decoding: digits, as: UTF8.self) + (digits.isEmpty ? "0" : "")) ?? 0
            return floatText(negative ? -(total + fractional) : total + fractional)
        }
        guard total < 9.0e15 else { return nil }
        let whole = Int64(total)
        return negative && whole != 0 ? "-\(whole)" : "\(whole)"
    }

    // MARK: Floats

    /// PyYAML's float resolver:
    /// `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9][0-9_]*([eE][-+][0-9]+)? |
    ///  [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func yaml11Float(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if let special = specialFloat(bytes) { return special }
        var scanner = ByteScanner(bytes)
        let signed = scanner.peekSign()
        let negative = scanner.sign()
        let body = scanner.rest
        guard let first = body.first else { return nil }
        if first == UInt8(ascii: ".") {
            // `\.[0-9][0-9_]*(exp)?` takes no sign.
            guard !signed, body.count > 1, isDigit(body[1]) else { return nil }
            var index = 2
            while index < body.count, isDigit(body[index]) || body[index] == UInt8(ascii: "_") { index += 1 }
            guard yaml11Exponent(body, from: index) else { return nil }
            return parsedFloat(body, negative: negative)
        }
        guard isDigit(first) else { return nil }
        var index = 1
        while index < body.count, isDigit(body[index]) || body[index] == UInt8(ascii: "_") { index += 1 }
        if index < body.count, body[index] == UInt8(ascii: ":") {
            return sexagesimal(body, firstColon: index, negative: negative, fraction: true)
                .flatMap { body.contains(UInt8(ascii: ".")) ? $0 : nil }
        }
        guard index < body.count, body[index] == UInt8(ascii: ".") else { return nil }
        index += 1
        while index < body.count, isDigit(body[index]) || body[index] == UInt8(ascii: "_") { index += 1 }
        guard yaml11Exponent(body, from: index) else { return nil }
        return parsedFloat(body, negative: negative)
    }

    /// `([eE][-+][0-9]+)?` running to the end.
    private static func yaml11Exponent(_ body: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        if start == body.count { return true }
        guard body[start] | 0x20 == UInt8(ascii: "e"), start + 2 < body.count,
            body[start + 1] == UInt8(ascii: "+") || body[start + 1] == UInt8(ascii: "-")
        else { return false }
        return body[(start + 2)...].allSatisfy(isDigit)
    }

    /// YAML 1.2 core: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?\.(inf|Inf|INF)`, `\.(nan|NaN|NAN)`.
    static func yaml12Float(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if let special = specialFloat(bytes) { return special }
        var scanner = ByteScanner(bytes)
        let negative = scanner.sign()
        let body = scanner.rest
        var index = 0
        var mantissaDigits = 0
        while index < body.count, isDigit(body[index]) { index += 1; mantissaDigits += 1 }
        if index < body.count, body[index] == UInt8(ascii: ".") {
            index += 1
            var fractionDigits = 0
            while index < body.count, isDigit(body[index]) { index += 1; fractionDigits += 1 }
            // `.` needs digits after it when none come before (`\.[0-9]+`).
            if mantissaDigits == 0 && fractionDigits == 0 { return nil }
            mantissaDigits += fractionDigits
        }
        guard mantissaDigits > 0 else { return nil }
        if index < body.count {
            guard body[index] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 1
            if index < body.count, body[index] == UInt8(ascii: "+") || body[index] == UInt8(ascii: "-") { index += 1 }
            guard index < body.count, body[index...].allSatisfy(isDigit) else { return nil }
        }
        return parsedFloat(body, negative: negative)
    }

    private static func specialFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return "inf"
        case "-.inf", "-.Inf", "-.INF": return "-inf"
        case ".nan", ".NaN", ".NAN": return "nan"
        default: return nil
        }
    }

    private static func parsedFloat(_ body: UnsafeBufferPointer<UInt8>, negative: Bool) -> String? {
        var cleaned = body.filter { $0 != UInt8(ascii: "_") }
        // Swift's parser wants a digit before an exponent (`1.e3`): YAML allows `1.e+3`.
        if let exponent = cleaned.firstIndex(where: { $0 | 0x20 == UInt8(ascii: "e") }),
            exponent > 0, cleaned[exponent - 1] == UInt8(ascii: ".")
        {
            cleaned.insert(UInt8(ascii: "0"), at: exponent)
        }
        if cleaned.last == UInt8(ascii: ".") { cleaned.append(UInt8(ascii: "0")) }
        guard let value = Double(String(decoding: cleaned, as: UTF8.self)) else { return nil }
        return floatText(negative ? -value : value)
    }

    /// Python's equality makes `1.0` and `1` the same key, so integral floats print as integers.
    private static func floatText(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 9.0e15 {
            let whole = Int64(value)
            return "\(whole).0"
        }
        return "\(value)"
    }

    // MARK: Timestamps

    /// `[0-9]{4}-[0-9]{2}-[0-9]{2}` or
    /// `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?`
    static func isYAML11Timestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var scanner = ByteScanner(bytes)
        guard scanner.digits(4...4), scanner.take(UInt8(ascii: "-")),
            let monthDigits = scanner.countDigits(1...2), scanner.take(UInt8(ascii: "-")),
            let dayDigits = scanner.countDigits(1...2)
        else { return false }
        if scanner.atEnd { return monthDigits == 2 && dayDigits == 2 }
        if !scanner.take(UInt8(ascii: "T")) && !scanner.take(UInt8(ascii: "t")) {
            guard scanner.skipBlanks() > 0 else { return false }
        }
        guard scanner.digits(1...2), scanner.take(UInt8(ascii: ":")), scanner.digits(2...2),
            scanner.take(UInt8(ascii: ":")), scanner.digits(2...2)
        else { return false }
        if scanner.take(UInt8(ascii: ".")) { _ = scanner.countDigits(0...Int.max) }
        if scanner.atEnd { return true }
        _ = scanner.skipBlanks()
        if scanner.take(UInt8(ascii: "Z")) { return scanner.atEnd }
        guard scanner.take(UInt8(ascii: "+")) || scanner.take(UInt8(ascii: "-")), scanner.digits(1...2) else { return false }
        if scanner.take(UInt8(ascii: ":")) { guard scanner.digits(2...2) else { return false } }
        return scanner.atEnd
    }

    // MARK: Bytes

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func digitValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// A cursor over the bytes of one scalar.
    private struct ByteScanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        var rest: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[index...]) }

        func peekSign() -> Bool {
            index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"))
        }

        /// Consumes an optional sign; true when it was `-`.
        mutating func sign() -> Bool {
            guard peekSign() else { return false }
            index += 1
            return bytes[index - 1] == UInt8(ascii: "-")
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func countDigits(_ allowed: ClosedRange<Int>) -> Int? {
            var count = 0
            while index < bytes.count, count < allowed.upperBound, isDigit(bytes[index]) {
                index += 1
                count += 1
            }
            return allowed.contains(count) ? count : nil
        }

        mutating func digits(_ allowed: ClosedRange<Int>) -> Bool { countDigits(allowed) != nil }

        mutating func skipBlanks() -> Int {
            let start = index
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
            return index - start
        }
    }
}

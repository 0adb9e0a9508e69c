/// `repr()` and `str()` of Python values as CPython 3.10-3.13 print them.
///
/// envlock turns configuration values into fact text, and a fact must read as the app's own
/// log or UI shows the value (`str(4.0)` is `4.0`, `str(1e16)` is `1e+16`, `str(True)` is
/// `True`). Where CPython's text depends on something envlock cannot pin down, the answer is
/// nil rather than a guess:
/// - a character outside Latin-1 that is not a surrogate: whether `repr` escapes it depends
///   on `str.isprintable`, whose table follows each version's Unicode database;
/// - an int of more than 4,300 digits: 3.10.7+ raise ValueError, 3.10.0-3.10.6 print it;
/// - a set of two or more elements: printed in hash order;
/// - nesting deeper than `PythonJSON.safeNestingDepth`: `repr` hits the recursion limit at
///   a depth that depends on the version and the caller's stack.
package enum PythonRepr {
    /// `repr(value)`, or nil where it depends on the version or the Unicode database.
    package static func repr(_ value: PythonValue) -> String? {
        var text = ""
        return append(value, to: &text, depth: 0) ? text : nil
    }

    /// `str(value)`: the text itself for a `str` (nil when it holds a lone surrogate, which
    /// no Swift string carries), `repr(value)` for everything else.
    package static func str(_ value: PythonValue) -> String? {
        if case .string(let text) = value { return text.swiftString }
        return repr(value)
    }

    /// `repr(x)` (and `str(x)`) for a float: the shortest digits that read back as `x`,
    /// positional for decimal exponents -4...15 with at least one digit after the point,
    /// else `1e+16` / `1e-05` style; `inf`, `-inf`, `nan`.
    package static func float(_ value: Double) -> String {
        format(value, addDotZero: true, alwaysSign: false)
    }

    /// `repr(complex(real, imaginary))`: `2j` when the real part is +0.0, else `(1+2j)`;
    /// the parts without `.0` (`(1.5-0j)`, `(-0-1j)`, `(nan+infj)`).
    package static func complex(real: Double, imaginary: Double) -> String {
        if real == 0, real.sign == .plus {
            return format(imaginary, addDotZero: false, alwaysSign: false) + "j"
        }
        return "(" + format(real, addDotZero: false, alwaysSign: false) + format(imaginary, addDotZero: false, alwaysSign: true) + "j)"
    }

    /// `repr(s)` for a str, or nil when it holds a character whose printability depends on
    /// the Unicode version (see the type's comment).
    package static func string(_ text: PythonString) -> String? {
        string(text.codePoints, approximating: false)
    }

    /// `repr(s)` for a message a person reads (argparse's errors): as `string(_:)`, and where
    /// that declines a character, whether it is escaped is taken from this Swift's Unicode
    /// tables, the nearest to the job's. Never for a fact or a comparison.
    package static func messageString(_ points: [UInt32]) -> String {
        string(points, approximating: true)!
    }

    /// `repr(value)` for a message: exact where `repr` is, else approximated as `messageString`.
    package static func messageValue(_ value: PythonValue) -> String {
        switch value {
        case .string(let text): messageString(text.codePoints)
        case .list(let items): "[" + items.map(messageValue).joined(separator: ", ") + "]"
        default: repr(value) ?? "\(value)"
        }
    }

    private static func string(_ points: [UInt32], approximating: Bool) -> String? {
        let quote: UInt32 = points.contains(0x27) && !points.contains(0x22) ? 0x22 : 0x27
        var result = String.UnicodeScalarView()
        result.append(Unicode.Scalar(UInt8(quote)))
        for point in points {
            switch point {
            case quote, 0x5C: result.append("\\"); result.append(Unicode.Scalar(UInt8(point)))
            case 0x09: result.append(contentsOf: "\\t".unicodeScalars)
            case 0x0A: result.append(contentsOf: "\\n".unicodeScalars)
            case 0x0D: result.append(contentsOf: "\\r".unicodeScalars)
            // Not printable in any Unicode version: C0, DEL, C1, NBSP, soft hyphen.
            case 0x00..<0x20, 0x7F...0xA0, 0xAD: result.append(contentsOf: ("\\x" + hex(point, width: 2)).unicodeScalars)
            case 0x20..<0x7F, 0xA1...0xFF: result.append(Unicode.Scalar(UInt8(point)))
            case 0xD800...0xDFFF: result.append(contentsOf: ("\\u" + hex(point, width: 4)).unicodeScalars)
            default:
                guard approximating, let scalar = Unicode.Scalar(point) else { return nil }
                if isPrintable(scalar) {
                    result.append(scalar)
                } else {
                    result.append(contentsOf: (point < 0x10000 ? "\\u" + hex(point, width: 4) : "\\U" + hex(point, width: 8)).unicodeScalars)
                }
            }
        }
        result.append(Unicode.Scalar(UInt8(quote)))
        return String(result)
    }

    /// `str.isprintable` for one character past Latin-1 by this Swift's Unicode tables: not
    /// Other or Separator (which Python escapes).
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator: false
        default: true
        }
    }

    /// `repr(b)` for bytes: printable ASCII as is, `\t` `\n` `\r`, the rest `\xNN`.
    package static func bytes(_ data: [UInt8]) -> String {
        let quote: UInt8 = data.contains(0x27) && !data.contains(0x22) ? 0x22 : 0x27
        var result = "b" + String(Unicode.Scalar(quote))
        for byte in data {
            switch byte {
            case quote, 0x5C: result += "\\" + String(Unicode.Scalar(byte))
            case 0x09: result += "\\t"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x20..<0x7F: result.unicodeScalars.append(Unicode.Scalar(byte))
            default: result += "\\x" + hex(UInt32(byte), width: 2)
            }
        }
        return result + String(Unicode.Scalar(quote))
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Appends `repr(value)`; false where it is not determined.
    private static func append(_ value: PythonValue, to text: inout String, depth: Int) -> Bool {
        switch value {
        case .none: text += "None"
        case .ellipsis: text += "Ellipsis"
        case .bool(let flag): text += flag ? "True" : "False"
        case .int(let number):
            guard number.digits.count <= PythonJSON.defaultIntDigitLimit else { return false }
            text += number.description
        case .float(let number): text += float(number)
        case .complex(let real, let imaginary): text += complex(real: real, imaginary: imaginary)
        case .string(let string):
            guard let quoted = Self.string(string) else { return false }
            text += quoted
        case .bytes(let data): text += bytes(data)
        case .list(let items):
            return appendItems(items, open: "[", close: "]", to: &text, depth: depth)
        case .tuple(let items):
            if items.count == 1 {
                text += "("
                guard depth < PythonJSON.safeNestingDepth, append(items[0], to: &text, depth: depth + 1) else { return false }
                text += ",)"
                return true
            }
            return appendItems(items, open: "(", close: ")", to: &text, depth: depth)
        case .set(let items):
            if items.isEmpty {
                text += "set()"
                return true
            }
            guard items.count == 1 else { return false }
            return appendItems(items, open: "{", close: "}", to: &text, depth: depth)
        case .dict(let entries):
            guard depth < PythonJSON.safeNestingDepth else { return false }
            text += "{"
            for (offset, entry) in entries.enumerated() {
                if offset > 0 { text += ", " }
                guard append(entry.key, to: &text, depth: depth + 1) else { return false }
                text += ": "
                guard append(entry.value, to: &text, depth: depth + 1) else { return false }
            }
            text += "}"
        }
        return true
    }

    private static func appendItems(_ items: [PythonValue], open: String, close: String, to text: inout String, depth: Int) -> Bool {
        guard depth < PythonJSON.safeNestingDepth else { return false }
        text += open
        for (offset, item) in items.enumerated() {
            if offset > 0 { text += ", " }
            guard append(item, to: &text, depth: depth + 1) else { return false }
        }
        text += close
        return true
    }

    /// CPython's `PyOS_double_to_string(value, 'r', 0, flags)` (`format_float_short`).
    ///
    /// The shortest round-trip digits come from Swift's own `description`, which produces the
    /// shortest digit string that reads back exactly and, among those, the one closest to the
    /// value, as David Gay's mode 0 does for CPython; only the layout is CPython's.
    private static func format(_ value: Double, addDotZero: Bool, alwaysSign: Bool) -> String {
        if value.isNaN { return alwaysSign ? "+nan" : "nan" }
        let sign = value.sign == .minus ? "-" : alwaysSign ? "+" : ""
        if value.isInfinite { return sign + "inf" }
        var (digits, point) = decimalDigits(of: value.magnitude)
        if digits.isEmpty {
            digits = [0x30]
            point = 1
        }
        var body: String
        // `point`: the value is 0.DIGITS x 10^point (Gay's `decpt`).
        if point <= -4 || point > 16 {
            let exponent = point - 1
            body = String(decoding: digits[0..<1], as: UTF8.self)
            if digits.count > 1 { body += "." + String(decoding: digits[1...], as: UTF8.self) }
            let magnitude = String(abs(exponent))
            body += "e" + (exponent < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
        } else if point <= 0 {
            body = "0." + String(repeating: "0", count: -point) + String(decoding: digits, as: UTF8.self)
        } else if point >= digits.count {
            body = String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: point - digits.count)
            if addDotZero { body += ".0" }
        } else {
            body = String(decoding: digits[0..<point], as: UTF8.self) + "." + String(decoding: digits[point...], as: UTF8.self)
        }
        return sign + body
    }

    /// The shortest round-trip significant digits of a finite non-negative `value` (no
    /// leading or trailing zeros; empty for zero) and its decimal point position.
    private static func decimalDigits(of value: Double) -> (digits: [UInt8], point: Int) {
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == 0x65 || $0 == 0x45 }) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self).filter { $0 != "+" }) ?? 0
        }
        var digits: [UInt8] = []
        var point = 0
        var seenPoint = false
        for byte in mantissa {
            if byte == 0x2E {
                seenPoint = true
                continue
            }
            digits.append(byte)
            if !seenPoint { point += 1 }
        }
        point += exponent
        while let first = digits.first, first == 0x30 {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == 0x30 { digits.removeLast() }
        return (digits, point)
    }
}

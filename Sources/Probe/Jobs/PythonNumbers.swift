import EnvLock

/// CPython's `int(str)` and `float(str)` (Objects/longobject.c `PyLong_FromUnicodeObject`,
/// Objects/floatobject.c `PyFloat_FromString`), which argparse's `type=int` and `type=float` call.
///
/// Both first run `_PyUnicode_TransformDecimalAndSpaceToASCII`: a Unicode space becomes ' ', a
/// Unicode decimal digit its ASCII digit, anything else past ASCII makes the string invalid.
/// Then: ASCII spaces around, a sign, digits with single `_` between digits. `int` refuses more
/// than 4300 digits (`sys.int_max_str_digits`' default since 3.10.7; `-X int_max_str_digits` or
/// PYTHONINTMAXSTRDIGITS change it, which the caller must rule out).
enum PythonNumbers {
    /// `int(s)`, or nil where CPython raises ValueError.
    static func int(_ string: CodePoints) throws(ArgparseStop) -> PythonInt? {
        guard var ascii = try PythonUnicode.transformDecimalAndSpace(string) else { return nil }
        trimSpaces(&ascii)
        var negative = false
        if let sign = ascii.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            ascii.removeFirst()
        }
        guard let digits = digitsWithUnderscores(ascii), !digits.isEmpty, digits.count <= 4300 else { return nil }
        let value = PythonInt(decimal: String(decoding: digits, as: UTF8.self))
        return negative ? value?.negated : value
    }

    /// `float(s)`, or nil where CPython raises ValueError (a too large value is infinity).
    static func float(_ string: CodePoints) throws(ArgparseStop) -> Double? {
        guard var ascii = try PythonUnicode.transformDecimalAndSpace(string) else { return nil }
        if ascii.contains(UInt8(ascii: "_")) {
            // _Py_string_to_number_with_underscores: each '_' between two digits.
            for (index, byte) in ascii.enumerated() where byte == UInt8(ascii: "_") {
                guard index > 0, index + 1 < ascii.count, isDigit(ascii[index - 1]), isDigit(ascii[index + 1]) else { return nil }
            }
            ascii.removeAll { $0 == UInt8(ascii: "_") }
        }
        trimSpaces(&ascii)
        var negative = false
        var body = ascii[...]
        if let sign = body.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        let lower = String(decoding: body.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        if lower == "inf" || lower == "infinity" { return negative ? -.infinity : .infinity }
        if lower == "nan" { return negative ? -Double.nan : .nan }
        // digits [. digits] [e [sign] digits], at least one mantissa digit.
        var index = body.startIndex
        var mantissaDigits = 0
        while index < body.endIndex, isDigit(body[index]) { index += 1; mantissaDigits += 1 }
        if index < body.endIndex, body[index] == UInt8(ascii: ".") {
            index += 1
            while index < body.endIndex, isDigit(body[index]) { index += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else { return nil }
        if index < body.endIndex, body[index] == UInt8(ascii: "e") || body[index] == UInt8(ascii: "E") {
            index += 1
            if index < body.endIndex, body[index] == UInt8(ascii: "+") || body[index] == UInt8(ascii: "-") { index += 1 }
            var exponentDigits = 0
            while index < body.endIndex, isDigit(body[index]) { index += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard index == body.endIndex else { return nil }
        guard let magnitude = Double(String(decoding: body, as: UTF8.self)) else { return nil }
        return negative ? -magnitude : magnitude
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Py_ISSPACE: space, \t, \n, \v, \f, \r.
    static func trimSpaces(_ bytes: inout [UInt8]) {
        func space(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        while let last = bytes.last, space(last) { bytes.removeLast() }
        while let first = bytes.first, space(first) { bytes.removeFirst() }
    }

    /// The digits of `1_000` (`_` only between digits), or nil.
    static func digitsWithUnderscores(_ bytes: [UInt8]) -> [UInt8]? {
        var digits: [UInt8] = []
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                guard isDigit(previous) else { return nil }
            } else {
                guard isDigit(byte) else { return nil }
                digits.append(byte)
            }
            previous = byte
        }
        guard previous != UInt8(ascii: "_") else { return nil }
        return digits
    }
}

/// The Unicode facts CPython's `re` (`\d`), `int` and `float` use, from the Unicode database
/// of Python 3.10 (Unicode 13.0); a character newer than that, on which 3.11-3.13 (14.0-15.1) or
/// Swift's own database may disagree, makes the answer undetermined.
enum PythonUnicode {
    /// Py_UNICODE_ISSPACE for characters past ASCII (Objects/unicodetype_db.h).
    static func isSpace(_ point: UInt32) -> Bool {
        switch point {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Whether the character is settled in every modelled Python's database.
    static func isStable(_ point: UInt32) -> Bool {
        guard point >= 0x80 else { return true }
        guard let scalar = Unicode.Scalar(point), let age = scalar.properties.age else { return false }
        return age.major < 13 || (age.major == 13 && age.minor == 0)
    }

    /// The digit value of a Unicode decimal (`str.isdecimal`), nil for none; throws when the
    /// character is too new to know.
    static func decimal(_ point: UInt32) throws(ArgparseStop) -> UInt8? {
        if point < 0x80 { return point >= 0x30 && point <= 0x39 ? UInt8(point - 0x30) : nil }
        guard isStable(point) else { throw .undetermined("U+\(String(point, radix: 16, uppercase: true)) is newer than Unicode 13.0: Pythons 3.10-3.13 may read it differently") }
        guard let scalar = Unicode.Scalar(point), scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue else { return nil }
        return UInt8(value)
    }

    /// `_PyUnicode_TransformDecimalAndSpaceToASCII`; nil where a character makes it invalid.
    static func transformDecimalAndSpace(_ string: CodePoints) throws(ArgparseStop) -> [UInt8]? {
        var out: [UInt8] = []
        for point in string {
            if point < 127 {
                out.append(UInt8(point))
            } else if isSpace(point) {
                out.append(0x20)
            } else if let digit = try decimal(point) {
                out.append(0x30 + digit)
            } else {
                return nil
            }
        }
        return out
    }

    /// argparse's `_negative_number_matcher`, `^-\d+$|^-\d*\.\d+$` (`$` also before a final
    /// newline; `\d` any Unicode decimal).
    static func looksLikeNegativeNumber(_ string: CodePoints) throws(ArgparseStop) -> Bool {
        func matches(_ text: ArraySlice<UInt32>) throws(ArgparseStop) -> Bool {
            guard text.first == 0x2D else { return false }
            let rest = text.dropFirst()
            // A plain ASCII character other than a digit or '.' settles it before any newer one.
            if rest.contains(where: { $0 < 0x80 && !($0 >= 0x30 && $0 <= 0x39) && $0 != 0x2E }) { return false }
            var digits: [Bool] = []
            for point in rest {
                if point == 0x2E { digits.append(false); continue }
                digits.append(try decimal(point) != nil)
            }
            let points = Array(rest)
            if !points.isEmpty, digits.allSatisfy({ $0 }) { return true }
            guard let dot = points.firstIndex(of: 0x2E) else { return false }
            let before = digits[..<dot]
            let after = digits[(dot + 1)...]
            return before.allSatisfy { $0 } && !after.isEmpty && after.allSatisfy { $0 }
        }
        if try matches(string[...]) { return true }
        if string.last == 0x0A { return try matches(string.dropLast()) }
        return false
    }
}

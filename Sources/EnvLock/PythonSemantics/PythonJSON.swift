/// Python's `json.load(open(path, "r", encoding="utf-8"))`, read from the file's bytes.
///
/// Fooocus reads `config.txt`, `presets/*.json` and its style files this way, and ignores a
/// file that raises. A gate that reads a file more leniently or more strictly than the app
/// would vouch for settings the app never applies (or the reverse), so this follows CPython
/// 3.10-3.13's C scanner (`Modules/_json.c`) and `json/decoder.py` step by step:
///
/// - the bytes are decoded with the strict `utf-8` codec first, so any invalid byte anywhere
///   (overlongs, encoded surrogates `ED A0..BF`, code points past U+10FFFF, truncated
///   sequences) raises before JSON is looked at;
/// - a leading U+FEFF raises ("Unexpected UTF-8 BOM"): `encoding="utf-8"` does not strip it;
/// - whitespace is only space, tab, LF and CR (not form feed, vertical tab or NBSP);
/// - numbers follow the scanner's own grammar: `02` is the int `0` and then extra data,
///   `1.` and `1e` stop before the `.`/`e`, `+1`, `.5` and `-` are not values at all;
///   `NaN`, `Infinity` and `-Infinity` are floats;
/// - strings refuse raw characters below U+0020 (strict mode), keep lone surrogates from
///   `\uXXXX` and join a high and a low surrogate escape into one code point;
/// - an object keeps each key at its first position with its last value (a `dict`).
///
/// Text mode's newline translation (`\r\n` and `\r` read as `\n`) cannot change an outcome:
/// outside strings CR and LF are both whitespace, inside strings both are control characters
/// that raise, and after a backslash both are invalid escapes. The differential test checks
/// this with CR/LF cases, so the bytes are read untranslated.
///
/// There is no size limit: Python reads a file of any size, and the caller decides how
/// much it is willing to read.
package enum PythonJSON {
    /// What `json.load` does with a file.
    package typealias Outcome = PythonOutcome

    /// The deepest nesting of arrays and objects that every CPython 3.10-3.13 reads whatever
    /// the caller's own stack depth.
    ///
    /// The scanner counts each `[` and `{` against a recursion limit: in 3.10 and 3.11 the
    /// interpreter's (1000 by default, shared with the Python frames already on the stack
    /// when `json.load` is called, and changeable with `sys.setrecursionlimit`); in 3.12 and
    /// 3.13 a separate C recursion limit whose value differs between releases. 200 leaves
    /// 800 frames for the app's own call stack under the smallest of these, and real
    /// configuration files nest fewer than ten levels.
    package static let safeNestingDepth = 200

    /// The most digits an int may have under CPython's default `int_max_str_digits`.
    ///
    /// CPython 3.10.7+, 3.11+ raise ValueError on longer int literals; 3.10.0-3.10.6 do not,
    /// and `PYTHONINTMAXSTRDIGITS` or `-X int_max_str_digits` move the limit, so a document
    /// that is valid apart from such an int is `.undetermined`.
    package static let defaultIntDigitLimit = 4300

    /// What `json.load(open(path, "r", encoding="utf-8"))` makes of a file holding `bytes`.
    package static func read(_ bytes: some Collection<UInt8>) -> Outcome {
        let result = bytes.withContiguousStorageIfAvailable { read(buffer: $0) }
        return result ?? Array(bytes).withUnsafeBufferPointer { read(buffer: $0) }
    }

    /// `read(_:)` over contiguous bytes.
    package static func read(buffer: UnsafeBufferPointer<UInt8>) -> Outcome {
        if let offset = StrictUTF8.firstInvalidOffset(buffer) {
            return .error("UnicodeDecodeError: invalid utf-8 at byte \(offset)")
        }
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
            return .error("Unexpected UTF-8 BOM (decode using utf-8-sig)")
        }
        var scanner = PythonJSONScanner(bytes: buffer)
        do {
            let value = try scanner.document()
            if let reason = scanner.versionDependence { return .undetermined(reason) }
            return .value(value)
        } catch {
            return .error(error.description)
        }
    }
}

/// Where the scanner stopped and why (JSONDecodeError's message and byte offset).
struct PythonJSONError: Error, CustomStringConvertible {
    var message: String
    var offset: Int

    var description: String { "\(message) at byte \(offset)" }
}

/// The strict `utf-8` codec's acceptance test (RFC 3629 well-formed UTF-8).
enum StrictUTF8 {
    /// The offset of the first byte Python's strict decoder rejects, or nil when all decode.
    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // Allowed range of the second byte and number of continuation bytes, per lead byte
            // (Unicode's table 3-7): this is what rules out overlongs, surrogates and > U+10FFFF.
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return index
            }
            guard index + 1 < count, bytes[index + 1] >= low, bytes[index + 1] <= high else { return index }
            for next in 2..<length {
                guard index + next < count, bytes[index + next] & 0xC0 == 0x80 else { return index }
            }
            index += length
        }
        return nil
    }
}

/// The scanner itself: one pass over well-formed UTF-8, with an explicit stack instead of
/// recursion so that a hostile file nested a million levels deep cannot overflow envlock's
/// own stack.
struct PythonJSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Set when the document met a condition whose outcome depends on the CPython version or
    /// settings (see `PythonJSON.safeNestingDepth`, `defaultIntDigitLimit`). A later syntax
    /// error still makes the outcome an error: every version raises then, whether at the
    /// syntax error or earlier at the condition.
    var versionDependence: String?

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// One open array or object within the safe depth, and what it has gathered so far.
    private enum Frame {
        case list([PythonValue])
        /// An object: its entries, an index of their keys once it grows past a few (style
        /// files hold objects of a handful of keys, a hostile one may hold thousands), and
        /// the key whose value is being read.
        case dict([PythonDictEntry], [PythonString: Int]?, pendingKey: PythonString)
    }

    private static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func skipWhitespace() {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
    }

    private func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private func fail(_ message: String, at offset: Int) -> PythonJSONError {
        PythonJSONError(message: message, offset: offset)
    }

    /// `JSONDecoder.decode`: whitespace, one value, whitespace, end.
    mutating func document() throws(PythonJSONError) -> PythonValue {
        skipWhitespace()
        let result = try value()
        skipWhitespace()
        guard position == bytes.count else { throw fail("Extra data", at: position) }
        return result
    }

    private mutating func markTooDeep() {
        if versionDependence == nil {
            versionDependence = "nested deeper than \(PythonJSON.safeNestingDepth) arrays/objects, where CPython's recursion limit depends on the version and the caller's stack"
        }
    }

    /// `scan_once` at `position`, with arrays and objects unrolled onto explicit stacks.
    private mutating func value() throws(PythonJSONError) -> PythonValue {
        var stack: [Frame] = []
        // Containers past the safe depth (true for an array): their syntax is still checked,
        // since every version raises on an error, but nothing is built, since the outcome
        // is then undetermined anyway. One byte a level.
        var skipped: [Bool] = []
        while true {
            var finished: PythonValue
            let open = byte(at: position)
            if open == Self.ascii("[") || open == Self.ascii("{") {
                let isList = open == Self.ascii("[")
                position += 1
                // CPython's Py_EnterRecursiveCall happens here, for empty containers too.
                let tooDeep = stack.count + skipped.count >= PythonJSON.safeNestingDepth
                if tooDeep { markTooDeep() }
                skipWhitespace()
                if byte(at: position) == (isList ? Self.ascii("]") : Self.ascii("}")) {
                    position += 1
                    finished = isList ? .list([]) : .dict([])
                } else {
                    let key: PythonString? = isList ? nil : try objectKey()
                    if tooDeep {
                        skipped.append(isList)
                    } else if let key {
                        stack.append(.dict([], nil, pendingKey: key))
                    } else {
                        stack.append(.list([]))
                    }
                    continue
                }
            } else {
                finished = try scalar()
            }
            // Hand the value to the innermost open container, closing each one that ends here.
            while true {
                if let isList = skipped.last {
                    if try afterItem(closing: isList ? Self.ascii("]") : Self.ascii("}")) {
                        skipped.removeLast()
                        finished = .none
                        continue
                    }
                    if !isList { _ = try objectKey() }
                    break
                }
                guard let top = stack.popLast() else { return finished }
                switch top {
                case .list(var items):
                    items.append(finished)
                    if try afterItem(closing: Self.ascii("]")) {
                        finished = .list(items)
                        continue
                    }
                    stack.append(.list(items))
                case .dict(var entries, var index, let key):
                    Self.insert(key: key, value: finished, into: &entries, index: &index)
                    if try afterItem(closing: Self.ascii("}")) {
                        finished = .dict(entries)
                        continue
                    }
                    let next = try objectKey()
                    stack.append(.dict(entries, index, pendingKey: next))
                }
                break
            }
        }
    }

    /// After an item: whitespace, then either `closing` (true) or a comma and whitespace.
    private mutating func afterItem(closing: UInt8) throws(PythonJSONError) -> Bool {
        skipWhitespace()
        if byte(at: position) == closing {
            position += 1
            return true
        }
        guard byte(at: position) == Self.ascii(",") else { throw fail("Expecting ',' delimiter", at: position) }
        position += 1
        skipWhitespace()
        return false
    }

    /// `"key"`, whitespace, `:`, whitespace: the start of an object entry.
    private mutating func objectKey() throws(PythonJSONError) -> PythonString {
        guard byte(at: position) == Self.ascii("\"") else {
            throw fail("Expecting property name enclosed in double quotes", at: position)
        }
        position += 1
        let key = try string()
        skipWhitespace()
        guard byte(at: position) == Self.ascii(":") else { throw fail("Expecting ':' delimiter", at: position) }
        position += 1
        skipWhitespace()
        return key
    }

    /// `d[key] = value`: a new key goes last, a repeated one keeps its place.
    private static func insert(key: PythonString, value: PythonValue, into entries: inout [PythonDictEntry], index: inout [PythonString: Int]?) {
        if let at = index?[key] {
            entries[at].value = value
            return
        }
        if index == nil, let at = entries.firstIndex(where: { $0.key == .string(key) }) {
            entries[at].value = value
            return
        }
        entries.append(PythonDictEntry(key: .string(key), value: value))
        if index != nil {
            index?[key] = entries.count - 1
        } else if entries.count > 16 {
            // Past a few keys a linear search per key would make a hostile object quadratic.
            var built: [PythonString: Int] = [:]
            for (at, entry) in entries.enumerated() {
                if case .string(let text) = entry.key { built[text] = at }
            }
            index = built
        }
    }

    /// Whether the bytes at `position` spell `word`.
    private func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let start = word.utf8Start
        for offset in 0..<count where bytes[position + offset] != start[offset] { return false }
        return true
    }

    /// A string, a keyword, a named constant or a number (`scan_once`'s non-container cases).
    private mutating func scalar() throws(PythonJSONError) -> PythonValue {
        guard let first = byte(at: position) else { throw fail("Expecting value", at: position) }
        switch first {
        case Self.ascii("\""):
            position += 1
            return .string(try string())
        case Self.ascii("n") where matches("null"):
            position += 4
            return .none
        case Self.ascii("t") where matches("true"):
            position += 4
            return .bool(true)
        case Self.ascii("f") where matches("false"):
            position += 5
            return .bool(false)
        case Self.ascii("N") where matches("NaN"):
            position += 3
            return .float(.nan)
        case Self.ascii("I") where matches("Infinity"):
            position += 8
            return .float(.infinity)
        case Self.ascii("-") where matches("-Infinity"):
            position += 9
            return .float(-.infinity)
        default:
            return try number()
        }
    }

    /// `_match_number_unicode`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, taking the
    /// longest prefix that fits and leaving the rest (`02` is `0`, then `2` is extra data).
    private mutating func number() throws(PythonJSONError) -> PythonValue {
        let start = position
        var index = position
        let isNegative = bytes[index] == Self.ascii("-")
        if isNegative { index += 1 }
        guard let lead = byte(at: index), Self.isDigit(lead) else { throw fail("Expecting value", at: start) }
        index += 1
        if lead != Self.ascii("0") {
            while let next = byte(at: index), Self.isDigit(next) { index += 1 }
        }
        let integerEnd = index
        var isFloat = false
        if byte(at: index) == Self.ascii("."), let next = byte(at: index + 1), Self.isDigit(next) {
            isFloat = true
            index += 2
            while let next = byte(at: index), Self.isDigit(next) { index += 1 }
        }
        if let e = byte(at: index), e == Self.ascii("e") || e == Self.ascii("E") {
            var exponent = index + 1
            if let sign = byte(at: exponent), sign == Self.ascii("-") || sign == Self.ascii("+") { exponent += 1 }
            let digitsStart = exponent
            while let next = byte(at: exponent), Self.isDigit(next) { exponent += 1 }
            // No exponent digits: the scanner backtracks to before the `e`.
            if exponent > digitsStart {
                isFloat = true
                index = exponent
            }
        }
        position = index
        let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if isFloat {
            // float(text): correctly rounded (strtod), overflow to inf, underflow to 0.
            guard let value = Double(String(decoding: text, as: UTF8.self)) else {
                throw fail("Expecting value", at: start)
            }
            return .float(value)
        }
        let digits = Array(bytes[(isNegative ? start + 1 : start)..<integerEnd])
        if digits.count > PythonJSON.defaultIntDigitLimit, versionDependence == nil {
            versionDependence = "an int of \(digits.count) digits: CPython 3.10.7+ raises past \(PythonJSON.defaultIntDigitLimit) digits (PYTHONINTMAXSTRDIGITS moves the limit), 3.10.0-3.10.6 do not"
        }
        return .int(PythonInt(isNegative: isNegative && digits != [Self.ascii("0")], digits: digits))
    }

    /// `scanstring_unicode` in strict mode, from just after the opening quote to just after
    /// the closing one.
    private mutating func string() throws(PythonJSONError) -> PythonString {
        let begin = position - 1
        var points: [UInt32] = []
        while true {
            guard position < bytes.count else { throw fail("Unterminated string starting at", at: begin) }
            let lead = bytes[position]
            if lead == Self.ascii("\"") {
                position += 1
                return PythonString(codePoints: points)
            }
            if lead == Self.ascii("\\") {
                try escape(into: &points, begin: begin)
            } else if lead < 0x20 {
                throw fail("Invalid control character at", at: position)
            } else if lead < 0x80 {
                points.append(UInt32(lead))
                position += 1
            } else {
                // Well-formed (checked before scanning): decode one scalar.
                let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
                var point = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for offset in 1..<length { point = point << 6 | UInt32(bytes[position + offset] & 0x3F) }
                points.append(point)
                position += length
            }
        }
    }

    /// Four hex digits at `offset`, or nil.
    private func hex4(at offset: Int) -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for index in offset..<offset + 4 {
            let digit = bytes[index]
            let nibble: UInt8
            switch digit {
            case 0x30...0x39: nibble = digit - 0x30
            case 0x61...0x66: nibble = digit - 0x61 + 10
            case 0x41...0x46: nibble = digit - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    /// One backslash escape at `position`.
    ///
    /// CPython's bounds checks count code points, these count bytes; they differ only where
    /// the string is unterminated, which raises either way.
    private mutating func escape(into points: inout [UInt32], begin: Int) throws(PythonJSONError) {
        let at = position
        position += 1
        guard let kind = byte(at: position) else { throw fail("Unterminated string starting at", at: begin) }
        let simple: UInt32? = switch kind {
        case Self.ascii("\""), Self.ascii("\\"), Self.ascii("/"): UInt32(kind)
        case Self.ascii("b"): 0x08
        case Self.ascii("f"): 0x0C
        case Self.ascii("n"): 0x0A
        case Self.ascii("r"): 0x0D
        case Self.ascii("t"): 0x09
        default: nil
        }
        if let simple {
            points.append(simple)
            position += 1
            return
        }
        guard kind == Self.ascii("u") else { throw fail("Invalid \\escape", at: at) }
        // CPython: `end = next + 4; if (end >= len) raise` -- the four digits and one more.
        guard position + 5 < bytes.count, let first = hex4(at: position + 1) else {
            throw fail("Invalid \\uXXXX escape", at: at)
        }
        position += 5
        // A high surrogate followed by `\u` and a low one is one code point; followed by
        // anything else it stays alone (a lone surrogate, as Python keeps it).
        if first >= 0xD800, first <= 0xDBFF, position + 6 < bytes.count,
           bytes[position] == Self.ascii("\\"), bytes[position + 1] == Self.ascii("u") {
            guard let second = hex4(at: position + 2) else { throw fail("Invalid \\uXXXX escape", at: position) }
            if second >= 0xDC00, second <= 0xDFFF {
                points.append(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                position += 6
                return
            }
        }
        points.append(first)
    }
}

extension PythonInt {
    /// An int from a sign and decimal digits already in canonical form (no leading zero
    /// unless the value is 0, and 0 not negative), without going through text.
    init(isNegative: Bool, digits: [UInt8]) {
        self.isNegative = isNegative
        self.digits = digits
    }
}

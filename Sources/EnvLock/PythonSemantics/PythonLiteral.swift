#if canImport(Glibc)
import Glibc
#endif

/// CPython's `ast.literal_eval(value)` applied to an environment variable's value, as Fooocus
/// applies it (`modules/extra_utils.py`, `try_eval_env_var`): the value, or "it raises" (and
/// Fooocus keeps the raw text), exactly as every CPython 3.10-3.13 decides, or "undetermined"
/// where envlock cannot be sure.
///
/// What it follows, step by step, as CPython does:
/// 1. The bytes are decoded as UTF-8 with surrogateescape (`os.environ`); an invalid byte becomes
///    a lone surrogate, which `compile()` cannot encode back (UnicodeEncodeError): an error.
/// 2. `value.lstrip(" \t")`, then `ast.parse(value, mode="eval")`: CPython's tokenizer
///    (`Parser/tokenizer.c` `tok_get`: newlines `\r\n`/`\r` read as `\n`, blank and comment lines,
///    backslash continuations, indentation that eval input never accepts, brackets) and the
///    `eval: expressions NEWLINE* ENDMARKER` rule, for the literal subset of the grammar.
/// 3. `literal_eval`'s `_convert` (`Lib/ast.py`): constants, tuples, lists, sets, `set()`,
///    dicts (hashing keys as Python does), unary `+`/`-` on a number, `real ± imaginary`.
/// Anything else the grammar allows (names, calls, operators, f-strings…) only ever ends in an
/// exception, so it is `.error` without modelling which one.
///
/// (Named `…Evaluator` because `PythonLiteral` is already the `version.py` value in
/// `Probe/Python/PythonVersionModule.swift`.)
package enum PythonLiteralEvaluator {
    /// What `ast.literal_eval` does with one value.
    package typealias Outcome = PythonOutcome

    /// Brackets nested deeper than this are undetermined. CPython's tokenizer refuses more than
    /// 200 (`MAXLEVEL`, "too many nested parentheses", 3.10-3.13), and `_convert` recurses once
    /// a level under the caller's recursion limit (1,000 by default, less what the app's own stack
    /// already uses); half the tokenizer's limit leaves room for both and still reads every real
    /// configuration value (Fooocus' deepest is 2).
    package static let maximumDepth = 100

    /// Decimal int literals with more digits than this are undetermined: above 4,300 digits
    /// CPython (3.10.7 and later; not earlier 3.10s) raises, and `PYTHONINTMAXSTRDIGITS` or
    /// `-X int_max_str_digits` can lower that limit to as little as 640, which envlock cannot see.
    package static let maximumDecimalDigits = 640

    /// The outcome for an environment value given as its raw bytes.
    package static func evaluate(_ bytes: [UInt8]) -> Outcome {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .error("not UTF-8: surrogateescape makes lone surrogates that compile() cannot encode")
        }
        return evaluate(text)
    }

    /// The outcome for a value given as text (valid UTF-8 by construction).
    package static func evaluate(_ text: String) -> Outcome {
        var points = text.unicodeScalars.map(\.value)
        if points.contains(0) { return .error("source code cannot contain null bytes") }
        // literal_eval's own `lstrip(" \t")`.
        let firstKept = points.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? points.count
        points.removeFirst(firstKept)
        do {
            var tokenizer = LiteralTokenizer(points: translatingNewlines(points))
            var parser = LiteralParser(tokens: try tokenizer.tokenize())
            let node = try parser.parseFile()
            var converter = LiteralConverter()
            let value = try converter.convert(node)
            if let reason = tokenizer.unsureOnSuccess ?? converter.unsureOnSuccess {
                return .undetermined(reason)
            }
            return .value(value)
        } catch {
            switch error {
            case .error(let why): return .error(why)
            case .undetermined(let why): return .undetermined(why)
            }
        }
    }

    /// CPython's tokenizer reads `\r\n` and a lone `\r` as `\n` (`translate_newlines`), inside
    /// string literals too.
    static func translatingNewlines(_ points: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(points.count)
        var index = 0
        while index < points.count {
            let point = points[index]
            if point == 0x0D {
                result.append(0x0A)
                if index + 1 < points.count, points[index + 1] == 0x0A { index += 1 }
            } else {
                result.append(point)
            }
            index += 1
        }
        return result
    }
}

/// Why reading a literal stopped: Python raises, or envlock cannot tell.
enum LiteralFailure: Error {
    case error(String)
    case undetermined(String)
}

// MARK: - Tokens

/// One token of the literal subset of Python's grammar.
enum LiteralToken: Equatable {
    case number(PythonValue)
    /// One string literal; adjacent ones are concatenated by the parser.
    case string(LiteralString)
    /// A name; `ascii` false when it holds a character that NFKC may map onto ASCII (`ｓｅｔ`).
    case name(String, ascii: Bool)
    /// `( ) [ ] { } , : + -` as their ASCII code.
    case op(UInt32)
    case ellipsis
    case newline
    case end
}

/// A string literal's value and kind, as the tokenizer and `parsestr` read it.
struct LiteralString: Equatable {
    var isBytes: Bool
    var codePoints: [UInt32]
}

/// CPython's `tok_get`, for what a literal can hold; everything else is an error at once.
struct LiteralTokenizer {
    let points: [UInt32]
    var position = 0
    var level = 0
    var openers: [UInt32] = []
    var atLineStart = true
    /// Set when a value depends on something envlock does not know (`\N{…}` names).
    var unsureOnSuccess: String?

    init(points: [UInt32]) {
        self.points = points
    }

    static let eof: UInt32 = 0xFFFF_FFFF

    mutating func next() -> UInt32 {
        guard position < points.count else {
            position += 1
            return Self.eof
        }
        defer { position += 1 }
        return points[position]
    }

    mutating func backup() { position -= 1 }

    func peek(_ offset: Int = 0) -> UInt32 {
        position + offset < points.count ? points[position + offset] : Self.eof
    }

    /// `tok_continuation_line`: after a backslash, a newline and then not the end of input.
    mutating func continuationLine() throws(LiteralFailure) {
        guard next() == 0x0A else { throw .error("unexpected character after line continuation character") }
        guard peek() != Self.eof else { throw .error("unexpected EOF while parsing") }
    }

    mutating func tokenize() throws(LiteralFailure) -> [LiteralToken] {
        var tokens: [LiteralToken] = []
        while true {
            let token = try nextToken()
            tokens.append(token)
            if token == .end { return tokens }
        }
    }

    mutating func nextToken() throws(LiteralFailure) -> LiteralToken {
        while true {
            var blankLine = false
            if atLineStart {
                atLineStart = false
                var column = 0
                var continuationColumn = 0
                var c: UInt32
                while true {
                    c = next()
                    if c == 0x20 {
                        column += 1
                    } else if c == 0x09 {
                        column = (column / 8 + 1) * 8
                    } else if c == 0x0C {
                        column = 0
                    } else if c == 0x5C {
                        // The first backslash's column is the line's indentation (3.10-3.13).
                        continuationColumn = continuationColumn != 0 ? continuationColumn : column
                        try continuationLine()
                    } else {
                        break
                    }
                }
                backup()
                if c == 0x23 || c == 0x0A { blankLine = true }
                let indent = continuationColumn != 0 ? continuationColumn : column
                // Eval input has no INDENT in its grammar: an indented logical line is an error.
                if !blankLine && level == 0 && indent != 0 { throw .error("unexpected indent") }
            }
            // "again": the rest of a line.
            while true {
                var c = next()
                while c == 0x20 || c == 0x09 || c == 0x0C { c = next() }
                if c == 0x23 {
                    while c != Self.eof && c != 0x0A { c = next() }
                }
                if c == Self.eof {
                    if level > 0 { throw .error("bracket was never closed") }
                    return .end
                }
                if Self.isIdentifierStart(c) { return try nameOrString(first: c) }
                if c == 0x0A {
                    atLineStart = true
                    if blankLine || level > 0 { break }  // to the next line
                    return .newline
                }
                if c == 0x2E {
                    let after = peek()
                    if Self.isDigit(after) { return try number(first: c) }
                    if after == 0x2E && peek(1) == 0x2E {
                        position += 2
                        return .ellipsis
                    }
                    throw .error("attribute access is not a literal")
                }
                if Self.isDigit(c) { return try number(first: c) }
                if c == 0x27 || c == 0x22 {
                    backup()
                    return .string(try string(prefix: []))
                }
                if c == 0x5C {
                    try continuationLine()
                    continue
                }
                switch c {
                case 0x28, 0x5B, 0x7B:
                    level += 1
                    openers.append(c)
                    if level > PythonLiteralEvaluator.maximumDepth {
                        throw .undetermined("brackets nested deeper than \(PythonLiteralEvaluator.maximumDepth)")
                    }
                    return .op(c)
                case 0x29, 0x5D, 0x7D:
                    let expected: UInt32 = c == 0x29 ? 0x28 : c - 2
                    guard openers.last == expected else { throw .error("unmatched closing bracket") }
                    openers.removeLast()
                    level -= 1
                    return .op(c)
                case 0x2C, 0x3A, 0x2B, 0x2D:
                    return .op(c)
                default:
                    throw .error("not part of a literal: U+\(String(c, radix: 16, uppercase: true))")
                }
            }
        }
    }

    static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isHexDigit(_ c: UInt32) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
    static func isIdentifierStart(_ c: UInt32) -> Bool {
        (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || (c >= 0x80 && c != eof)
    }
    static func isIdentifierChar(_ c: UInt32) -> Bool { isIdentifierStart(c) || isDigit(c) }

    /// A name, or a string with a prefix (`b`, `r`, `u`, `f` and the pairs `tok_get` allows).
    mutating func nameOrString(first: UInt32) throws(LiteralFailure) -> LiteralToken {
        let start = position - 1
        while Self.isIdentifierChar(peek()) { position += 1 }
        let word = Array(points[start..<position])
        if peek() == 0x27 || peek() == 0x22 {
            let lower = String(decoding: word.map { UInt8(truncatingIfNeeded: $0 | 0x20) }, as: UTF8.self)
            let prefixes: Set<String> = ["b", "r", "u", "f", "br", "rb", "fr", "rf"]
            if word.allSatisfy({ $0 < 0x80 }), prefixes.contains(lower) {
                return .string(try string(prefix: Array(lower.utf8)))
            }
        }
        let ascii = word.allSatisfy { $0 < 0x80 }
        var text = ""
        for point in word { if let scalar = Unicode.Scalar(point) { text.unicodeScalars.append(scalar) } }
        return .name(text, ascii: ascii)
    }

    /// A number from its first character on (`tok_get`'s number branch), with its value.
    mutating func number(first: UInt32) throws(LiteralFailure) -> LiteralToken {
        let start = position - 1
        var c = first
        var isFloat = false
        var isImaginary = false
        var radix = 10

        func invalid() -> LiteralFailure { .error("invalid number literal") }

        // Digits after one already read, single underscores between digits (`tok_decimal_tail`).
        func decimalTail() throws(LiteralFailure) -> UInt32 {
            while true {
                var d: UInt32
                repeat { d = next() } while Self.isDigit(d)
                if d != 0x5F { return d }
                d = next()
                if !Self.isDigit(d) { throw invalid() }
            }
        }

        if c == 0x2E {
            c = next()  // the digit after the point
            c = try decimalTail()
            isFloat = true
            (c, isImaginary) = try exponentAndImaginary(c, isFloat: &isFloat)
        } else if c == 0x30 {
            c = next()
            let lower = c | 0x20
            if lower == 0x78 || lower == 0x6F || lower == 0x62 {
                radix = lower == 0x78 ? 16 : (lower == 0x6F ? 8 : 2)
                let isDigitOfRadix: (UInt32) -> Bool = { d in
                    radix == 16 ? Self.isHexDigit(d) : (d >= 0x30 && d < 0x30 + UInt32(radix))
                }
                c = next()
                repeat {
                    if c == 0x5F { c = next() }
                    guard isDigitOfRadix(c) else { throw invalid() }
                    repeat { c = next() } while isDigitOfRadix(c)
                } while c == 0x5F
                if Self.isDigit(c) || Self.isIdentifierChar(c) || c == 0x2E { throw invalid() }
            } else {
                var nonZero = false
                while true {
                    if c == 0x5F {
                        c = next()
                        if !Self.isDigit(c) { throw invalid() }
                    }
                    if c != 0x30 { break }
                    c = next()
                }
                if Self.isDigit(c) {
                    nonZero = true
                    c = try decimalTail()
                }
                if c == 0x2E || c | 0x20 == 0x65 || c | 0x20 == 0x6A {
                    if c == 0x2E {
                        isFloat = true
                        c = next()
                        if Self.isDigit(c) { c = try decimalTail() }
                    }
                    (c, isImaginary) = try exponentAndImaginary(c, isFloat: &isFloat)
                } else if nonZero {
                    throw .error("leading zeros in decimal integer literals are not permitted")
                }
            }
        } else {
            c = try decimalTail()
            if c == 0x2E {
                isFloat = true
                c = next()
                if Self.isDigit(c) { c = try decimalTail() }
            }
            (c, isImaginary) = try exponentAndImaginary(c, isFloat: &isFloat)
        }
        // A number followed by a name character is an error or a keyword (`1if`, `0x1for`),
        // which no literal holds.
        if Self.isIdentifierChar(c) { throw invalid() }
        backup()
        let end = isImaginary ? position - 1 : position
        let digits = points[start..<end].filter { $0 != 0x5F }.map { UInt8(truncatingIfNeeded: $0) }
        if isImaginary {
            return .number(.complex(real: 0, imaginary: try Self.double(digits)))
        }
        if isFloat { return .number(.float(try Self.double(digits))) }
        if radix != 10 {
            return .number(.int(Self.integer(Array(digits.dropFirst(2)), radix: radix)))
        }
        let significant = digits.drop { $0 == 0x30 }
        if significant.count > PythonLiteralEvaluator.maximumDecimalDigits {
            throw .undetermined("a decimal int of more than \(PythonLiteralEvaluator.maximumDecimalDigits) digits (int_max_str_digits)")
        }
        return .number(.int(PythonInt(decimal: String(decoding: digits, as: UTF8.self))!))
    }

    /// The optional exponent and `j` after a number's digits; `c` is the character after them.
    mutating func exponentAndImaginary(_ first: UInt32, isFloat: inout Bool) throws(LiteralFailure) -> (UInt32, Bool) {
        var c = first
        if c | 0x20 == 0x65 {
            c = next()
            if c == 0x2B || c == 0x2D { c = next() }
            // `1e` alone, `1e+`, `1e_5`: invalid (or `1else`, a keyword: not a literal either).
            guard Self.isDigit(c) else { throw .error("invalid decimal literal") }
            while true {
                repeat { c = next() } while Self.isDigit(c)
                if c != 0x5F { break }
                c = next()
                guard Self.isDigit(c) else { throw .error("invalid decimal literal") }
            }
            isFloat = true
        }
        if c | 0x20 == 0x6A {
            return (next(), true)
        }
        return (c, false)
    }

    /// A float literal's value: correctly rounded, `inf` past the range (as `PyOS_string_to_double`).
    static func double(_ ascii: [UInt8]) throws(LiteralFailure) -> Double {
        var text = ascii
        text.append(0)
        var end: UnsafeMutablePointer<CChar>?
        let value = text.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in strtod(chars.baseAddress!, &end) }
        }
        return value
    }

    /// A hexadecimal, octal or binary int's digits as a decimal `PythonInt`.
    static func integer(_ digits: [UInt8], radix: Int) -> PythonInt {
        // Little-endian base-10^9 limbs.
        var limbs: [UInt64] = [0]
        for digit in digits {
            let lower = digit | 0x20
            var carry = UInt64(lower >= 0x61 ? lower - 0x61 + 10 : digit - 0x30)
            for index in limbs.indices {
                let product = limbs[index] * UInt64(radix) + carry
                limbs[index] = product % 1_000_000_000
                carry = product / 1_000_000_000
            }
            if carry > 0 { limbs.append(carry) }
        }
        var text = String(limbs.last!)
        for limb in limbs.dropLast().reversed() {
            let part = String(limb)
            text += String(repeating: "0", count: 9 - part.count) + part
        }
        return PythonInt(decimal: text)!
    }

    /// A string literal from its opening quote on; `prefix` is lower-case ASCII.
    mutating func string(prefix: [UInt8]) throws(LiteralFailure) -> LiteralString {
        let isBytes = prefix.contains(UInt8(ascii: "b"))
        let isRaw = prefix.contains(UInt8(ascii: "r"))
        // Any f-string makes the literal a JoinedStr (or, badly formed, a SyntaxError): never a
        // constant. Stopping here also keeps 3.12's own f-string tokenizing (PEP 701) out of it.
        if prefix.contains(UInt8(ascii: "f")) { throw .error("an f-string is not a constant") }
        let start = position
        let quote = next()
        var quoteSize = 1
        var endQuoteSize = 0
        var c = next()
        if c == quote {
            c = next()
            if c == quote { quoteSize = 3 } else { endQuoteSize = 1 }
        }
        if c != quote { backup() }
        let bodyStart = start + quoteSize
        while endQuoteSize != quoteSize {
            c = next()
            if c == Self.eof || (quoteSize == 1 && c == 0x0A) { throw .error("unterminated string literal") }
            if c == quote {
                endQuoteSize += 1
            } else {
                endQuoteSize = 0
                if c == 0x5C { _ = next() }
            }
        }
        let body = Array(points[bodyStart..<(position - quoteSize)])
        if isBytes, body.contains(where: { $0 >= 0x80 }) {
            throw .error("bytes can only contain ASCII literal characters")
        }
        if isRaw { return LiteralString(isBytes: isBytes, codePoints: body) }
        return LiteralString(isBytes: isBytes, codePoints: try unescape(body, isBytes: isBytes))
    }

    /// A non-raw literal's escapes (`_PyUnicode_DecodeUnicodeEscapeInternal`,
    /// `_PyBytes_DecodeEscape`); an unknown escape keeps its backslash (a warning, never an error).
    mutating func unescape(_ body: [UInt32], isBytes: Bool) throws(LiteralFailure) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(body.count)
        var index = 0
        func hexValue(count: Int) throws(LiteralFailure) -> UInt32 {
            guard index + count <= body.count else { throw .error("truncated escape") }
            var value: UInt32 = 0
            for offset in 0..<count {
                let d = body[index + offset]
                guard Self.isHexDigit(d) else { throw .error("truncated escape") }
                value = value * 16 + (Self.isDigit(d) ? d - 0x30 : (d | 0x20) - 0x61 + 10)
            }
            index += count
            return value
        }
        while index < body.count {
            let c = body[index]
            index += 1
            guard c == 0x5C else {
                result.append(c)
                continue
            }
            // The scanner never ends a body on a lone backslash (it skips the character after one).
            guard index < body.count else { throw .error("unterminated escape") }
            let e = body[index]
            index += 1
            switch e {
            case 0x0A: break
            case 0x5C, 0x27, 0x22: result.append(e)
            case 0x61: result.append(7)
            case 0x62: result.append(8)
            case 0x66: result.append(12)
            case 0x6E: result.append(10)
            case 0x72: result.append(13)
            case 0x74: result.append(9)
            case 0x76: result.append(11)
            case 0x30...0x37:
                var value = e - 0x30
                var count = 1
                while count < 3, index < body.count, body[index] >= 0x30, body[index] <= 0x37 {
                    value = value * 8 + body[index] - 0x30
                    index += 1
                    count += 1
                }
                result.append(isBytes ? value & 0xFF : value)
            case 0x78:
                result.append(try hexValue(count: 2))
            case 0x75 where !isBytes:
                result.append(try hexValue(count: 4))
            case 0x55 where !isBytes:
                let value = try hexValue(count: 8)
                guard value <= 0x10FFFF else { throw .error("illegal Unicode character") }
                result.append(value)
            case 0x4E where !isBytes:
                // `\N{name}`: the value needs Unicode's name table, which differs between
                // versions (Unicode 13.0 in 3.10 … 15.1 in 3.13); a malformed one is an error.
                guard index < body.count, body[index] == 0x7B,
                      let close = body[index...].firstIndex(of: 0x7D), close > index + 1
                else { throw .error("malformed \\N character escape") }
                unsureOnSuccess = unsureOnSuccess ?? "a \\N{…} escape: its value needs Unicode's name table"
                result.append(0xFFFD)
                index = close + 1
            default:
                result.append(0x5C)
                result.append(e)
            }
        }
        return result
    }
}

// MARK: - Parser

/// The expression tree `ast.parse` builds, for the nodes a literal can hold.
indirect enum LiteralNode {
    case constant(PythonValue)
    /// A name; `ascii` false when NFKC may turn it into another (`ſet` is `set`).
    case name(String, ascii: Bool)
    case unary(negative: Bool, LiteralNode)
    case binary(LiteralNode, subtract: Bool, LiteralNode)
    case tuple([LiteralNode])
    case list([LiteralNode])
    case set([LiteralNode])
    case dict([(LiteralNode, LiteralNode)])
    /// `f()` with no arguments.
    case emptyCall(LiteralNode)
    /// Any other node the grammar allows here: `literal_eval` rejects it.
    case other(String)
}

/// `eval: expressions NEWLINE* ENDMARKER`, for the literal subset; any token outside it is a
/// SyntaxError or a node `_convert` rejects, either way an error.
struct LiteralParser {
    let tokens: [LiteralToken]
    var index = 0

    init(tokens: [LiteralToken]) {
        self.tokens = tokens
    }

    var current: LiteralToken { tokens[index] }

    mutating func parseFile() throws(LiteralFailure) -> LiteralNode {
        let node = try expressions()
        while current == .newline { index += 1 }
        guard current == .end else { throw .error("invalid syntax") }
        return node
    }

    /// `a`, `a,`, `a, b`: a tuple when there is a comma.
    mutating func expressions() throws(LiteralFailure) -> LiteralNode {
        let first = try expression()
        guard current == .op(0x2C) else { return first }
        var items = [first]
        while current == .op(0x2C) {
            index += 1
            if startsExpression(current) { items.append(try expression()) } else { break }
        }
        return .tuple(items)
    }

    func startsExpression(_ token: LiteralToken) -> Bool {
        switch token {
        case .number, .string, .name, .ellipsis: true
        case .op(let c): c == 0x28 || c == 0x5B || c == 0x7B || c == 0x2B || c == 0x2D
        case .newline, .end: false
        }
    }

    /// `sum`: factors joined by `+` and `-`, left to right.
    mutating func expression() throws(LiteralFailure) -> LiteralNode {
        var left = try factor()
        while current == .op(0x2B) || current == .op(0x2D) {
            let subtract = current == .op(0x2D)
            index += 1
            let right = try factor()
            // `a + b + c` is malformed whatever a, b and c are; keeping the tree flat keeps a long
            // chain from nesting Swift values (and their recursive release) thousands deep.
            if case .binary = left { left = .other("BinOp of a BinOp") } else if case .other = left {} else {
                left = .binary(left, subtract: subtract, right)
            }
        }
        return left
    }

    /// `factor: ('+' | '-') factor | primary`, without recursion for long runs of signs.
    mutating func factor() throws(LiteralFailure) -> LiteralNode {
        var signs: [Bool] = []
        while current == .op(0x2B) || current == .op(0x2D) {
            signs.append(current == .op(0x2D))
            index += 1
        }
        let node = try primary()
        switch signs.count {
        case 0: return node
        // `--1` is malformed (`_convert_signed_num` takes one sign); flat for the reason above.
        case 1: return .unary(negative: signs[0], node)
        default: return .other("UnaryOp of a UnaryOp")
        }
    }

    /// An atom and what follows it: only an empty call (`set()`) can still be a literal.
    mutating func primary() throws(LiteralFailure) -> LiteralNode {
        var node = try atom()
        while current == .op(0x28) {
            index += 1
            guard current == .op(0x29) else { throw .error("a call with arguments is not a literal") }
            index += 1
            node = .emptyCall(node)
        }
        if current == .op(0x5B) { throw .error("a subscript is not a literal") }
        return node
    }

    mutating func atom() throws(LiteralFailure) -> LiteralNode {
        let token = current
        index += 1
        switch token {
        case .number(let value): return .constant(value)
        case .ellipsis: return .constant(.ellipsis)
        case .string(let first): return try strings(first)
        case .name(let name, let ascii):
            switch name {
            case "True" where ascii: return .constant(.bool(true))
            case "False" where ascii: return .constant(.bool(false))
            case "None" where ascii: return .constant(.none)
            default:
                return .name(name, ascii: ascii)
            }
        case .op(0x28):
            if current == .op(0x29) {
                index += 1
                return .tuple([])
            }
            let inner = try expressions()
            try expect(0x29)
            return inner
        case .op(0x5B):
            let items = try items(closing: 0x5D)
            return .list(items)
        case .op(0x7B):
            if current == .op(0x7D) {
                index += 1
                return .dict([])
            }
            let first = try expression()
            if current == .op(0x3A) {
                index += 1
                var entries = [(first, try expression())]
                while current == .op(0x2C) {
                    index += 1
                    if current == .op(0x7D) { break }
                    let key = try expression()
                    try expect(0x3A)
                    entries.append((key, try expression()))
                }
                try expect(0x7D)
                return .dict(entries)
            }
            var elements = [first]
            while current == .op(0x2C) {
                index += 1
                if current == .op(0x7D) { break }
                elements.append(try expression())
            }
            try expect(0x7D)
            return .set(elements)
        default:
            throw .error("invalid syntax")
        }
    }

    /// Comma-separated expressions up to `closing`, a trailing comma allowed.
    mutating func items(closing: UInt32) throws(LiteralFailure) -> [LiteralNode] {
        var items: [LiteralNode] = []
        while current != .op(closing) {
            items.append(try expression())
            if current == .op(0x2C) { index += 1 } else { break }
        }
        try expect(closing)
        return items
    }

    mutating func expect(_ c: UInt32) throws(LiteralFailure) {
        guard current == .op(c) else { throw .error("invalid syntax") }
        index += 1
    }

    /// Adjacent string literals, concatenated; bytes and str do not mix, an f-string is no constant.
    mutating func strings(_ first: LiteralString) throws(LiteralFailure) -> LiteralNode {
        var pieces = [first]
        while case .string(let next) = current {
            pieces.append(next)
            index += 1
        }
        let isBytes = pieces[0].isBytes
        guard pieces.allSatisfy({ $0.isBytes == isBytes }) else { throw .error("cannot mix bytes and nonbytes literals") }
        let points = pieces.flatMap(\.codePoints)
        if isBytes { return .constant(.bytes(points.map { UInt8(truncatingIfNeeded: $0) })) }
        return .constant(.string(PythonString(codePoints: points)))
    }
}

// MARK: - literal_eval's _convert

/// `ast.literal_eval`'s `_convert`, `_convert_num` and `_convert_signed_num` (3.10-3.13 agree).
struct LiteralConverter {
    var unsureOnSuccess: String?

    func malformed() -> LiteralFailure { .error("malformed node or string") }

    mutating func convert(_ node: LiteralNode) throws(LiteralFailure) -> PythonValue {
        switch node {
        case .constant(let value): return value
        case .tuple(let items): return .tuple(try items.map { (item) throws(LiteralFailure) in try convert(item) })
        case .list(let items): return .list(try items.map { (item) throws(LiteralFailure) in try convert(item) })
        case .set(let items):
            var elements: [PythonValue] = []
            for item in items {
                let element = try convert(item)
                try PythonLiteralEvaluator.requireHashable(element)
                if !elements.contains(where: { PythonLiteralEvaluator.pythonEqual($0, element) }) { elements.append(element) }
            }
            return .set(elements)
        case .emptyCall(.name(let name, let ascii)):
            if !ascii {
                unsureOnSuccess = unsureOnSuccess ?? Self.unsureName
            } else if name != "set" {
                throw malformed()
            }
            return .set([])
        case .dict(let pairs):
            var entries: [PythonDictEntry] = []
            for (keyNode, valueNode) in pairs {
                let key = try convert(keyNode)
                let value = try convert(valueNode)
                try PythonLiteralEvaluator.requireHashable(key)
                if let existing = entries.firstIndex(where: { PythonLiteralEvaluator.pythonEqual($0.key, key) }) {
                    entries[existing].value = value
                } else {
                    entries.append(PythonDictEntry(key: key, value: value))
                }
            }
            return .dict(entries)
        case .binary(let leftNode, let subtract, let rightNode):
            let left = try signedNumber(leftNode)
            let right = try number(rightNode)
            guard case .complex(let real, let imaginary) = right else { throw malformed() }
            let leftDouble: Double
            switch left {
            case .int(let int):
                // int + complex converts the int to float first: OverflowError past the range.
                guard let value = int.asDouble else { throw .error("int too large to convert to float") }
                leftDouble = value
            case .float(let value): leftDouble = value
            default: throw malformed()
            }
            // complex_add / complex_sub with the real operand as (x, 0.0).
            return subtract
                ? .complex(real: leftDouble - real, imaginary: 0.0 - imaginary)
                : .complex(real: leftDouble + real, imaginary: 0.0 + imaginary)
        default:
            return try signedNumber(node)
        }
    }

    mutating func signedNumber(_ node: LiteralNode) throws(LiteralFailure) -> PythonValue {
        guard case .unary(let negative, let operand) = node else { return try number(node) }
        let value = try number(operand)
        guard negative else { return value }
        switch value {
        case .int(let int): return .int(int.negated)
        case .float(let double): return .float(-double)
        case .complex(let real, let imaginary): return .complex(real: -real, imaginary: -imaginary)
        default: throw malformed()
        }
    }

    /// `_convert_num`: a constant whose type is exactly int, float or complex (not bool).
    func number(_ node: LiteralNode) throws(LiteralFailure) -> PythonValue {
        guard case .constant(let value) = node else { throw malformed() }
        switch value {
        case .int, .float, .complex: return value
        default: throw malformed()
        }
    }
}

extension LiteralConverter {
    /// `set()` called through a name with non-ASCII characters (`ｓｅｔ()`, `ſet()`): Python
    /// normalizes names with NFKC, whose tables envlock does not carry.
    static let unsureName = "a call of a non-ASCII name, which NFKC may normalize to `set`"
}

// MARK: - Hashing and equality

extension PythonLiteralEvaluator {
    /// `hash(v)` succeeds: no list, dict or set at any depth of a tuple.
    static func requireHashable(_ value: PythonValue) throws(LiteralFailure) {
        switch value {
        case .list, .dict, .set: throw .error("unhashable type: '\(value.typeName)'")
        case .tuple(let items): for item in items { try requireHashable(item) }
        default: break
        }
    }

    /// Python's `==` for hashable literal values: `1 == 1.0 == True == (1+0j)`, `0.0 == -0.0`,
    /// an int equals a float only when the float is exactly that integer.
    static func pythonEqual(_ a: PythonValue, _ b: PythonValue) -> Bool {
        switch (a, b) {
        case (.none, .none), (.ellipsis, .ellipsis): return true
        case (.string(let x), .string(let y)): return x == y
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.tuple(let x), .tuple(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { pythonEqual($0, $1) }
        default:
            guard let x = NumericValue(a), let y = NumericValue(b) else { return false }
            return x == y
        }
    }
}

/// A number as Python compares numbers: bool as int, exact int/float comparison.
enum NumericValue: Equatable {
    case int(PythonInt)
    case float(Double)
    case complex(Double, Double)

    init?(_ value: PythonValue) {
        switch value {
        case .bool(let flag): self = .int(PythonInt(flag ? 1 : 0))
        case .int(let int): self = .int(int)
        case .float(let double): self = .float(double)
        case .complex(let real, let imaginary): self = imaginary == 0 ? .float(real) : .complex(real, imaginary)
        default: return nil
        }
    }

    static func == (a: NumericValue, b: NumericValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.complex(let r1, let i1), .complex(let r2, let i2)): return r1 == r2 && i1 == i2
        case (.int(let x), .float(let y)), (.float(let y), .int(let x)):
            guard let exact = exactInteger(y) else { return false }
            return exact == x
        default: return false
        }
    }

    /// The integer a finite, integral double is exactly; nil otherwise.
    static func exactInteger(_ value: Double) -> PythonInt? {
        guard value.isFinite, value.rounded(.towardZero) == value else { return nil }
        if abs(value) < 0x1p62 { return PythonInt(Int(value)) }
        // value = significand * 2^shift exactly, the significand an integer below 2^53.
        let shift = Int(value.exponent) - 52
        let significand = UInt64(abs(value).significandBitPattern | (1 << 52))
        var digits = Array(String(significand).utf8).map { $0 - 0x30 }  // most significant first
        for _ in 0..<shift {
            var carry: UInt8 = 0
            for index in digits.indices.reversed() {
                let doubled = digits[index] * 2 + carry
                digits[index] = doubled % 10
                carry = doubled / 10
            }
            if carry > 0 { digits.insert(carry, at: 0) }
        }
        let text = (value < 0 ? "-" : "") + String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self)
        return PythonInt(decimal: text)
    }
}

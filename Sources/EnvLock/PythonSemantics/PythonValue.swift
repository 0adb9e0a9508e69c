/// Python's object model, as far as the job gate needs it: the values `json.loads` and
/// `ast.literal_eval` build, compared and tested as Python compares and tests them.
///
/// The apps (Fooocus' `modules/config.py`, its validators, `try_eval_env_var`) act on Python
/// objects, and Python's model differs from JSON's and Swift's in ways that change what runs:
/// `bool` is an `int` (`isinstance(True, int)`), `int` is unbounded, a tuple is not a list,
/// strings are sequences of code points that may hold lone surrogates and are compared by
/// code point, never by canonical equivalence (Swift's `String ==` merges NFC and NFD).
package enum PythonValue: Sendable, Equatable {
    case none
    /// `Ellipsis` (`...`): a constant `ast.literal_eval` accepts like `None`.
    case ellipsis
    case bool(Bool)
    /// An `int` of any size.
    case int(PythonInt)
    case float(Double)
    case complex(real: Double, imaginary: Double)
    case string(PythonString)
    case bytes([UInt8])
    case list([PythonValue])
    case tuple([PythonValue])
    /// A `set`, in the order its elements were first written (Python's own order is its hash
    /// order; nothing envlock decides depends on it).
    case set([PythonValue])
    /// A `dict`: keys in first-insertion order, each with the last value written for it.
    case dict([PythonDictEntry])

    /// Python's type name (`type(v).__name__`), for messages.
    package var typeName: String {
        switch self {
        case .none: "NoneType"
        case .ellipsis: "ellipsis"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .complex: "complex"
        case .string: "str"
        case .bytes: "bytes"
        case .list: "list"
        case .tuple: "tuple"
        case .set: "set"
        case .dict: "dict"
        }
    }

    /// `isinstance(v, numbers.Number)`: bool, int, float and complex.
    package var isNumber: Bool {
        switch self {
        case .bool, .int, .float, .complex: true
        default: false
        }
    }

    /// `isinstance(v, int)`: an `int` or a `bool`.
    package var isInt: Bool {
        switch self {
        case .bool, .int: true
        default: false
        }
    }

    /// `bool(v)`: what an app's `if args.x:` tests. `--always-cpu 0` is falsy, so Fooocus
    /// ignores it.
    package var isTruthy: Bool {
        switch self {
        case .none: false
        case .ellipsis: true
        case .bool(let value): value
        case .int(let value): value.digits != [0x30]
        case .float(let value): value != 0
        case .complex(let real, let imaginary): real != 0 || imaginary != 0
        case .string(let text): !text.codePoints.isEmpty
        case .bytes(let bytes): !bytes.isEmpty
        case .list(let items), .tuple(let items), .set(let items): !items.isEmpty
        case .dict(let entries): !entries.isEmpty
        }
    }

    /// `isinstance(v, str)`.
    package var string: PythonString? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The value of `v[key]` for a dict whose keys are strings (`json.loads` objects).
    package subscript(key: String) -> PythonValue? {
        guard case .dict(let entries) = self else { return nil }
        let wanted = PythonString(key)
        return entries.first { $0.key == .string(wanted) }?.value
    }
}

/// What a Python reader (`json.loads`, `ast.literal_eval`) does with its input.
package enum PythonOutcome: Sendable, Equatable {
    /// It returns this value.
    case value(PythonValue)
    /// It raises (JSONDecodeError, SyntaxError, ValueError, UnicodeDecodeError…); the text
    /// says why, for messages only.
    case error(String)
    /// It returns under some CPython 3.10-3.13 versions or settings and raises under others,
    /// or envlock cannot be sure which; the text says which condition was met.
    case undetermined(String)
}

/// One `key: value` of a `dict`.
package struct PythonDictEntry: Sendable, Equatable {
    package var key: PythonValue
    package var value: PythonValue

    package init(key: PythonValue, value: PythonValue) {
        self.key = key
        self.value = value
    }
}

/// A Python `int`: a sign and its decimal digits, without leading zeros (`0` is `["0"]`,
/// never negative), so that two equal ints have equal representations whatever their size.
package struct PythonInt: Sendable, Hashable, CustomStringConvertible {
    package var isNegative: Bool
    /// ASCII decimal digits, most significant first, no leading zero unless the value is 0.
    package var digits: [UInt8]

    /// The int written as `text` in decimal (optional `-`, digits only, leading zeros allowed).
    package init?(decimal text: some StringProtocol) {
        var bytes = Array(text.utf8)
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes.removeFirst()
        }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let firstNonZero = bytes.firstIndex { $0 != 0x30 } ?? bytes.count - 1
        digits = Array(bytes[firstNonZero...])
        isNegative = negative && digits != [0x30]
    }

    package init(_ value: Int) {
        self.init(decimal: String(value))!
    }

    /// The value negated (`-x`).
    package var negated: PythonInt {
        var result = self
        result.isNegative = !isNegative && digits != [0x30]
        return result
    }

    /// `repr(x)` and `str(x)`.
    package var description: String { (isNegative ? "-" : "") + String(decoding: digits, as: UTF8.self) }

    /// The value as an `Int`, when it fits.
    package var exactInt: Int? { Int(description) }

    /// `float(x)`: correctly rounded, as Python converts (`inf` past the range raises
    /// OverflowError in Python; nil here).
    package var asDouble: Double? {
        guard let value = Double(description), value.isFinite else { return nil }
        return value
    }
}

/// A Python `str`: a sequence of code points, any of U+0000...U+10FFFF, lone surrogates
/// included (`json.loads('"\\ud800"')` makes one). Equality is code point by code point.
package struct PythonString: Sendable, Hashable, CustomStringConvertible {
    package var codePoints: [UInt32]

    package init(codePoints: [UInt32]) {
        self.codePoints = codePoints
    }

    package init(_ text: some StringProtocol) {
        codePoints = text.unicodeScalars.map(\.value)
    }

    /// The string as Swift text, or nil when it holds a lone surrogate (which no Swift
    /// `String`, and no UTF-8 file name or fact, can carry).
    package var swiftString: String? {
        var scalars = String.UnicodeScalarView()
        for point in codePoints {
            guard let scalar = Unicode.Scalar(point) else { return nil }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// For messages: the text, with a lone surrogate shown as `\udXXX` as Python's repr does.
    package var description: String {
        var text = ""
        for point in codePoints {
            if let scalar = Unicode.Scalar(point) {
                text.unicodeScalars.append(scalar)
            } else {
                text += "\\u" + String(point, radix: 16)
            }
        }
        return text
    }

    package var isEmpty: Bool { codePoints.isEmpty }
}

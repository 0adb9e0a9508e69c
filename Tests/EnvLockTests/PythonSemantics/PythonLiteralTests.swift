import Testing
@testable import EnvLock

/// `PythonLiteralEvaluator` reads environment values as `ast.literal_eval` does in CPython 3.10-3.13
/// (each expectation here was checked against all four); the differential test
/// (`LiteralDifferentialTests`) covers thousands more.
@Suite struct PythonLiteralTests {
    typealias Outcome = PythonLiteralEvaluator.Outcome

    static func value(_ text: String) -> PythonValue? {
        if case .value(let value) = PythonLiteralEvaluator.evaluate(text) { value } else { nil }
    }

    static func isError(_ text: String) -> Bool {
        if case .error = PythonLiteralEvaluator.evaluate(text) { true } else { false }
    }

    static func isUndetermined(_ text: String) -> Bool {
        if case .undetermined = PythonLiteralEvaluator.evaluate(text) { true } else { false }
    }

    static func string(_ text: String) -> PythonValue { .string(PythonString(text)) }

    @Test("the false pass the gate exists for: `_4.0` is a name, not 4.0")
    func underscoreFirstIsAName() {
        #expect(Self.isError("_4.0"))
        #expect(Self.value("4.0") == .float(4.0))
        #expect(Self.isError("Fooocus V2"))
        #expect(Self.isError("euler_ancestral"))
    }

    @Test("PEP 515 underscores and leading zeros, exactly", arguments: [
        ("1_000", PythonValue?.some(.int(PythonInt(1000)))), ("0_0", .int(PythonInt(0))), ("00", .int(PythonInt(0))),
        ("0x_1F", .int(PythonInt(31))), ("0b1_0", .int(PythonInt(2))), ("0o17", .int(PythonInt(15))),
        ("1e5_0", .float(1e50)), ("01.5", .float(1.5)), ("01e1", .float(10)), ("01j", .complex(real: 0, imaginary: 1)),
        ("1__000", nil), ("4._0", nil), ("1_", nil), ("01", nil), ("0_1", nil), ("1_.0", nil), ("1e_5", nil),
        ("0x", nil), ("0b2", nil), ("0o8", nil), ("1e", nil), ("0xAj", nil), ("1L", nil),
    ])
    func numbers(_ text: String, _ expected: PythonValue?) {
        if let expected {
            #expect(Self.value(text) == expected, "\(text)")
        } else {
            #expect(Self.isError(text), "\(text)")
        }
    }

    @Test("floats are correctly rounded and overflow to inf, as Python's float literals do")
    func floats() {
        #expect(Self.value("1e400") == .float(.infinity))
        #expect(Self.value("0.1") == .float(0.1))
        #expect(Self.value(".5") == .float(0.5))
        #expect(Self.value("1.") == .float(1))
        #expect(Self.value("-0.0") == .float(-0.0))
    }

    @Test("signs take one number; complex literals are a signed real plus or minus an imaginary")
    func signsAndComplex() {
        #expect(Self.value("-1") == .int(PythonInt(-1)))
        #expect(Self.value("- 1") == .int(PythonInt(-1)))
        #expect(Self.value("-(1)") == .int(PythonInt(-1)))
        #expect(Self.value("1+2j") == .complex(real: 1, imaginary: 2))
        #expect(Self.value("-1-2j") == .complex(real: -1, imaginary: -2))
        #expect(Self.value("-1e400j") == .complex(real: -0.0, imaginary: -.infinity))
        for text in ["--1", "-(-1)", "+True", "-None", "1j+2", "1+2j+3j", "1+(-2j)", "1+2", "+(1+2j)", "1*2"] {
            #expect(Self.isError(text), "\(text)")
        }
        #expect(Self.isError("1" + String(repeating: "0", count: 400) + "+1j"), "an int too large for a float")
    }

    @Test("strings: prefixes, escapes, concatenation")
    func strings() {
        #expect(Self.value("'()'") == Self.string("()"))
        #expect(Self.value("u'x'") == Self.string("x"))
        #expect(Self.value(#"r'\n'"#) == Self.string(#"\n"#))
        #expect(Self.value("'a' 'b'") == Self.string("ab"))
        #expect(Self.value(#"'\d'"#) == Self.string(#"\d"#), "an invalid escape keeps its backslash")
        #expect(Self.value(#"'\777'"#) == .string(PythonString(codePoints: [0o777])))
        #expect(Self.value(#"'\ud800'"#) == .string(PythonString(codePoints: [0xD800])))
        #expect(Self.value(#"'\x41\u00e9\U0001F600'"#) == Self.string("Aé😀"))
        #expect(Self.value("'''a\r\nb'''") == Self.string("a\nb"))
        #expect(Self.value(#"b'\400\xff'"#) == .bytes([0, 0xFF]))
        #expect(Self.value(#"Rb'\n'"#) == .bytes([0x5C, 0x6E]))
        for text in ["f'x'", "rf'x'", "ur'x'", "b'a' 'b'", "b'é'", #"'\x4'"#, #"'\U00110000'"#, "'a\rb'", "'", #"r'\'"#] {
            #expect(Self.isError(text), "\(text)")
        }
    }

    @Test("containers: tuples, sets, set(), dicts with Python's key equality")
    func containers() {
        #expect(Self.value("()") == .tuple([]))
        #expect(Self.value("1, 2") == .tuple([.int(PythonInt(1)), .int(PythonInt(2))]))
        #expect(Self.value("(1,)") == .tuple([.int(PythonInt(1))]))
        #expect(Self.value("[1,]") == .list([.int(PythonInt(1))]))
        #expect(Self.value("{}") == .dict([]))
        #expect(Self.value("set ( )") == .set([]))
        #expect(Self.value("{True, 1, 1.0}") == .set([.bool(true)]))
        #expect(Self.value("{1: 'a', True: 'b', 1.0: 'c'}") == .dict([PythonDictEntry(key: .int(PythonInt(1)), value: Self.string("c"))]))
        #expect(Self.value("{9007199254740993: 1, 9007199254740992.0: 2}")?.typeName == "dict")
        if case .dict(let entries) = Self.value("{9007199254740993: 1, 9007199254740992.0: 2}") {
            #expect(entries.count == 2, "an int equals a float only when exactly equal")
        }
        #expect(Self.value("...") == .ellipsis)
        for text in ["{[1]: 2}", "{(1, [2]): 3}", "{{1}}", "set([1])", "Ellipsis", "[1][0]", "(1).real", "{**{}}", "[*[]]", "(,)", "1,,"] {
            #expect(Self.isError(text), "\(text)")
        }
    }

    @Test("lines: comments, continuations, form feeds and the indentation eval input refuses")
    func lines() {
        for text in ["1 # c", "\u{0C}1", "\t 1", "\n1\n\n", "1\r\n", "\\\n1", "1 \\\n+2j", "[1,\n# c\n2]", "1\n  # c", "1\n  \n", "1\n\u{0C}"] {
            #expect(Self.value(text) != nil, "\(text.debugDescription)")
        }
        for text in ["", " ", "# c", "\n 1", "1\n  ", "\u{0C} 1", "1 \\\n", "\\\n 1", "1\n2", "1;", "\u{0B}1", "\u{A0}1", "\u{FEFF}1"] {
            #expect(Self.isError(text), "\(text.debugDescription)")
        }
    }

    @Test("bytes that are not UTF-8 become lone surrogates, which compile() cannot encode: an error")
    func invalidUTF8() {
        #expect({ if case .error = PythonLiteralEvaluator.evaluate([0x27, 0xFF, 0x27]) { true } else { false } }())
        #expect(PythonLiteralEvaluator.evaluate(Array("'é'".utf8)) == .value(Self.string("é")))
        #expect({ if case .error = PythonLiteralEvaluator.evaluate([0x31, 0x00]) { true } else { false } }(), "NUL")
    }

    @Test("undetermined only past the documented bounds and where Unicode tables decide")
    func undetermined() {
        let depth = PythonLiteralEvaluator.maximumDepth
        #expect(Self.value(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)) != nil)
        #expect(Self.isUndetermined(String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)))
        let digits = PythonLiteralEvaluator.maximumDecimalDigits
        #expect(Self.value("1" + String(repeating: "0", count: digits - 1)) != nil)
        #expect(Self.isUndetermined("1" + String(repeating: "0", count: digits)))
        #expect(Self.value("0x" + String(repeating: "f", count: 5000)) != nil, "no digit limit for power-of-two bases")
        #expect(Self.value(String(repeating: "0", count: 5000)) == .int(PythonInt(0)))
        #expect(Self.isUndetermined(#"'\N{DASH}'"#))
        #expect(Self.isError(#"'\N{}'"#), "a malformed \\N is an error in every version")
        #expect(Self.value(#"b'\N{DASH}'"#) == .bytes(Array(#"\N{DASH}"#.utf8)))
        #expect(Self.isUndetermined("ſet()"), "NFKC makes ſet into set")
        #expect(Self.isError("é"))
    }

    @Test("long chains stay flat: no deep recursion on hostile input")
    func longChains() {
        #expect(Self.isError(String(repeating: "-", count: 100_000) + "1"))
        #expect(Self.isError(Array(repeating: "1", count: 50_000).joined(separator: "+")))
    }
}

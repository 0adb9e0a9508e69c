import Testing
@testable import EnvLock

/// `PythonJSON` reads files as `json.load(open(path, encoding="utf-8"))` does, and
/// `PythonRepr` prints values as `repr()`. (The full comparison against every CPython is
/// `JSONDifferentialTests`; these pin the cases that matter most to the gate.)
@Suite struct PythonJSONTests {
    static func read(_ text: String) -> PythonJSON.Outcome { PythonJSON.read(Array(text.utf8)) }

    static func value(_ text: String) -> PythonValue? {
        if case .value(let value) = read(text) { value } else { nil }
    }

    static func isError(_ bytes: [UInt8]) -> Bool {
        if case .error = PythonJSON.read(bytes) { true } else { false }
    }

    static func isUndetermined(_ text: String) -> Bool {
        if case .undetermined = read(text) { true } else { false }
    }

    static func string(_ points: [UInt32]) -> PythonValue { .string(PythonString(codePoints: points)) }

    @Test("numbers Python's scanner refuses are errors, not values", arguments: [
        "02", "-02", "00", "2.", ".2", "+2", "1.2.3", "1e", "1e+", "-", "[02]", "[1.]", "{\"a\": .5}", "0x10", "1_000",
    ])
    func refusedNumbers(text: String) {
        #expect(Self.isError(Array(text.utf8)))
    }

    @Test func numbersAreIntsOrFloatsAsPythonBuildsThem() {
        #expect(Self.value("-0") == .int(PythonInt(0)))
        #expect(Self.value("-0.0").map { if case .float(let x) = $0 { x.sign == .minus && x == 0 } else { false } } == true)
        #expect(Self.value("1E+2") == .float(100))
        #expect(Self.value("1e400") == .float(.infinity))
        #expect(Self.value("-1e400") == .float(-.infinity))
        #expect(Self.value("0.1") == .float(0.1))
        #expect(Self.value("4.9e-324") == .float(.leastNonzeroMagnitude))
        #expect(Self.value("123456789012345678901234567890") == .int(PythonInt(decimal: "123456789012345678901234567890")!))
    }

    @Test func nanAndInfinityAreAccepted() {
        guard case .list(let items) = Self.value("[NaN, Infinity, -Infinity]") else {
            Issue.record("not a list")
            return
        }
        guard case .float(let nan) = items[0] else {
            Issue.record("NaN is not a float")
            return
        }
        #expect(nan.isNaN)
        #expect(items[1] == .float(.infinity))
        #expect(items[2] == .float(-.infinity))
        for spelling in ["nan", "-NaN", "+Infinity", "infinity", "Inf"] {
            #expect(Self.isError(Array(spelling.utf8)), "\(spelling)")
        }
    }

    @Test func loneSurrogatesAreKeptAndPairsJoined() {
        #expect(Self.value(#""\ud800""#) == Self.string([0xD800]))
        #expect(Self.value(#""\udc00\ud800""#) == Self.string([0xDC00, 0xD800]))
        #expect(Self.value(#""\ud83d\ude00""#) == Self.string([0x1F600]))
        #expect(Self.value(#""\ud800\ud800\udc00""#) == Self.string([0xD800, 0x10000]))
        #expect(Self.value(#""\ud800\u0041""#) == Self.string([0xD800, 0x41]))
    }

    @Test func stringEscapesAndControlCharacters() {
        #expect(Self.value(#""\"\\\/\b\f\n\r\t""#) == Self.string([0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09]))
        #expect(Self.value("\"caf\u{E9} \u{1F600}\"") == Self.string([0x63, 0x61, 0x66, 0xE9, 0x20, 0x1F600]))
        #expect(Self.value("\"a\u{7F}b\"") == Self.string([0x61, 0x7F, 0x62]))
        for bad in [#""\a""#, #""\x41""#, #""\u12g4""#, #""\u12""#, "\"a\tb\"", "\"a\nb\"", "\"a\rb\"", "\"abc"] {
            #expect(Self.isError(Array(bad.utf8)), "\(bad)")
        }
    }

    @Test func duplicateKeysKeepTheFirstPositionAndTheLastValue() {
        let expected: PythonValue = .dict([
            PythonDictEntry(key: Self.string([0x61]), value: .int(PythonInt(3))),
            PythonDictEntry(key: Self.string([0x62]), value: .int(PythonInt(2))),
        ])
        #expect(Self.value(#"{"a": 1, "b": 2, "a": 3}"#) == expected)
        // Past the point where an index of the keys is built.
        let many = "{" + (0..<60).map { "\"k\($0 % 23)\": \($0)" }.joined(separator: ",") + "}"
        guard case .dict(let entries) = Self.value(many) else {
            Issue.record("not a dict")
            return
        }
        #expect(entries.count == 23)
        #expect(entries[0] == PythonDictEntry(key: .string(PythonString("k0")), value: .int(PythonInt(46))))
        #expect(entries[22] == PythonDictEntry(key: .string(PythonString("k22")), value: .int(PythonInt(45))))
    }

    @Test func encodingAndWhitespace() {
        #expect(Self.isError([0xEF, 0xBB, 0xBF] + Array("{}".utf8)), "a UTF-8 BOM raises")
        #expect(Self.isError(Array("\"\u{FEFF}\"".utf8)) == false, "U+FEFF inside a string is text")
        for invalid: [UInt8] in [[0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE9, 0x22], [0x22, 0xE4, 0xB8]] {
            #expect(Self.isError(invalid), "\(invalid)")
        }
        #expect(Self.value(" \t\r\n[1]\r\n") == .list([.int(PythonInt(1))]))
        for space in ["\u{0C}", "\u{0B}", "\u{A0}", "\u{2028}"] {
            #expect(Self.isError(Array((space + "1").utf8)), "\(space.unicodeScalars.first!.value) is not JSON whitespace")
        }
        #expect(Self.isError([]), "an empty file raises")
        #expect(Self.isError(Array("{\"a\":1,}".utf8)), "a trailing comma raises")
        #expect(Self.isError(Array("[1] x".utf8)), "trailing garbage raises")
    }

    @Test func deepNestingIsUndeterminedUnlessTheDocumentIsBroken() {
        let depth = PythonJSON.safeNestingDepth
        #expect(Self.value(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)) != nil)
        #expect(Self.isUndetermined(String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)))
        // A million levels: no stack overflow in envlock, and a syntax error is still an error.
        let deep = String(repeating: "[", count: 1_000_000)
        #expect(Self.isUndetermined(deep + String(repeating: "]", count: 1_000_000)))
        #expect(Self.isError(Array((deep + String(repeating: "]", count: 999_999)).utf8)))
        #expect(Self.isError(Array((deep + "1," + String(repeating: "]", count: 1_000_000)).utf8)))
    }

    @Test func intsPastTheDigitLimitAreUndeterminedUnlessTheDocumentIsBroken() {
        let limit = PythonJSON.defaultIntDigitLimit
        #expect(Self.value(String(repeating: "7", count: limit)) != nil)
        #expect(Self.isUndetermined(String(repeating: "7", count: limit + 1)))
        #expect(Self.isError(Array(("[" + String(repeating: "7", count: limit + 1) + ",]").utf8)))
        #expect(Self.value(String(repeating: "7", count: limit + 1) + ".5") != nil, "the limit is for ints only")
    }

    @Test("repr of floats", arguments: [
        (4.0, "4.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (0.0001, "0.0001"), (0.00001, "1e-05"),
        (0.1, "0.1"), (-0.0, "-0.0"), (1.5e300, "1.5e+300"), (5e-324, "5e-324"), (123.456, "123.456"),
        (9007199254740993, "9007199254740992.0"), (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (12345678901234567.0, "1.2345678901234568e+16"),
    ] as [(Double, String)])
    func floatRepr(value: Double, expected: String) {
        #expect(PythonRepr.float(value) == expected)
        #expect(PythonRepr.str(.float(value)) == expected)
    }

    @Test func reprOfScalarsComplexAndContainers() {
        #expect(PythonRepr.str(.bool(true)) == "True")
        #expect(PythonRepr.repr(.none) == "None")
        #expect(PythonRepr.repr(.int(PythonInt(-42))) == "-42")
        #expect(PythonRepr.complex(real: 1, imaginary: 2) == "(1+2j)")
        #expect(PythonRepr.complex(real: 0, imaginary: 2) == "2j")
        #expect(PythonRepr.complex(real: -0.0, imaginary: -1) == "(-0-1j)")
        #expect(PythonRepr.complex(real: 0, imaginary: -0.0) == "-0j")
        #expect(PythonRepr.complex(real: 1.5, imaginary: .nan) == "(1.5+nanj)")
        #expect(PythonRepr.repr(.string(PythonString("it's"))) == #""it's""#)
        #expect(PythonRepr.repr(.string(PythonString("a'\"\\\t\u{7F}\u{E9}\u{A0}"))) == #"'a\'"\\\t\x7fé\xa0'"#)
        #expect(PythonRepr.repr(Self.string([0xD800])) == #"'\ud800'"#)
        #expect(PythonRepr.repr(.string(PythonString("\u{4E2D}"))) == nil, "printability outside Latin-1 follows each version's Unicode tables")
        #expect(PythonRepr.str(.string(PythonString("\u{4E2D}"))) == "\u{4E2D}")
        #expect(PythonRepr.repr(.tuple([.int(PythonInt(1))])) == "(1,)")
        #expect(PythonRepr.repr(.set([])) == "set()")
        #expect(PythonRepr.repr(.bytes([0x61, 0x27, 0x00])) == #"b"a'\x00""#)
        let config = Self.value(#"{"default_cfg_scale": 4.0, "default_loras": [[true, "None", 1.0]], "x": null}"#)!
        #expect(PythonRepr.repr(config) == "{'default_cfg_scale': 4.0, 'default_loras': [[True, 'None', 1.0]], 'x': None}")
    }
}

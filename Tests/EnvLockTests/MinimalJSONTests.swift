import Testing
@testable import EnvLock

@Suite struct MinimalJSONTests {
    @Test func parsesValuesAndKeepsNumbersAsWritten() throws {
        let value = try MinimalJSON.parse(Array(#"{"a": [1, -2.5e3, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}}"#.utf8))
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d\né😀"))
    }

    @Test(arguments: [#"{"a": 1"#, #"{"a" 1}"#, #"[1,]x"#, #"{"a": tru}"#, "\"\u{01}\"", #"{"a": "\ud800"}"#, #"{} {}"#, ""])
    func rejectsInvalidDocuments(text: String) {
        #expect(throws: MinimalJSON.SyntaxError.self) { try MinimalJSON.parse(Array(text.utf8)) }
    }

    @Test func topLevelStringsSkipEverythingElse() throws {
        let text = #"{"build": "h1", "files": ["bin/x", {"deep": [1, {"name": "not this"}]}], "name": "python", "size": 12, "version": "3.11.7", "z": null}"#
        #expect(try MinimalJSON.topLevelStrings(Array(text.utf8), keys: ["name", "version"]) == ["name": "python", "version": "3.11.7"])
    }

    @Test func topLevelStringsRejectBrokenDocuments() {
        #expect(throws: MinimalJSON.SyntaxError.self) {
            try MinimalJSON.topLevelStrings(Array(#"{"name": "x", "files": [1, 2"#.utf8), keys: ["name"])
        }
    }

    /// The eight-bytes-at-a-time string scan stops at a quote, a backslash or a control
    /// character wherever it falls in a word.
    @Test func stringsEndAndEscapeAtEveryOffset() throws {
        for length in 0..<20 {
            let plain = String(repeating: "a", count: length)
            #expect(try MinimalJSON.parse(Array("\"\(plain)\"".utf8)) == .string(plain))
            #expect(try MinimalJSON.parse(Array("\"\(plain)\\n\(plain)\"".utf8)) == .string(plain + "\n" + plain))
            #expect(throws: MinimalJSON.SyntaxError.self) { try MinimalJSON.parse(Array("\"\(plain)\u{01}\(plain)\"".utf8)) }
            #expect(try MinimalJSON.parse(Array("\"\(plain)é\u{7f}~\"".utf8)) == .string(plain + "é\u{7f}~"))
        }
    }
}

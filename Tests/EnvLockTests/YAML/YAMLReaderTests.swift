import Testing
@testable import EnvLock

/// Reads `text` as the file `t.yaml` and returns the error, or nil when it was accepted.
private func readError(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) -> YAMLError? {
    do {
        _ = try YAMLReader.read(bytes, path: "t.yaml", limits: limits)
        return nil
    } catch {
        return error
    }
}

private func readError(_ text: String, limits: YAMLLimits = YAMLLimits()) -> YAMLError? {
    readError(Array(text.utf8), limits: limits)
}

private func at(_ line: Int, _ column: Int) -> Mark { Mark(line: line, column: column) }

/// One document the reader must refuse, with the reason and the position it must name.
struct Rejection: CustomTestStringConvertible, Sendable {
    var document: String
    var reason: YAMLError.Reason
    var mark: Mark
    var testDescription: String { document.debugDescription }

    init(_ document: String, _ reason: YAMLError.Reason, _ line: Int, _ column: Int) {
        self.document = document
        self.reason = reason
        self.mark = Mark(line: line, column: column)
    }
}

@Suite struct YAMLReaderRejectionTests {
    static let structural: [Rejection] = [
        // Anchors and aliases, on every kind of node.
        Rejection("a: &x 1\n", .anchor("x"), 1, 4),
        Rejection("a: 1\nb: *x\n", .alias("x"), 2, 4),
        Rejection("- &s [1]\n", .anchor("s"), 1, 3),
        Rejection("&m {a: 1}\n", .anchor("m"), 1, 1),
        Rejection("a:\n  - ok\n  - &deep {b: c}\n", .anchor("deep"), 3, 5),
        // Tags, including the harmless-looking ones.
        Rejection("a: !!binary aGVsbG8=\n", .tag("!!binary"), 1, 4),
        Rejection("a: !!python/object:os.system x\n", .tag("!!python/object:os.system"), 1, 4),
        Rejection("a: !foo x\n", .tag("!foo"), 1, 4),
        Rejection("a: !!str 1\n", .tag("!!str"), 1, 4),
        Rejection("a: ! x\n", .tag("!"), 1, 4),
        Rejection("!!map {a: 1}\n", .tag("!!map"), 1, 1),
        Rejection("a: !<tag:example.com,2000:x> y\n", .tag("tag:example.com,2000:x"), 1, 4),
        // Directives.
        Rejection("%YAML 1.1\n---\na: b\n", .directive("%YAML"), 1, 1),
        Rejection("%TAG !e! tag:example.com,2000:\n---\na: b\n", .directive("%TAG"), 1, 1),
        // Merge keys; a quoted "<<" is an ordinary key.
        Rejection("<<: {a: 1}\n", .mergeKey, 1, 1),
        Rejection("b:\n  c: d\n  <<: {a: 1}\n", .mergeKey, 3, 3),
        // Complex keys.
        Rejection("? [a]\n: b\n", .complexKey, 1, 3),
        Rejection("{[a]: b}\n", .complexKey, 1, 2),
        Rejection("? {a: 1}\n: b\n", .complexKey, 1, 3),
        // Several documents.
        Rejection("a: 1\n---\nb: 2\n", .multipleDocuments, 2, 1),
        Rejection("--- a\n--- b\n", .multipleDocuments, 2, 1),
        Rejection("a: 1\n...\n---\nb: 2\n", .multipleDocuments, 3, 1),
        // Nothing to read.
        Rejection("", .emptyDocument, 1, 1),
        Rejection("# only a comment\n", .emptyDocument, 1, 1),
        Rejection("  \n\n", .emptyDocument, 1, 1),
        Rejection("---\n", .emptyDocument, 2, 1),
        Rejection("--- # nothing here\n...\n", .emptyDocument, 2, 1),
        // libyaml's own errors, at libyaml's position.
        Rejection("key: [unclosed\n", .syntax("did not find expected ',' or ']' (while parsing a flow sequence at 1:6)"), 2, 1),
        Rejection("a: b\n c: d\n", .syntax("mapping values are not allowed in this context"), 2, 3),
        Rejection("a:\n\tb: c\n", .syntax("found character that cannot start any token (while scanning for the next token at 2:1)"), 2, 1),
        Rejection("a: \"x\u{7}\"\n", .syntax("control characters are not allowed"), 1, 6),
    ]

    @Test(arguments: structural)
    func refusesAtTheOffendingEvent(_ rejection: Rejection) {
        let error = readError(rejection.document)
        #expect(error == YAMLError(path: "t.yaml", mark: rejection.mark, reason: rejection.reason))
    }

    static let duplicateKeyPairs: [(String, String)] = [
        ("1", "\"1\""), ("a", "'a'"), ("\"a\"", "a"),
        ("~", "null"), ("null", "Null"), ("NULL", "~"),
        ("true", "yes"), ("on", "TRUE"), ("no", "off"), ("False", "n"), ("Y", "true"),
        ("0x10", "16"), ("020", "16"), ("0o20", "16"), ("0b10000", "16"), ("1_000", "1000"), ("+1", "1"),
        ("1:30", "90"), ("1.0", "1"), ("1.10", "1.1"), ("1e3", "1000"), (".inf", "+.Inf"),
        ("true", "1"), ("false", "0"),
    ]

    @Test(arguments: duplicateKeyPairs)
    func refusesKeysThatSomeReaderTakesForTheSameKey(_ first: String, _ second: String) {
        let error = readError("\(first): a\n\(second): b\n")
        let secondValue = second.hasPrefix("\"") || second.hasPrefix("'") ? String(second.dropFirst().dropLast()) : second
        #expect(error == YAMLError(path: "t.yaml", mark: at(2, 1), reason: .duplicateKey(secondValue, first: at(1, 1))))
    }

    @Test func refusesAnEmptyKeyBesideANullKey() {
        #expect(readError("~: a\n? \n: b\n")?.reason == .duplicateKey("", first: at(1, 1)))
    }

    static let distinctKeys: [(String, String)] = [
        ("\"yes\"", "\"true\""), ("\"1\"", "\"01\""), ("\"null\"", "~"), ("a", "b"), ("\"<<\"", "c"),
        ("version", "Version"), ("1.2.3", "1.2.4"),
    ]

    @Test(arguments: distinctKeys)
    func acceptsKeysThatEveryReaderKeepsApart(_ first: String, _ second: String) throws {
        let root = try YAMLReader.read(Array("\(first): a\n\(second): b\n".utf8), path: "t.yaml")
        #expect(try root.mapping("test").count == 2)
    }

    @Test func duplicateKeysAreFoundInNestedAndFlowMappings() {
        #expect(readError("a:\n  b: 1\n  c:\n    x: 1\n    x: 2\n")?.mark == at(5, 5))
        #expect(readError("[{a: 1, \"a\": 2}]")?.reason == .duplicateKey("a", first: at(1, 3)))
        // The same key in two different mappings is fine.
        #expect(readError("a: {x: 1}\nb: {x: 1}\n") == nil)
    }
}

@Suite struct YAMLReaderByteTests {
    static let byteRejections: [(bytes: [UInt8], reason: YAMLError.Reason, mark: Mark)] = [
        ([0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), .byteOrderMark(encoding: "UTF-8"), at(1, 1)),
        ([0xFF, 0xFE, 0x61, 0x00, 0x3A, 0x00], .byteOrderMark(encoding: "UTF-16LE"), at(1, 1)),
        ([0xFE, 0xFF, 0x00, 0x61, 0x00, 0x3A], .byteOrderMark(encoding: "UTF-16BE"), at(1, 1)),
        ([0xFF, 0xFE, 0x00, 0x00, 0x61, 0x00, 0x00, 0x00], .byteOrderMark(encoding: "UTF-32LE"), at(1, 1)),
        ([0x00, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x00, 0x61], .byteOrderMark(encoding: "UTF-32BE"), at(1, 1)),
        (utf16("a: 1\n", bigEndian: false), .unsupportedEncoding("UTF-16LE"), at(1, 1)),
        (utf16("a: 1\n", bigEndian: true), .unsupportedEncoding("UTF-16BE"), at(1, 1)),
        ([0x61, 0, 0, 0, 0x3A, 0, 0, 0], .unsupportedEncoding("UTF-32LE"), at(1, 1)),
        ([0, 0, 0, 0x61, 0, 0, 0, 0x3A], .unsupportedEncoding("UTF-32BE"), at(1, 1)),
        (Array("a: b\nc: d".utf8) + [0] + Array("e\n".utf8), .nulByte, at(2, 5)),
        (Array("a: b\nc: ".utf8) + [0xFF] + [0x0A], .invalidUTF8, at(2, 4)),
        (Array("é: ".utf8) + [0xC0, 0x80], .invalidUTF8, at(1, 4)),
        (Array("a: ".utf8) + [0xED, 0xA0, 0x80], .invalidUTF8, at(1, 4)),
        (Array("a: ".utf8) + [0xE2, 0x82], .invalidUTF8, at(1, 4)),
        (Array("a: ".utf8) + [0xF4, 0x90, 0x80, 0x80], .invalidUTF8, at(1, 4)),
        (Array("a:\r\n  b: ".utf8) + [0x80], .invalidUTF8, at(2, 6)),
    ]

    @Test(arguments: byteRejections)
    func refusesBytesThatAreNotUTF8Text(_ bytes: [UInt8], _ reason: YAMLError.Reason, _ mark: Mark) {
        #expect(readError(bytes) == YAMLError(path: "t.yaml", mark: mark, reason: reason))
    }

    @Test func refusesAnOversizedFileBeforeLookingAtIt() throws {
        // Two MiB of NUL bytes: refused for its size, so nothing else was examined.
        let bytes = [UInt8](repeating: 0, count: 2 << 20)
        let clock = ContinuousClock()
        var error: YAMLError?
        let elapsed = clock.measure { error = readError(bytes) }
        #expect(error == YAMLError(path: "t.yaml", mark: at(1, 1), reason: .tooLarge(bytes: 2 << 20, limit: 1 << 20)))
        #expect(elapsed < .milliseconds(100))
    }

    @Test func sizeLimitIsInclusive() {
        let limits = YAMLLimits(maxBytes: 6)
        #expect(readError("a: bcd", limits: limits) == nil)
        #expect(readError("a: bcde", limits: limits)?.reason == .tooLarge(bytes: 7, limit: 6))
    }

    @Test func acceptsAFileOfExactlyOneMebibyte() throws {
        var text = "items:\n"
        var count = 0
        while text.utf8.count < (1 << 20) - 40 {
            text += "- \"0123456789abcdef\"\n"
            count += 1
        }
        text += "#" + String(repeating: "-", count: (1 << 20) - 2 - text.utf8.count) + "\n"
        #expect(text.utf8.count == 1 << 20)
        let root = try YAMLReader.read(Array(text.utf8), path: "t.yaml")
        #expect(try root.mapping("root", allowedKeys: ["items"])["items"]?.sequence("items").count == count)
    }

    static func utf16(_ text: String, bigEndian: Bool) -> [UInt8] {
        text.utf16.flatMap { unit in
            let high = UInt8(unit >> 8), low = UInt8(unit & 0xFF)
            return bigEndian ? [high, low] : [low, high]
        }
    }
}

@Suite struct YAMLReaderLimitTests {
    static let billionLaughs = HostileDocuments.billionLaughs

    @Test func billionLaughsIsRefusedAtTheFirstAnchor() {
        #expect(Self.billionLaughs.utf8.count == 342)
        let clock = ContinuousClock()
        var error: YAMLError?
        let elapsed = clock.measure { error = readError(Self.billionLaughs) }
        #expect(error == YAMLError(path: "t.yaml", mark: at(1, 4), reason: .anchor("a")))
        #expect(elapsed < .milliseconds(100))
    }

    @Test func billionLaughsWithoutAnchorsIsRefusedAtTheFirstAlias() {
        var aliasesOnly = Self.billionLaughs
        for name in "abcdefghi" { aliasesOnly = aliasesOnly.replacing("&\(name) ", with: "") }
        #expect(readError(aliasesOnly) == YAMLError(path: "t.yaml", mark: at(2, 5), reason: .alias("a")))
    }

    static func nestedFlow(depth: Int) -> String {
        String(repeating: "[", count: depth) + "x" + String(repeating: "]", count: depth)
    }

    static func nestedBlock(depth: Int) -> String {
        (0..<depth).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " leaf\n"
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        var node = try YAMLReader.read(Array(Self.nestedFlow(depth: 32).utf8), path: "t.yaml")
        for level in 1...32 { node = try node.sequence("level \(level)")[0] }
        #expect(try node.string("leaf") == "x")
        #expect(readError(Self.nestedBlock(depth: 32)) == nil)
    }

    @Test func nestingBeyondTheLimitIsRefusedWhereItStarts() {
        #expect(readError(Self.nestedFlow(depth: 33)) == YAMLError(path: "t.yaml", mark: at(1, 33), reason: .tooDeep(limit: 32)))
        #expect(readError(Self.nestedBlock(depth: 33)) == YAMLError(path: "t.yaml", mark: at(33, 65), reason: .tooDeep(limit: 32)))
        // A deep nest of 10,000 levels costs no more than the first 33.
        #expect(readError(Self.nestedFlow(depth: 10_000))?.reason == .tooDeep(limit: 32))
    }

    @Test func scalarsUpToTheLimitAreAccepted() throws {
        let value = String(repeating: "x", count: 4096)
        let root = try YAMLReader.read(Array("a: \(value)\n".utf8), path: "t.yaml")
        #expect(try root.mapping("root", allowedKeys: ["a"])["a"]?.string("a") == value)
    }

    @Test func longerScalarsAreRefused() {
        let value = String(repeating: "x", count: 4097)
        #expect(readError("a: \(value)\n") == YAMLError(path: "t.yaml", mark: at(1, 4), reason: .scalarTooLong(bytes: 4097, limit: 4096)))
        #expect(readError("? \(value)\n: b\n")?.reason == .scalarTooLong(bytes: 4097, limit: 4096))
        // The limit counts bytes of the value, not characters and not escapes.
        let twoByteCharacters = String(repeating: "é", count: 2049)
        #expect(readError("a: \"\(twoByteCharacters)\"\n")?.reason == .scalarTooLong(bytes: 4098, limit: 4096))
        #expect(readError("a: \"" + String(repeating: "\\t", count: 4096) + "\"\n") == nil)
    }
}

@Suite struct YAMLReaderDocumentTests {
    @Test func readsScalarsWithTheirStyleAndPosition() throws {
        let text = """
            plain: text
            single: 'it''s'
            double: "tab\\there"
            literal: |
              line one
              line two
            folded: >
              one
              two
            empty:

            """
        let entries = try YAMLReader.read(Array(text.utf8), path: "t.yaml").mapping("root")
        let scalars = entries.map { entry -> YAMLScalar? in
            if case .scalar(let scalar) = entry.value { return scalar }
            return nil
        }
        #expect(entries.map(\.key.value) == ["plain", "single", "double", "literal", "folded", "empty"])
        #expect(scalars == [
            YAMLScalar(value: "text", style: .plain, mark: at(1, 8)),
            YAMLScalar(value: "it's", style: .singleQuoted, mark: at(2, 9)),
            YAMLScalar(value: "tab\there", style: .doubleQuoted, mark: at(3, 9)),
            YAMLScalar(value: "line one\nline two\n", style: .literal, mark: at(4, 10)),
            YAMLScalar(value: "one two\n", style: .folded, mark: at(7, 9)),
            YAMLScalar(value: "", style: .plain, mark: at(10, 7)),
        ])
    }

    @Test func readsJSONSnapshots() throws {
        let json = #"""
            {"schema": "envlock.snapshot/1",
             "facts": {"a.b": "1", "host.name": "caf\u00e9 \"x\" \\ \/ \t", "e": ""},
             "detectors": [{"name": "x", "status": "ok"},
                           {"name": "nvml", "status": "absent", "detail": "libnvidia-ml.so.1 not found"}]}
            """#
        let root = try YAMLReader.read(Array(json.utf8), path: "snap.json")
        let top = try root.mapping("snapshot", allowedKeys: ["schema", "facts", "detectors"], requiredKeys: ["schema", "facts"])
        #expect(try top["schema"]?.string("schema") == "envlock.snapshot/1")
        let facts = try #require(top["facts"]).mapping("facts")
        #expect(facts.map(\.key.value) == ["a.b", "host.name", "e"])
        #expect(try facts.map { try $0.value.string("fact") } == ["1", "café \"x\" \\ / \t", ""])
        let detectors = try #require(top["detectors"]).sequence("detectors")
        #expect(try detectors[1].mapping("detector", allowedKeys: ["name", "status", "detail"])["detail"]?.string("detail") == "libnvidia-ml.so.1 not found")
    }

    @Test func readsCompactJSON() throws {
        let root = try YAMLReader.read(Array(#"{"a":"b","c":["d",true,null],"e":{}}"#.utf8), path: "t.json")
        let top = try root.mapping("root", allowedKeys: ["a", "c", "e"])
        #expect(try top["a"]?.string("a") == "b")
        let items = try #require(top["c"]).sequence("c")
        #expect(try items[0].string("item") == "d")
        #expect(try items[1].bool("item") == true)
        #expect(items[2].isNull)
        #expect(try top["e"]?.mapping("e").isEmpty == true)
    }

    @Test func readsJSONSurrogatePairsAsOneCharacter() throws {
        // Python's json.dumps writes U+1F602 as "\ud83d\ude02" by default.
        let json = #"{"\ud83d\ude02": "x\uD83D\uDE02y", "escaped": "\\\ud83d\ude02", "literal": "\\ud83d\\ude02"}"#
        let entries = try YAMLReader.read(Array(json.utf8), path: "t.json").mapping("root")
        #expect(entries.map(\.key.value) == ["\u{1F602}", "escaped", "literal"])
        #expect(try entries.map { try $0.value.string("value") } == ["x\u{1F602}y", "\\\u{1F602}", #"\ud83d\ude02"#])
    }

    @Test func reportsPositionsInTheOriginalTextAfterSurrogatePairs() {
        let json = #"{"\ud83d\ude02": "a", "b": "1", "b": "2"}"#
        #expect(readError(json) == YAMLError(path: "t.yaml", mark: at(1, 33), reason: .duplicateKey("b", first: at(1, 23))))
        let broken = #"{"\ud83d\ude02\ud83d\ude02": "a" "b"}"#
        #expect(readError(broken)?.mark == at(1, 34))
    }

    @Test func refusesLoneSurrogates() {
        #expect(readError(#"{"a": "\ud83d"}"#)?.reason == .syntax("found invalid Unicode character escape code (while parsing a quoted scalar at 1:7)"))
        // libyaml points at the hex digits of the first bad escape.
        #expect(readError(#"{"a": "\ude02\ud83d"}"#)?.mark == at(1, 10))
    }

    @Test func leavesSurrogateLookalikesOutsideJSONStringsAlone() throws {
        let yaml = #"single: '\ud83d\ude02'"# + "\n" + #"plain: x\ud83d\ude02"# + "\n"
        let fields = try YAMLReader.read(Array(yaml.utf8), path: "t.yaml").mapping("root", allowedKeys: ["single", "plain"])
        #expect(try fields["single"]?.string("single") == #"\ud83d\ude02"#)
        #expect(try fields["plain"]?.string("plain") == #"x\ud83d\ude02"#)
    }

    @Test func refusesDuplicateKeysInJSON() {
        #expect(readError(#"{"a": "1", "a": "2"}"#) == YAMLError(path: "t.yaml", mark: at(1, 12), reason: .duplicateKey("a", first: at(1, 2))))
    }

    @Test func readsALargeDocumentInLinearTime() throws {
        // About 100 KB, shaped like a lock's facts.
        var text = "envlock: 1\nfacts:\n"
        var index = 0
        while text.utf8.count < 100_000 {
            text += "  python.packages.package-\(index): \"==\(index).2.10+cu121\"\n"
            index += 1
        }
        let bytes = Array(text.utf8)
        let facts = try YAMLReader.read(bytes, path: "t.yaml").mapping("root", allowedKeys: ["envlock", "facts"])["facts"]!.mapping("facts")
        #expect(facts.count == index)
        var tenfold = "envlock: 1\nfacts:\n"
        for copy in 0..<10 { tenfold += text.dropFirst(18).replacing("package-", with: "p\(copy)-") }
        let tenfoldBytes = Array(tenfold.utf8)
        // The best of three runs, as other work shares the machine.
        func fastest(_ bytes: [UInt8]) throws -> Duration {
            let clock = ContinuousClock()
            var best = Duration.seconds(60)
            for _ in 0..<3 { best = min(best, try clock.measure { _ = try YAMLReader.read(bytes, path: "t.yaml") }) }
            return best
        }
        let small = try fastest(bytes)
        let big = try fastest(tenfoldBytes)
        // Ten times the size takes about ten times as long, not a hundred.
        #expect(big < small * 30, "100 KB: \(small), 1 MB: \(big)")
        #expect(small < .milliseconds(250), "a 100 KB document took \(small) to read")
    }

    @Test func describesErrorsWithFileLineColumnAndRemedy() {
        let error = YAMLError(path: "env.lock", mark: at(3, 7), reason: .anchor("base"))
        #expect(error.description == "env.lock:3:7: error: anchor '&base' is not allowed — write the repeated content out in full")
        let duplicate = YAMLError(path: "p.yaml", mark: at(4, 1), reason: .duplicateKey("1", first: at(2, 1)))
        #expect(duplicate.description == #"p.yaml:4:1: error: key "1" repeats the key at 2:1 — keep one of them (`1` and "1", `~` and `null`, `yes` and `true` count as the same key)"#)
        let size = YAMLError(path: "big.yaml", mark: at(1, 1), reason: .tooLarge(bytes: 2_097_152, limit: 1_048_576))
        #expect(size.description == "big.yaml:1:1: error: the file is 2097152 bytes, more than the limit of 1048576 bytes — envlock documents are small; check that this is the intended file")
        #expect(YAMLError(path: "", mark: at(2, 3), reason: .mergeKey).description == "2:3: error: merge key '<<' is not allowed — write the repeated content out in full")
    }

    @Test func everyReasonDescribesWhatToDo() {
        let reasons: [YAMLError.Reason] = [
            .tooLarge(bytes: 2, limit: 1), .byteOrderMark(encoding: "UTF-8"), .unsupportedEncoding("UTF-16LE"), .nulByte,
            .invalidUTF8, .emptyDocument, .multipleDocuments, .syntax("x"), .anchor("a"), .alias("a"), .tag("!x"),
            .directive("%TAG"), .mergeKey, .tooDeep(limit: 32), .scalarTooLong(bytes: 5000, limit: 4096),
            .duplicateKey("k", first: at(1, 1)), .complexKey, .wrongType(what: "w", expected: "a string", found: "a mapping"),
            .ambiguousScalar(what: "w", text: "yes", readAs: "the boolean true", yamlVersion: "1.1"),
            .unknownKey(what: "w", key: "k", allowed: ["a", "b"]), .missingKey(what: "w", key: "k"),
        ]
        for reason in reasons {
            let description = YAMLError(path: "f.yaml", mark: at(1, 2), reason: reason).description
            #expect(description.hasPrefix("f.yaml:1:2: error: "))
            let parts = description.split(separator: " — ")
            #expect(parts.count == 2 && parts.allSatisfy { $0.count > 3 }, "\(description)")
            #expect(!description.contains("\n"))
        }
    }
}

import Testing
@testable import EnvLock

/// The value of `field` in the one-line document `field: <text>`.
private func value(_ text: String) throws(YAMLError) -> YAMLNode {
    let root = try YAMLReader.read(Array("field: \(text)\n".utf8), path: "t.yaml")
    return try root.mapping("root", allowedKeys: ["field"], requiredKeys: ["field"])["field"]!
}

private func thrown<Value>(_ body: () throws(YAMLError) -> Value) -> YAMLError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

@Suite struct YAMLStringAccessTests {
    /// Plain scalars that some YAML reader turns into something other than a string, with what
    /// it becomes and which YAML version's readers do it.
    static let ambiguous: [(text: String, readAs: String, version: String)] = [
        ("yes", "the boolean true", "1.1"), ("No", "the boolean false", "1.1"), ("ON", "the boolean true", "1.1"),
        ("off", "the boolean false", "1.1"), ("y", "the boolean true", "1.1"), ("N", "the boolean false", "1.1"),
        ("true", "the boolean true", "1.1"), ("False", "the boolean false", "1.1"),
        ("~", "null", "1.1"), ("null", "null", "1.1"), ("Null", "null", "1.1"), ("NULL", "null", "1.1"), ("", "null", "1.1"),
        ("12", "the number 12", "1.1"), ("012", "the number 10", "1.1"), ("0x1f", "the number 31", "1.1"),
        ("0o7", "the number 7", "1.2"), ("1_000", "the number 1000", "1.1"), ("1_0_", "the number 10", "1.1"), ("0x_", "the number 0", "1.1"), ("-1", "the number -1", "1.1"),
        ("+1", "the number 1", "1.1"), ("0b101", "the number 5", "1.1"), ("08", "the number 8", "1.2"),
        ("1:30", "the number 90", "1.1"),
        ("1.10", "the number 1.1", "1.1"), ("2.2", "the number 2.2", "1.1"), (".5", "the number 0.5", "1.1"),
        ("1.", "the number 1.0", "1.1"), ("1e3", "the number 1000.0", "1.2"), ("1.5e+3", "the number 1500.0", "1.1"),
        ("-.5", "the number -0.5", "1.2"), (".inf", "the number inf", "1.1"), ("-.Inf", "the number -inf", "1.1"),
        (".nan", "the number nan", "1.1"), ("1:30.5", "the number 90.5", "1.1"),
        ("2024-01-01", "a date", "1.1"), ("2001-12-14t21:59:43.10-05:00", "a date", "1.1"), ("2001-12-14 21:59:43.10", "a date", "1.1"),
        ("<<", "a merge key", "1.1"), ("=", "a value key", "1.1"),
    ]

    @Test(arguments: ambiguous)
    func refusesPlainScalarsThatAReaderTurnsIntoSomethingElse(_ text: String, _ readAs: String, _ version: String) throws {
        let node = try value(text)
        let error = thrown { () throws(YAMLError) in try node.string("rule 'x' field 'version'") }
        // An empty value starts right after the colon.
        #expect(error == YAMLError(
            path: "", mark: Mark(line: 1, column: text.isEmpty ? 7 : 8),
            reason: .ambiguousScalar(what: "rule 'x' field 'version'", text: text, readAs: readAs, yamlVersion: version)))
    }

    @Test(arguments: ["\"1.10\"", "'yes'", "\"\"", "\"~\"", "'012'", "\"2024-01-01\"", "|\n  1.10\n"])
    func acceptsQuotedAndBlockScalarsWhateverTheyContain(_ text: String) throws {
        let node = try value(text)
        let unquoted = text.hasPrefix("|") ? "1.10\n" : String(text.dropFirst().dropLast())
        #expect(try node.string("field") == unquoted)
    }

    static let plainStrings = [
        "debian", "2.2.0", "6.1.0-26-amd64", "x86_64", "v1.10", "sm_90", "12.2.0.1", "1e", "0x", "0b2", "0o8", "1:60",
        "yes please", "nullable", "Yes!", "truely", "onward", "1.2.3e4", "2024-1-1", "12:30:00x", "._5", "+.5e", "0x1g",
        "NVIDIA H100 80GB HBM3", "caf\u{E9}",
    ]

    @Test(arguments: plainStrings)
    func acceptsPlainScalarsThatEveryReaderReadsAsStrings(_ text: String) throws {
        #expect(try value(text).string("field") == text)
    }

    @Test func explainsWhatToWriteInstead() throws {
        let node = try value("1.10")
        let error = try #require(thrown { () throws(YAMLError) in try node.string("rule 'host.glibc' field 'version'") })
        #expect(error.at(path: "p.yaml").description == #"p.yaml:1:8: error: rule 'host.glibc' field 'version': unquoted 1.10 would be read as the number 1.1 by YAML 1.1 tools — write "1.10""#)
        let empty = try value("")
        let emptyError = try #require(thrown { () throws(YAMLError) in try empty.string("field 'why'") })
        #expect(emptyError.description == "1:7: error: field 'why' is empty, which YAML 1.1 tools read as null — write the value, in double quotes")
    }

    @Test func refusesCollectionsWhereAStringIsExpected() throws {
        let error = thrown { () throws(YAMLError) in try value("{a: b}").string("field 'name'") }
        #expect(error == YAMLError(path: "", mark: Mark(line: 1, column: 8), reason: .wrongType(what: "field 'name'", expected: "a string", found: "a mapping")))
        #expect(thrown { () throws(YAMLError) in try value("[a]").string("w") }?.reason == .wrongType(what: "w", expected: "a string", found: "a sequence"))
    }
}

@Suite struct YAMLScalarAccessTests {
    @Test func boolAcceptsOnlyPlainTrueAndFalse() throws {
        #expect(try value("true").bool("field 'pin'") == true)
        #expect(try value("false").bool("field 'pin'") == false)
        let expected = "true or false, unquoted"
        for (text, found) in [("yes", "yes"), ("True", "True"), ("on", "on"), ("1", "1"), ("\"true\"", "the quoted string \"true\""), ("~", "null (~)"), ("", "nothing"), ("[true]", "a sequence")] {
            let error = thrown { () throws(YAMLError) in try value(text).bool("field 'pin'") }
            #expect(error?.reason == .wrongType(what: "field 'pin'", expected: expected, found: found), "\(text)")
        }
    }

    @Test func integerAcceptsOnlyDecimalDigits() throws {
        #expect(try value("1").integer("field 'envlock'") == 1)
        // envlock's writer quotes every string, so its locks say `envlock: "1"`.
        #expect(try value("\"1\"").integer("field 'envlock'") == 1)
        #expect(try value("'7'").integer("serial") == 7)
        #expect(try value("0").integer("serial") == 0)
        #expect(try value("9223372036854775807").integer("serial") == Int.max)
        for text in ["01", "\"01\"", "+1", "-1", "1_0", "\"\"", "\" 1\"", "|\n  1\n", "0x1", "1.0", "9223372036854775808", "1e3", "one", "{}"] {
            let error = thrown { () throws(YAMLError) in try value(text).integer("serial") }
            guard case .wrongType(let what, let expected, _) = error?.reason else {
                Issue.record("\(text) was not refused as a wrong type: \(String(describing: error))")
                continue
            }
            #expect(what == "serial")
            #expect(expected == "a whole number in decimal digits without leading zeros, such as 7")
        }
    }

    @Test func isNullRecognisesEveryNullForm() throws {
        for text in ["~", "null", "Null", "NULL", ""] { #expect(try value(text).isNull, "\(text)") }
        for text in ["\"\"", "'null'", "nil", "None", "{}"] { #expect(try !value(text).isNull, "\(text)") }
    }
}

@Suite struct YAMLCollectionAccessTests {
    let lock = """
        envlock: 1
        profile: "example"
        facts:
          host.os.id: "debian"
        rules: [a, b]

        """

    @Test func mappingWithAllowedKeysReturnsValuesByKey() throws {
        let root = try YAMLReader.read(Array(lock.utf8), path: "env.lock")
        let fields = try root.mapping("lock", allowedKeys: ["envlock", "profile", "facts", "rules", "signature"], requiredKeys: ["envlock", "facts"])
        #expect(Set(fields.keys) == ["envlock", "profile", "facts", "rules"])
        #expect(try fields["envlock"]?.integer("field 'envlock'") == 1)
        #expect(try fields["rules"]?.sequence("rules").map { try $0.string("rule") } == ["a", "b"])
        let facts = try #require(fields["facts"]).mapping("facts")
        #expect(facts.map(\.key) == [YAMLScalar(value: "host.os.id", style: .plain, mark: Mark(line: 4, column: 3))])
    }

    @Test func refusesUnknownKeysListingTheAllowedOnes() throws {
        let root = try YAMLReader.read(Array(lock.utf8), path: "env.lock")
        let error = thrown { () throws(YAMLError) in try root.mapping("the lock", allowedKeys: ["envlock", "facts", "rules"]) }
        #expect(error == YAMLError(path: "", mark: Mark(line: 2, column: 1), reason: .unknownKey(what: "the lock", key: "profile", allowed: ["envlock", "facts", "rules"])))
        #expect(error?.at(path: "env.lock").description == #"env.lock:2:1: error: the lock has no field "profile" — the fields are: envlock, facts, rules"#)
    }

    @Test func refusesMissingRequiredKeysAtTheMapping() throws {
        let root = try YAMLReader.read(Array("facts: {}\n".utf8), path: "env.lock")
        let error = thrown { () throws(YAMLError) in try root.mapping("the lock", allowedKeys: ["envlock", "facts"], requiredKeys: ["envlock", "facts"]) }
        #expect(error == YAMLError(path: "", mark: Mark(line: 1, column: 1), reason: .missingKey(what: "the lock", key: "envlock")))
    }

    @Test func refusesTheWrongKindOfCollection() throws {
        let root = try YAMLReader.read(Array(lock.utf8), path: "env.lock")
        #expect(thrown { () throws(YAMLError) in try root.sequence("the lock") }?.reason == .wrongType(what: "the lock", expected: "a sequence", found: "a mapping"))
        let rules = try #require(root.mapping("lock", allowedKeys: ["envlock", "profile", "facts", "rules"])["rules"])
        #expect(thrown { () throws(YAMLError) in try rules.mapping("rules") } == YAMLError(path: "", mark: Mark(line: 5, column: 8), reason: .wrongType(what: "rules", expected: "a mapping", found: "a sequence")))
        let scalar = try value("x")
        #expect(thrown { () throws(YAMLError) in try scalar.mapping("m", allowedKeys: []) }?.reason == .wrongType(what: "m", expected: "a mapping", found: "x"))
    }

    @Test func refusesDuplicateKeysInTreesBuiltByHand() {
        let key = YAMLScalar(value: "a", style: .plain, mark: Mark(line: 1, column: 1))
        let again = YAMLScalar(value: "a", style: .doubleQuoted, mark: Mark(line: 2, column: 1))
        let value = YAMLNode.scalar(YAMLScalar(value: "x", style: .doubleQuoted, mark: Mark(line: 1, column: 4)))
        let node = YAMLNode.mapping([YAMLMappingEntry(key: key, value: value), YAMLMappingEntry(key: again, value: value)], Mark(line: 1, column: 1))
        #expect(thrown { () throws(YAMLError) in try node.mapping("m", allowedKeys: ["a"]) }?.reason == .duplicateKey("a", first: Mark(line: 1, column: 1)))
    }
}

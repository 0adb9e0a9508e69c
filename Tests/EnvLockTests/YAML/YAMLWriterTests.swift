import Glibc
import Testing
@testable import EnvLock
import TestSupport

/// Decodes a tree the writer produced back into a JSONValue, through the strict accessors:
/// quoted scalars are strings, plain ones null or booleans.
private func jsonValue(_ node: YAMLNode) throws(YAMLError) -> JSONValue {
    switch node {
    case .scalar(let scalar):
        if scalar.style != .plain { return .string(try scalar.string("value")) }
        return scalar.isNull ? .null : .bool(try node.bool("value"))
    case .sequence(let items, _):
        var values: [JSONValue] = []
        for item in items { values.append(try jsonValue(item)) }
        return .array(values)
    case .mapping(let entries, _):
        var members: [JSONValue.Member] = []
        for entry in entries { members.append(JSONValue.Member(try entry.key.string("key"), try jsonValue(entry.value))) }
        return .object(members)
    }
}

private func roundTrip(_ value: JSONValue) throws -> JSONValue {
    try jsonValue(YAMLReader.read(Array(YAMLWriter.write(value).utf8), path: "written.yaml"))
}

@Suite struct YAMLWriterOutputTests {
    @Test func writesBlockStyleWithQuotedStrings() {
        let lock = JSONValue.object([
            "envlock": .string("1"),
            "profile": .string("example"),
            "rules": .object([
                "host.glibc": .object(["version": .string(">=2.31"), "severity": .string("warning")]),
                "env.CUBLAS_WORKSPACE_CONFIG": .object(["one_of": .array([.string(":4096:8"), .string(":16:8")])]),
                "gpu.*.name": .object(["pin": .bool(true)]),
            ]),
            "facts": .object(["python.packages.torch": .string("2.10"), "env.EMPTY": .string(""), "yes": .string("no")]),
            "detectors": .array([.object(["name": .string("nvml"), "status": .string("absent"), "detail": .null])]),
            "findings": .array([]),
            "host": .object([]),
        ])
        #expect(YAMLWriter.write(lock) == """
            envlock: "1"
            profile: "example"
            rules:
              host.glibc:
                version: ">=2.31"
                severity: "warning"
              env.CUBLAS_WORKSPACE_CONFIG:
                one_of:
                - ":4096:8"
                - ":16:8"
              gpu.*.name:
                pin: true
            facts:
              python.packages.torch: "2.10"
              env.EMPTY: ""
              "yes": "no"
            detectors:
            - name: "nvml"
              status: "absent"
              detail: null
            findings: []
            host: {}

            """)
    }

    @Test(arguments: [
        (JSONValue.string("x"), "\"x\"\n"), (.bool(true), "true\n"), (.bool(false), "false\n"), (.null, "null\n"),
        (.array([]), "[]\n"), (.object([]), "{}\n"), (.array([.array([]), .object([])]), "- []\n- {}\n"),
        (.array([.array([.string("a")])]), "- - \"a\"\n"),
    ])
    func writesEveryKindOfValueWithoutDocumentMarkers(_ value: JSONValue, _ expected: String) {
        #expect(YAMLWriter.write(value) == expected)
    }

    static let keys: [(key: String, written: String)] = [
        ("host.os.id", "host.os.id"), ("gpu.*.name", "gpu.*.name"), ("_private", "_private"), ("a/b-c", "a/b-c"),
        ("env.CUDA_VISIBLE_DEVICES", "env.CUDA_VISIBLE_DEVICES"),
        ("yes", "\"yes\""), ("n", "\"n\""), ("On", "\"On\""), ("null", "\"null\""), ("", "\"\""), ("1.10", "\"1.10\""),
        ("12", "\"12\""), ("a: b", "\"a: b\""), ("#x", "\"#x\""), ("- x", "\"- x\""), ("caf\u{E9}", "\"caf\u{E9}\""),
        ("*alias", "\"*alias\""), ("<<", "\"<<\""), ("a b", "\"a b\""), ("with\"quote", "\"with\\\"quote\""),
    ]

    @Test(arguments: keys)
    func quotesKeysUnlessTheyAreUnambiguousIdentifiers(_ key: String, _ written: String) {
        #expect(YAMLWriter.write(.object([JSONValue.Member(key, .string("v"))])) == "\(written): \"v\"\n")
    }

    @Test func writesUnicodeAsUTF8AndEscapesControlCharacters() {
        let text = "caf\u{E9} \u{4E2D} \u{1F600} \u{10FFFF}|\u{0}\u{7}\u{8}\t\n\r\u{1B}\u{7F}\u{85}\u{A0}\u{2028}\u{2029}\u{FEFF}\u{FFFE}\"\\"
        // NO-BREAK SPACE (U+00A0) is printable and stays as it is.
        let escapes = #"|\0\a\b\t\n\r\e\x7F\N"# + "\u{A0}" + #"\L\P\uFEFF\uFFFE\"\\""#
        #expect(YAMLWriter.write(.string(text)) == "\"caf\u{E9} \u{4E2D} \u{1F600} \u{10FFFF}" + escapes + "\n")
    }

    @Test func keepsLongStringsOnOneLine() {
        let long = String(repeating: "word ", count: 1000)
        #expect(YAMLWriter.write(.object(["k": .string(long)])) == "k: \"\(long)\"\n")
    }

    @Test func unescapesOnlyAstralEscapesInsideQuotes() {
        let output = Array(#"a: "\\U0001F600 \U0001F600 \"\U0001F600\"" "#.utf8)
        #expect(String(decoding: YAMLWriter.unescapingAstralCharacters(output), as: UTF8.self) == #"a: "\\U0001F600 😀 \"😀\"" "#)
    }
}

@Suite struct YAMLRoundTripTests {
    static let trickyStrings = [
        "", " ", "1.10", "2.10", "yes", "no", "on", "~", "null", "true", "012", "0x1f", "1e3", ".inf", "2024-01-01", "<<", "=",
        "a: b", "#x", "- x", "? x", "{a}", "[a]", "&a", "*a", "!tag", "%YAML", "|", ">", "@", "`", "'", "\"", "\\", "---", "...",
        "\n", "\t", "\r\n", " leading", "trailing ", "two  spaces", "line\nbreak", "\u{0}", "\u{7F}", "\u{85}", "\u{2028}",
        "\u{FEFF}", "\u{FFFE}", "\u{FFFF}", "caf\u{E9}", "\u{1F600}", "\u{10FFFF}", "\u{1F1E9}\u{1F1EA}", "e\u{301}",
    ]

    @Test func roundTripsTrickyStringsAsKeysAndValues() throws {
        for text in Self.trickyStrings {
            let value = JSONValue.object([JSONValue.Member(text, .string(text)), JSONValue.Member("list", .array([.string(text)]))])
            #expect(try roundTrip(value) == value, "\(text.debugDescription)")
        }
    }

    @Test func roundTripsStringsUpToTheScalarLimit() throws {
        let ascii = String(repeating: "1.10 ", count: 819) + "x"
        let wide = String(repeating: "\u{1F600}", count: 1024)
        #expect(ascii.utf8.count == 4096 && wide.utf8.count == 4096)
        let value = JSONValue.object([JSONValue.Member(ascii, .string(wide)), JSONValue.Member(wide, .array([.string(ascii)]))])
        #expect(try roundTrip(value) == value)
    }

    @Test func roundTripsGeneratedValues() throws {
        var generator = ValueGenerator(seed: 0x656E_766C_6F63_6B)
        for _ in 0..<300 {
            let value = generator.value(depth: 0)
            #expect(try roundTrip(value) == value, "\(YAMLWriter.write(value))")
        }
    }

    @Test(.enabled(if: PyYAML.isAvailable, "needs python3 with PyYAML"))
    func pyYAMLReadsWhatTheWriterWrote() throws {
        var generator = ValueGenerator(seed: 42)
        var values = (0..<150).map { _ in generator.value(depth: 0) }
        values.append(.object(Self.trickyStrings.map { JSONValue.Member($0, .string($0)) }))
        let document = JSONValue.array(values)
        let loaded = try PyYAML.loadAsJSON(YAMLWriter.write(document))
        #expect(loaded == PythonJSONWriter.dumps(document))
    }
}

/// A reproducible source of JSONValues that stress quoting and escaping.
struct ValueGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { random.next() }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    static let pieces: [String] = YAMLRoundTripTests.trickyStrings + [
        "a", "Z", "0", "9", ".", ":", ",", "-", "_", "/", "é", "中", "\u{1F680}", "\u{1}", "\u{1F}", "\u{9F}", "\u{A0}", "\u{E000}",
    ]

    mutating func string() -> String {
        switch below(20) {
        case 0:
            // Long, up to the reader's 4096-byte scalar limit.
            var text = ""
            let target = 3000 + below(1097)
            while true {
                let piece = Self.pieces[below(Self.pieces.count)]
                if text.utf8.count + piece.utf8.count > target { break }
                text += piece
            }
            return text
        case 1...6:
            return YAMLRoundTripTests.trickyStrings[below(YAMLRoundTripTests.trickyStrings.count)]
        default:
            return (0..<below(8)).map { _ in Self.pieces[below(Self.pieces.count)] }.joined()
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        switch below(depth >= 4 ? 3 : 6) {
        case 0: return .string(string())
        case 1: return below(2) == 0 ? .bool(below(2) == 0) : .null
        case 2: return .string(string())
        case 3: return .array((0..<below(5)).map { _ in value(depth: depth + 1) })
        default:
            var seen: Set<String> = []
            var members: [JSONValue.Member] = []
            for _ in 0..<below(5) {
                let key = string()
                if seen.insert(key).inserted { members.append(JSONValue.Member(key, value(depth: depth + 1))) }
            }
            return .object(members)
        }
    }
}

/// JSON exactly as Python's `json.dumps` writes it by default (ASCII only).
enum PythonJSONWriter {
    static func dumps(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return string(text)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(dumps).joined(separator: ", ") + "]"
        case .object(let members): return "{" + members.map { string($0.key) + ": " + dumps($0.value) }.joined(separator: ", ") + "}"
        }
    }

    static func string(_ text: String) -> String {
        var result = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x08: result += "\\b"
            case 0x0C: result += "\\f"
            case 0x20...0x7E: result.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return result + "\""
    }
}

/// PyYAML, through `python3`, when it is installed.
enum PyYAML {
    static let isAvailable: Bool = {
        guard let pipe = popen("python3 -c 'import yaml' 2>/dev/null", "r") else { return false }
        return pclose(pipe) == 0
    }()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What `yaml.safe_load` makes of `yaml`, written with `json.dumps`.
    static func loadAsJSON(_ yaml: String) throws -> String {
        try run("print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))", on: yaml)
    }

    /// The standard output (without its last newline) of the Python `script`, which finds the
    /// path of a file holding `yaml` in `sys.argv[1]` and has `json`, `sys` and `yaml` imported.
    static func run(_ script: String, on yaml: String) throws -> String {
        var template = Array("/tmp/envlock-yaml-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw Failure(description: "mkstemp failed") }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let bytes = Array(yaml.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else { throw Failure(description: "could not write \(path)") }
        guard let pipe = popen("python3 -c \"import json, sys, yaml; \(script)\" \(path)", "r") else { throw Failure(description: "popen failed") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count == 0 { break }
            output += buffer[0..<count]
        }
        let status = pclose(pipe)
        guard status == 0 else { throw Failure(description: "python3 exited with status \(status)") }
        var text = String(decoding: output, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

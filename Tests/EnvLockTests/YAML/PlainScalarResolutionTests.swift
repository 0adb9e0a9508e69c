import Testing
@testable import EnvLock

@Suite struct PlainScalarResolutionTests {
    /// Plain scalars near the edges of YAML 1.1's patterns. `=`, `<<` and `0x_` are left out:
    /// PyYAML fails to construct them.
    static let corpus = [
        "yes", "Yes", "YES", "yEs", "no", "NO", "nO", "on", "On", "oN", "off", "OFF", "true", "tRUE", "false", "y", "n",
        "~", "null", "nULL", "", "0", "00", "08", "012", "-012", "0_", "1_0_", "1__0", "+1", "-0", "0b101", "0b2", "0b_1",
        "0x1F", "0xg", "0x", "0o7", "1:30", "1:60", "01:30", "1:30:15", "-1:30", "1:3", "1:30.5", "0:30.5", "1:30.",
        "1.10", "1.", ".5", "._5", ".5_", "-.5", "+.5", "1.5e+3", "1.5e3", "1.5E-3", "1e3", "1.e+3", "1_0.5", "1.2.3",
        ".inf", "+.inf", "-.INF", ".Inf", "inf", ".nan", ".NaN", "-.nan", "nan",
        "2024-01-01", "2024-1-01", "2024-01-01T10:20:30Z", "2024-1-1 1:02:03", "2024-01-01t10:20:30.5 +01:00",
        "2024-01-01 10:20", "20240101", "2.2.0", "v1", "debian", "12.2", "1,000", "1 000", "0.0.0.0",
    ]

    @Test(.enabled(if: PyYAML.isAvailable, "needs python3 with PyYAML"))
    func yaml11ReadingsAgreeWithPyYAML() throws {
        let document = Self.corpus.map { "- \($0)" }.joined(separator: "\n") + "\n"
        let types = try PyYAML.run("print(' '.join(type(v).__name__ for v in yaml.safe_load(open(sys.argv[1]))))", on: document)
            .split(separator: " ").map(String.init)
        try #require(types.count == Self.corpus.count)
        for (text, type) in zip(Self.corpus, types) {
            let readings = PlainScalarResolution.readings(of: text).filter { $0.yamlVersion == "1.1" }
            // PyYAML leaves out the spec's single-letter booleans; envlock counts them.
            let envlockSeesString = readings.isEmpty || ["y", "n"].contains(text)
            #expect(envlockSeesString == (type == "str"), "\(text.debugDescription): PyYAML reads \(type), envlock \(readings)")
        }
    }

    @Test(arguments: [
        ("12", ["number:12"]), ("0x10", ["number:16"]), ("020", ["number:16", "number:20"]), ("1.0", ["number:1"]),
        ("-0.0", ["number:0"]), ("yes", ["bool:true", "number:1"]), ("~", ["null"]), ("2024-01-01", []), ("text", []),
    ])
    func keyIdentitiesCoverEveryReading(_ text: String, _ identities: [String]) {
        #expect(PlainScalarResolution.readings(of: text).flatMap(\.keyIdentities) == identities)
    }
}

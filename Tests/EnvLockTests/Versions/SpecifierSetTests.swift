import Testing
@testable import EnvLock

/// One specifier/candidate pair with packaging 26.2's three answers:
/// `contains(candidate)`, `contains(candidate, prereleases=False)` and `contains(candidate, installed=True)`.
struct ContainmentCase: Sendable, CustomTestStringConvertible {
    var specifier: String
    var candidate: String
    var byDefault: Bool
    var withoutPrereleases: Bool
    var installed: Bool

    init(_ specifier: String, _ candidate: String, _ byDefault: Bool, _ withoutPrereleases: Bool, _ installed: Bool) {
        self.specifier = specifier
        self.candidate = candidate
        self.byDefault = byDefault
        self.withoutPrereleases = withoutPrereleases
        self.installed = installed
    }

    var testDescription: String { "\(String(reflecting: specifier)) ∋ \(String(reflecting: candidate))" }
}

@Suite struct SpecifierSetTests {
    /// Produced with `python3 -c 'from packaging.specifiers import SpecifierSet as S; ...'` (packaging 26.2).
    static let cases: [ContainmentCase] = [
        // torch reports a local label; == without one ignores it, == with one needs it.
        .init("==2.2.0", "2.2.0+cu121", true, true, true),
        .init("==2.2.0+cu121", "2.2.0+cu121", true, true, true),
        .init("==2.2.0+cu121", "2.2.0", false, false, false),
        .init("==2.2.0+cu121", "2.2.0+cu118", false, false, false),
        .init("==2.2", "2.2.0", true, true, true),
        // Prefix matching.
        .init("==2.2.*", "2.2.1", true, true, true),
        .init("==2.2.*", "2.3.0", false, false, false),
        .init("==2.2.*", "2.2.0rc1", true, false, true),
        .init("==2.2.*", "2.2.0+cu121", true, true, true),
        .init("!=2.2.*", "2.2.5", false, false, false),
        .init("!=2.2.*", "2.3", true, true, true),
        // > excludes post-releases and local versions of the version itself.
        .init(">2.2", "2.2.post1", false, false, false),
        .init(">2.2", "2.2.0+cu121", false, false, false),
        .init(">2.2", "2.2.1", true, true, true),
        .init(">2.2.post1", "2.2.post2", true, true, true),
        // < excludes pre-releases of the version itself unless it is one.
        .init("<2.2", "2.2rc1", false, false, false),
        .init("<2.2", "2.2.dev0", false, false, false),
        .init("<2.2", "2.1.9", true, true, true),
        .init("<2.2rc2", "2.2rc1", true, false, true),
        // >= and <= compare the public version.
        .init(">=2.2", "2.2.0+cu121", true, true, true),
        .init("<=2.2", "2.2.0+cu121", true, true, true),
        .init("<=2.2", "2.2.post1", false, false, false),
        // A nightly torch is a pre-release that satisfies >=2.2; a candidate for 2.2 does not.
        .init(">=2.2", "2.3.0.dev20240101", true, false, true),
        .init(">=2.2", "2.2rc1", false, false, false),
        // ~=2.2 means >=2.2, ==2.*.
        .init("~=2.2", "2.9", true, true, true),
        .init("~=2.2", "3.0", false, false, false),
        .init("~=2.2", "2.1", false, false, false),
        .init("~=2.2.0", "2.2.5", true, true, true),
        .init("~=2.2.0", "2.3.0", false, false, false),
        // packaging cuts the ~= prefix from the text as written.
        .init("~=v1.0", "1.5", false, false, false),
        .init("~=1.0.c1", "1.0.5", true, true, true),
        .init("~=1.0.c1", "1.5", false, false, false),
        // === compares the string as written, ignoring case.
        .init("===2.2.0+cu121", "2.2.0+cu121", true, true, true),
        .init("===2.2.0+cu121", "2.2.0+CU121", true, true, true),
        .init("===2.2.0+cu121", "2.2.0", false, false, false),
        .init("===2.2", "2.2.0", false, false, false),
        .init("===Tesla-V100", "tesla-v100", true, true, true),
        // Strings that are not versions.
        .init(">=1.0", "not a version", false, false, false),
        .init("", "not a version", true, true, true),
        .init("", "2.0rc1", true, false, true),
        // Sets.
        .init(">=2.2,<3", "2.5", true, true, true),
        .init(">=2.2,<3", "3.0rc1", false, false, false),
        .init(">=2.2,<3", "3.0", false, false, false),
        .init(">=2.2,!=2.3.*", "2.3.1", false, false, false),
        // Epochs.
        .init("==1!2.0", "2.0", false, false, false),
        .init(">=1!0.1", "9999", false, false, false),
        // Facts other than Python packages.
        .init(">=535.104", "535.104.05", true, true, true),
        .init(">=12.1", "12.1", true, true, true),
        .init(">=2.36", "2.35", false, false, false),
    ]

    @Test(arguments: cases)
    func containsLikePackaging(_ example: ContainmentCase) throws {
        let set = try SpecifierSet(parsing: example.specifier)
        #expect(set.contains(example.candidate) == example.byDefault)
        #expect(set.contains(example.candidate, prereleases: nil) == example.byDefault)
        #expect(set.contains(example.candidate, prereleases: false) == example.withoutPrereleases)
        #expect(set.containsInstalled(example.candidate) == example.installed)
    }

    /// packaging's own `installed=True` rows, which the conformance tables leave out for lack
    /// of a column (listed in `provenance.json` under dropped rows).
    @Test(arguments: [
        ("~=1.0", "1.1.0.dev1", true), ("~=1.0", "1.1.0a1", true), ("~=1.0", "1.1.0b1", true), ("~=1.0", "1.1.0rc1", true),
        ("~=1.0", "1.1.0.post1.dev1", true), (">=1.0", "2.0.dev1", true), ("==1.*", "1.5.0a1", true),
        (">=1.0,<3.0", "2.0.dev1", true), ("!=2.0", "2.0.dev1", true), ("~=1.0", "3.0.0.dev1", false),
        (">=2.0", "1.9.0.dev1", false), (">=1.0", "1.0.0.dev1", false), ("<=1.0", "1.0.0.dev1", true),
        ("<1.0", "1.0.0.dev1", false), ("<1.0", "0.9.0.dev1", true), (">=1.0.dev1", "1.0.0.dev1", true), ("~=1.0", "1.1.0", true),
    ])
    func installedRowsFromPackagingsTestSuite(_ specifier: String, _ candidate: String, _ expected: Bool) throws {
        #expect(try SpecifierSet(parsing: specifier).containsInstalled(candidate) == expected)
    }

    @Test func textIsKeptAsWrittenButTrimmed() throws {
        let set = try SpecifierSet(parsing: "  >=2.2 ,  <3\n")
        #expect(set.text == ">=2.2 ,  <3")
        #expect(set.description == ">=2.2 ,  <3")
        #expect(set == (try SpecifierSet(parsing: ">=2.2 ,  <3")))
        #expect(set != (try SpecifierSet(parsing: ">=2.2,<3")))
    }

    @Test(arguments: ["", ",", " , ", ">=1.0,,<2", "===", "=== foo", "== 1.0", "==1.0.* ", "~=1.0,", "==\u{A0}1.0", ">=1.0\u{3000}", ">= v1.0", "==V1.0+LOCAL", "<=1!1.0"])
    func acceptsWhatPackagingAccepts(_ text: String) {
        #expect(throws: Never.self) { try SpecifierSet(parsing: text) }
    }

    @Test(arguments: ["2.0", "=>2.0", "==", "==1.0 .*", "===a;b", "===a)b", "==1.0+local.*", "~=1", ">=1.0+cu121", ">=2.2.*", "~=1.0.*", ">=2.2 <3", "==2.2.0a1.*"])
    func rejectsWhatPackagingRejects(_ text: String) {
        #expect(throws: VersionError.self) { try SpecifierSet(parsing: text) }
    }

    @Test func errorsNameTheClauseAndTheProblem() {
        #expect(
            throws: VersionError.invalidSpecifier(
                text: ">=2.2, ~=3", reason: "in clause \"~=3\": ~= needs at least two release numbers, as in ~=2.2 (meaning >=2.2, ==2.*)")
        ) { try SpecifierSet(parsing: ">=2.2, ~=3") }
        #expect(
            throws: VersionError.invalidSpecifier(
                text: ">=1.0+cu121", reason: "a local label ('+cu121') is only allowed with ==, != and ===, not with >=")
        ) { try SpecifierSet(parsing: ">=1.0+cu121") }
        do {
            _ = try SpecifierSet(parsing: "2.2")
            Issue.record("a bare version was accepted as a specifier")
        } catch {
            #expect(error.description.contains("\"2.2\" does not start with an operator"))
            #expect(error.description.contains(">=2.2, <3"))
        }
    }

    @Test func arbitraryEqualityComparesCodePointsAfterLowercasing() throws {
        let set = try SpecifierSet(parsing: "===caf\u{E9}")
        #expect(set.containsInstalled("CAF\u{C9}"))
        // Python compares code points: a decomposed é is a different string.
        #expect(!set.containsInstalled("cafe\u{301}"))
        // The Kelvin sign lowercases to k, in Python as here.
        #expect(try SpecifierSet(parsing: "===k").containsInstalled("\u{212A}"))
    }
}

import Testing
@testable import EnvLock

// Expected values below were produced by packaging 26.2 (`str(Version(text))` and its
// attributes), so these tests pin envlock to the reference implementation.

struct NormalizationCase: Sendable, CustomTestStringConvertible {
    var input: String
    var normalized: String
    var publicVersion: String
    var baseVersion: String
    var local: String?
    var testDescription: String { String(reflecting: input) }
}

@Suite struct VersionTests {
    static let normalizations: [NormalizationCase] = [
        .init(input: "1.0-RC1", normalized: "1.0rc1", publicVersion: "1.0rc1", baseVersion: "1.0"),
        .init(input: "v1.0", normalized: "1.0", publicVersion: "1.0", baseVersion: "1.0"),
        .init(input: " 1.0\n", normalized: "1.0", publicVersion: "1.0", baseVersion: "1.0"),
        .init(input: "1.0.ALPHA2", normalized: "1.0a2", publicVersion: "1.0a2", baseVersion: "1.0"),
        .init(input: "1!2.0", normalized: "1!2.0", publicVersion: "1!2.0", baseVersion: "1!2.0"),
        .init(input: "1.0-1", normalized: "1.0.post1", publicVersion: "1.0.post1", baseVersion: "1.0"),
        .init(input: "1.0.post", normalized: "1.0.post0", publicVersion: "1.0.post0", baseVersion: "1.0"),
        .init(input: "1.0_dev", normalized: "1.0.dev0", publicVersion: "1.0.dev0", baseVersion: "1.0"),
        .init(input: "2.2.0+CU121", normalized: "2.2.0+cu121", publicVersion: "2.2.0", baseVersion: "2.2.0", local: "cu121"),
        .init(input: "1.0+ubuntu-01", normalized: "1.0+ubuntu.1", publicVersion: "1.0", baseVersion: "1.0", local: "ubuntu.1"),
        .init(input: "1.0+ubuntu_1.UBUNTU", normalized: "1.0+ubuntu.1.ubuntu", publicVersion: "1.0", baseVersion: "1.0", local: "ubuntu.1.ubuntu"),
        .init(
            input: "2.3.0.dev20240101+cu121", normalized: "2.3.0.dev20240101+cu121", publicVersion: "2.3.0.dev20240101",
            baseVersion: "2.3.0", local: "cu121"),
        .init(input: "1.0a1.post2.dev3", normalized: "1.0a1.post2.dev3", publicVersion: "1.0a1.post2.dev3", baseVersion: "1.0"),
        .init(input: "1.0c1", normalized: "1.0rc1", publicVersion: "1.0rc1", baseVersion: "1.0"),
        .init(input: "1.0preview2", normalized: "1.0rc2", publicVersion: "1.0rc2", baseVersion: "1.0"),
        .init(input: "1.0rev4", normalized: "1.0.post4", publicVersion: "1.0.post4", baseVersion: "1.0"),
        .init(input: "1.0r", normalized: "1.0.post0", publicVersion: "1.0.post0", baseVersion: "1.0"),
        .init(input: "01.002.0003", normalized: "1.2.3", publicVersion: "1.2.3", baseVersion: "1.2.3"),
        .init(input: "1.0.dev.", normalized: "1.0.dev0", publicVersion: "1.0.dev0", baseVersion: "1.0"),
        .init(input: "1.0a.", normalized: "1.0a0", publicVersion: "1.0a0", baseVersion: "1.0"),
        .init(input: "535.104.05", normalized: "535.104.5", publicVersion: "535.104.5", baseVersion: "535.104.5"),
    ]

    @Test(arguments: normalizations)
    func normalizesLikePackaging(_ example: NormalizationCase) throws {
        let version = try Version(parsing: example.input)
        #expect(version.description == example.normalized)
        #expect(version.publicVersion == example.publicVersion)
        #expect(version.baseVersion == example.baseVersion)
        #expect(version.local == example.local)
        #expect(try Version(parsing: version.description) == version, "the normalized form reads back as the same version")
    }

    @Test func partsOfATorchNightly() throws {
        let version = try Version(parsing: "2.3.0.dev20240101+cu121")
        #expect(version.epoch == 0)
        #expect(version.release == [2, 3, 0])
        #expect(version.pre == nil)
        #expect(version.post == nil)
        #expect(version.dev == 20_240_101)
        #expect(version.isPrerelease && version.isDevrelease && !version.isPostrelease)
    }

    @Test func preReleaseSpellingsAreNormalized() throws {
        #expect(try Version(parsing: "1.0-RC1").pre == Version.PreRelease(kind: .releaseCandidate, number: 1))
        #expect(try Version(parsing: "1.0.beta").pre == Version.PreRelease(kind: .beta, number: 0))
        #expect(try Version(parsing: "1.0alpha3").pre == Version.PreRelease(kind: .alpha, number: 3))
    }

    @Test func equalityIgnoresSpellingAndTrailingZeros() throws {
        #expect(try Version(parsing: "1.0-RC1") == Version(parsing: "1.0rc1"))
        #expect(try Version(parsing: "v1.0") == Version(parsing: "1.0"))
        #expect(try Version(parsing: "2.2") == Version(parsing: "2.2.0.0"))
        #expect(try Version(parsing: "0!2.2") == Version(parsing: "2.2"))
        #expect(try Version(parsing: "1.0+ubuntu-01") == Version(parsing: "1.0+UBUNTU.1"))
        #expect(try Version(parsing: "2.2.0+cu121") != Version(parsing: "2.2.0"))
        #expect(try Version(parsing: "2.2.0+cu121") != Version(parsing: "2.2.0+cu118"))
    }

    @Test func equalVersionsHashAlike() throws {
        let spellings = ["2.2", "2.2.0", "v2.2.0.0", "0!2.2"]
        let hashes = Set(try spellings.map { try Version(parsing: $0).hashValue })
        #expect(hashes.count == 1)
        #expect(Set(try ["1.0+a.01", "1.0+A-1"].map { try Version(parsing: $0) }).count == 1)
    }

    @Test func sortsInPEP440Order() throws {
        // The expected order is packaging 26.2's `sorted(..., key=Version)`.
        let expected = [
            "1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.10", "1.0+local", "1.0+5",
            "1.0.post1.dev1", "1.0.post1", "1!0.1",
        ]
        let shuffled = [expected[7], expected[12], expected[0], expected[5], expected[10], expected[2], expected[9],
                        expected[1], expected[11], expected[3], expected[8], expected[4], expected[6]]
        let sorted = try shuffled.map { try Version(parsing: $0) }.sorted()
        #expect(sorted.map(\.description) == expected)
    }

    @Test func localLabelsCompareNumbersOfAnyLength() throws {
        #expect(try Version(parsing: "1.0+a") < Version(parsing: "1.0+1"))
        #expect(try Version(parsing: "1.0+1.a") < Version(parsing: "1.0+1.a.b"))
        #expect(try Version(parsing: "1.0+9999") < Version(parsing: "1.0+99999999999999999999999"))
        #expect(try Version(parsing: "1.0+0099") < Version(parsing: "1.0+100"))
    }

    @Test func epochsSortFirst() throws {
        #expect(try Version(parsing: "1!0.1") > Version(parsing: "9999.0"))
        #expect(try Version(parsing: "2.0") < Version(parsing: "1!1.0"))
    }

    @Test(arguments: ["", "1.0-", "a1.0", "1.0+", "1.0+a..b", "1.0.0.", "v", "1!", "1.0 a1", "2.2.0+cu121 extra", "Tesla V100", "1.0+\u{130}"])
    func rejectsWhatPackagingRejects(_ text: String) {
        #expect(throws: VersionError.self) { try Version(parsing: text) }
        #expect(Version(text) == nil)
    }

    @Test func errorsShowTheTextAndWhatIsWrong() {
        #expect(throws: VersionError.invalidVersion(text: "2.2.0+cu121 extra", reason: "unexpected \" extra\" after \"2.2.0+cu121\"")) {
            try Version(parsing: "2.2.0+cu121 extra")
        }
        #expect(throws: VersionError.invalidVersion(text: "", reason: "it is empty")) { try Version(parsing: "") }
        do {
            _ = try Version(parsing: "Tesla V100")
            Issue.record("a GPU name parsed as a version")
        } catch {
            #expect(error.description.contains("\"Tesla V100\""))
            #expect(error.description.contains("release number"))
            #expect(error.description.contains("such as 2.2.0"))
        }
    }

    @Test func numbersBeyondIntAreRejectedWithAReason() {
        #expect(throws: VersionError.invalidVersion(text: "1.99999999999999999999", reason: "the number 99999999999999999999 is too large (at most \(Int.max))")) {
            try Version(parsing: "1.99999999999999999999")
        }
    }

    @Test func losslessStringConversionRoundTrips() throws {
        let version = try #require(Version("2.2.0-RC1+CU121"))
        #expect(Version(version.description) == version)
        #expect(version.description == "2.2.0rc1+cu121")
    }
}

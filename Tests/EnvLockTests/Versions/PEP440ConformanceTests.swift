import Testing
@testable import EnvLock

/// Every row of the tables in `../shared/conformance/pep440/`, taken from packaging's own
/// test suite and checked against packaging 26.2 (see that folder's README).
@Suite struct PEP440ConformanceTests {
    static func table(_ name: String) throws -> [TestJSON] {
        let path = SharedData.conformance + "/pep440/" + name
        guard let rows = try TestJSON.read(path: path).array else {
            throw TestJSONError(message: "\(path) is not a JSON list", offset: 0)
        }
        return rows
    }

    /// The rows of a table, or one row that fails loudly when the file cannot be read, so a
    /// missing table is a failure rather than an empty, passing test.
    static func rows(_ name: String) -> [TestJSON] {
        do {
            let rows = try table(name)
            return rows.isEmpty ? [.string("<\(name) is empty>")] : rows
        } catch {
            return [.string("<cannot read \(name): \(error)>")]
        }
    }

    static func strings(_ name: String) -> [String] {
        rows(name).map { $0.string ?? "<not a string: \($0)>" }
    }

    @Test func tablesHaveTheDocumentedSizes() throws {
        let expected = [
            "valid.json": 269, "invalid.json": 20, "normalize.json": 149, "order.json": 92, "properties.json": 288,
            "specifiers_contains.json": 614, "invalid_specifiers.json": 29, "valid_specifiers.json": 669,
        ]
        for (name, count) in expected {
            #expect(try Self.table(name).count == count, "\(name)")
        }
    }

    @Test(arguments: strings("valid.json"))
    func validVersionParses(_ text: String) {
        #expect(throws: Never.self) { try Version(parsing: text) }
    }

    @Test(arguments: strings("invalid.json"))
    func invalidVersionIsRejected(_ text: String) {
        #expect(throws: VersionError.self) { try Version(parsing: text) }
        #expect(Version(text) == nil)
    }

    @Test(arguments: rows("normalize.json"))
    func versionNormalizes(_ row: TestJSON) throws {
        let pair = try #require(row.array)
        let input = try #require(pair[0].string)
        let normalized = try #require(pair[1].string)
        #expect(try Version(parsing: input).description == normalized)
    }

    @Test func everyPairIsOrdered() throws {
        let versions = try Self.table("order.json").map { try Version(parsing: #require($0.string)) }
        #expect(versions.count == 92)
        for (i, earlier) in versions.enumerated() {
            #expect(earlier == earlier)
            #expect(!(earlier < earlier))
            for later in versions[(i + 1)...] {
                #expect(earlier < later, "\(earlier) < \(later)")
                #expect(!(later < earlier), "not \(later) < \(earlier)")
                #expect(earlier != later, "\(earlier) != \(later)")
                #expect(earlier <= later && later > earlier && later >= earlier)
            }
        }
    }

    @Test(arguments: rows("properties.json"))
    func versionProperty(_ row: TestJSON) throws {
        let cells = try #require(row.array)
        let version = try Version(parsing: #require(cells[0].string))
        let attribute = try #require(cells[1].string)
        let expected = cells[2]
        switch attribute {
        case "public": #expect(.string(version.publicVersion) == expected)
        case "base_version": #expect(.string(version.baseVersion) == expected)
        case "epoch": #expect(version.epoch == expected.int)
        case "release": #expect(version.release == expected.array?.compactMap(\.int))
        case "local": #expect(version.local == expected.string && (version.local == nil) == expected.isNull)
        case "pre":
            if expected.isNull {
                #expect(version.pre == nil)
            } else {
                let pair = try #require(expected.array)
                #expect(version.pre?.kind.rawValue == pair[0].string)
                #expect(version.pre?.number == pair[1].int)
            }
        case "dev": #expect(version.dev == expected.int && (version.dev == nil) == expected.isNull)
        case "post": #expect(version.post == expected.int && (version.post == nil) == expected.isNull)
        case "is_prerelease": #expect(version.isPrerelease == expected.bool)
        case "is_devrelease": #expect(version.isDevrelease == expected.bool)
        case "is_postrelease": #expect(version.isPostrelease == expected.bool)
        default: Issue.record("unknown attribute \(attribute)")
        }
    }

    @Test(arguments: rows("specifiers_contains.json"))
    func specifierContains(_ row: TestJSON) throws {
        let cells = try #require(row.array)
        let specifier = try #require(cells[0].string)
        let candidate = try #require(cells[1].string)
        let expected = try #require(cells[2].bool as Bool?)
        let prereleases = cells[3].bool
        #expect(cells[3].isNull || prereleases != nil)
        let set = try SpecifierSet(parsing: specifier)
        #expect(
            set.contains(candidate, prereleases: prereleases) == expected,
            "SpecifierSet(\(String(reflecting: specifier))).contains(\(String(reflecting: candidate)), prereleases=\(cells[3]))"
        )
    }

    @Test(arguments: strings("valid_specifiers.json"))
    func validSpecifierParses(_ text: String) {
        #expect(throws: Never.self) { try SpecifierSet(parsing: text) }
    }

    @Test(arguments: strings("invalid_specifiers.json"))
    func invalidSpecifierIsRejected(_ text: String) {
        #expect(throws: VersionError.self) { try SpecifierSet(parsing: text) }
    }
}

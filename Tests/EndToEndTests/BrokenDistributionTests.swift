@testable import EnvLock
import Testing

/// A distribution that exists but cannot be read is not "not installed": no rule on its key
/// passes, and the report names the broken file.
@Suite struct BrokenDistributionTests {
    /// (name, what the broken torch dist-info holds: file name → content; nil for no file)
    static let brokenEntries: [(String, [String: String])] = [
        ("empty METADATA", ["METADATA": ""]),
        ("no Version", ["METADATA": "Metadata-Version: 2.1\nName: torch\n\nbody\n"]),
        ("no metadata file", ["RECORD": "torch/__init__.py,,\n"]),
        ("METADATA is a folder", ["METADATA/x": ""]),
    ]

    /// Rules that would pass if the broken torch counted as not installed, or as any version.
    static let rules: [(String, String)] = [
        ("absent", "{absent: true, why: \"torch must not be installed\"}"),
        ("version", "{version: \">=0\"}"),
        ("glob absent", "{absent: true}"),
    ]

    @Test(arguments: brokenEntries)
    func everyRuleOnABrokenDistributionFailsNamingTheFile(name: String, files: [String: String]) async throws {
        let folder = TemporaryFolder()
        let site = folder.file("site-packages")
        for (file, content) in files { writeFile("\(site)/torch-2.2.0.dist-info/\(file)", content) }
        writeFile("\(site)/torch/__init__.py", "")
        for (kind, rule) in Self.rules {
            let key = kind == "glob absent" ? "python.packages.tor*" : "python.packages.torch"
            for severity in ["error", "warning"] {
                let ruleText = rule.replacing("}", with: ", severity: \(severity)}")
                let profile = folder.write("p.yaml", "envlock: 1\nname: broken\nrules:\n  \(key): \(ruleText)\n")
                let verify = try await Envlock.run(["lock", "--profile", profile, "--site-packages", site, "--output", folder.file("l.lock"), "--force"])
                #expect(verify.status == 0, "\(name), \(kind): \(verify.stderr)")
                let check = try await Envlock.run(["verify", folder.file("l.lock"), "--allow-unsigned", "--site-packages", site])
                let label = "\(name), \(kind), \(severity)"
                #expect(check.status == (severity == "error" ? 1 : 0), "\(label): \(check.stdout)\(check.stderr)")
                #expect(check.stdout.contains(severity == "error" ? "FAIL" : "WARN"), "\(label): \(check.stdout)")
                #expect(check.stdout.contains("torch-2.2.0.dist-info"), "\(label): \(check.stdout)")
                #expect(check.stdout.contains("installed but cannot be read"), "\(label): \(check.stdout)")
            }
        }
    }
}

/// importlib.metadata keeps distribution names byte for byte; so does envlock.
@Suite struct UnicodeNameTests {
    @Test func precomposedAndDecomposedNamesAreTwoDistributions() async throws {
        let folder = TemporaryFolder()
        for (name, version) in [("caf\u{E9}", "1.0"), ("cafe\u{301}", "2.0")] {
            writeFile(folder.file("site/\(name)-\(version).dist-info/METADATA"), "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n\n")
        }
        let probe = try await Envlock.run(["probe", "--site-packages", folder.file("site"), "--format", "json"])
        let snapshot = try Snapshot.load(Array(probe.stdout.utf8), path: "stdout")
        #expect(snapshot.facts["python.packages.caf\\u{e9}"] == "1.0", "\(snapshot.facts)")
        #expect(snapshot.facts["python.packages.cafe\\u{301}"] == "2.0", "\(snapshot.facts)")
        #expect(snapshot.detector(named: "site-packages")?.diagnostics.contains { $0.contains("hidden") } == false)
    }
}

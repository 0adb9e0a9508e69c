#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// `verify --publish`: the verdict reaches Node Feature Discovery's feature folder and Slurm's
/// node_features/helpers, failing closed. No Kubernetes or Slurm runs here.
@Suite struct PublishTests {
    /// A signed lock named `e2e` (LockVerifyTests.profile) and an NFD-like feature folder.
    static func setUp() async throws -> (folder: TemporaryFolder, environment: [String: String], features: String) {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        let features = folder.file("features.d")
        makeFolders(features)
        #expect(chmod(features, 0o755) == 0)
        return (folder, environment, features)
    }

    static func verify(_ folder: TemporaryFolder, _ lock: String, _ extra: [String], environment: [String: String]) async throws -> ProgramResult {
        try await Envlock.run(["verify", folder.file(lock), "--trust", folder.file("key.pub.pem")] + extra, environment: environment)
    }

    /// The label lines of the feature file, comments left out.
    static func labels(_ path: String) -> [String] {
        readFile(path).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    @Test func aConformingNodeIsLabelledTrueThenFalseWhenItDrifts() async throws {
        let (folder, environment, features) = try await Self.setUp()
        let matched = try await Self.verify(folder, "env.lock", ["--publish", "nfd=" + features], environment: environment)
        #expect(matched.status == 0, "\(matched.stderr)")
        #expect(matched.stdout.contains("MATCH"))
        let file = features + "/envlock_e2e"
        let conforming = Self.labels(file)
        #expect(conforming.count == 2)
        #expect(conforming.first == "envlock_e2e=true")
        #expect(conforming.last?.hasPrefix("envlock_e2e_lock=") == true && conforming.last?.utf8.count == "envlock_e2e_lock=".count + 52)
        #expect(readFile(file).contains("# +expiry-time="))

        var drifted = environment
        drifted["CUBLAS_WORKSPACE_CONFIG"] = ":0:0"
        let drift = try await Self.verify(folder, "env.lock", ["--publish=nfd=" + features], environment: drifted)
        #expect(drift.status == 1, "\(drift.stderr)")
        #expect(Self.labels(file) == ["envlock_e2e=false", conforming.last!])
        // The reason is in the report, never in a label.
        #expect(drift.stdout.contains("CUBLAS_WORKSPACE_CONFIG"))
        #expect(!readFile(file).contains("CUBLAS"))
        #expect(readFile(features + "/envlock_e2e").utf8.count < 65_536)
    }

    @Test func aLockThatCannotBeTrustedTakesTheLabelAway() async throws {
        let (folder, environment, features) = try await Self.setUp()
        let first = try await Self.verify(folder, "env.lock", ["--publish", "nfd=" + features], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let text = folder.read("env.lock")
        folder.write("edited.lock", text.replacing("\":4096:8\"\n  host", with: "\":16:8\"\n  host"))
        let edited = try await Self.verify(folder, "edited.lock", ["--publish", "nfd=" + features], environment: environment)
        #expect(edited.status == 2)
        #expect(Self.labels(features + "/envlock_e2e").first == "envlock_e2e=false")
    }

    @Test func anUnsafeFolderIsRefusedWithExit2() async throws {
        let (folder, environment, features) = try await Self.setUp()
        #expect(symlink(features, folder.file("linked.d")) == 0)
        let linked = try await Self.verify(folder, "env.lock", ["--publish", "nfd=" + folder.file("linked.d")], environment: environment)
        #expect(linked.status == 2)
        #expect(linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
        #expect(chmod(features, 0o777) == 0)
        let open = try await Self.verify(folder, "env.lock", ["--publish", "nfd=" + features], environment: environment)
        #expect(open.status == 2)
        #expect(open.stderr.contains("written by its group or by everyone"), "\(open.stderr)")
        #expect(readFile(features + "/envlock_e2e") == "")
    }

    @Test func theExpiryFollowsPublishExpiry() async throws {
        let (folder, environment, features) = try await Self.setUp()
        let before = time(nil)
        let result = try await Self.verify(folder, "env.lock", ["--publish", "nfd=" + features, "--publish-expiry", "60"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let line = readFile(features + "/envlock_e2e").split(separator: "\n").first { $0.hasPrefix("# +expiry-time=") }
        let stamp = line.map { String($0.dropFirst("# +expiry-time=".count)) } ?? ""
        // YYYY-MM-DDTHH:MM:SSZ, now + 60 seconds.
        let expires = Timestamp(parsing: stamp)?.secondsSinceEpoch ?? 0
        #expect(expires >= Int64(before) + 60 && expires <= Int64(time(nil)) + 60, "\(stamp)")
        let refused = try await Self.verify(folder, "env.lock", ["--publish", "slurm", "--publish-expiry", "60"], environment: environment)
        #expect(refused.status == 64)
    }

    @Test func slurmGetsTheFeatureOnlyWhenTheNodeConforms() async throws {
        let (folder, environment, _) = try await Self.setUp()
        let matched = try await Self.verify(folder, "env.lock", ["--publish", "slurm"], environment: environment)
        #expect(matched.status == 0, "\(matched.stderr)")
        #expect(matched.stdout == "envlock_e2e\n")
        #expect(matched.stderr.contains("MATCH"))
        var drifted = environment
        drifted["CUBLAS_WORKSPACE_CONFIG"] = ":0:0"
        let drift = try await Self.verify(folder, "env.lock", ["--publish", "slurm", "--format", "json"], environment: drifted)
        #expect(drift.status == 1)
        #expect(drift.stdout == "")
        #expect(drift.stderr.contains("CUBLAS_WORKSPACE_CONFIG"))
        let untrusted = try await Envlock.run(["verify", folder.file("env.lock"), "--publish", "slurm", "--format", "json"], environment: environment)
        #expect(untrusted.status == 2)
        #expect(untrusted.stdout == "")
    }
}

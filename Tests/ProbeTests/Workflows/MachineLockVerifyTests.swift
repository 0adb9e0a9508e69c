@testable import EnvLock
import Testing
@testable import Probe

/// lock, verify and run's gate as workflows, on an empty image (`--root`) where torch is absent.
@Suite struct MachineLockVerifyTests {
    static let profileText = """
        envlock: 1
        name: torch-stack
        expires: "2031-01-01"
        serial: 3
        rules:
          python.packages.torch: {version: "==2.2.0", why: "kernels changed in 2.3"}
        run:
          require: ["--attention-pytorch"]
        """

    struct Fixture {
        let tree = PythonTree()
        var image: String { tree.at("image") }
        var profile: String { tree.at("p.yaml") }
        var key: String { tree.at("team.pem") }
        var publicKey: String { tree.at("team.pub.pem") }
        var settings: ProbeSettings { ProbeSettings(root: image, useCaches: false) }

        init(profile text: String = MachineLockVerifyTests.profileText) throws {
            tree.folder("image")
            tree.write("p.yaml", text)
            try KeyFiles.writeKeyPair(SigningKey.generate(), privatePath: tree.at("team.pem"))
        }
    }

    static let created = Timestamp(parsing: "2026-12-01T03:00:00Z")!

    @Test func aFailingErrorRuleRefusesTheLockUnlessForced() async throws {
        let fixture = try Fixture()
        let refused = try await MachineLock.lock(profile: fixture.profile, key: nil, serial: nil, force: false, settings: fixture.settings, environment: [:], clock: { Self.created })
        guard case .refused(let profile, let evaluation) = refused else {
            Issue.record("locked although torch is missing: \(refused)")
            return
        }
        #expect(profile.name == "torch-stack")
        #expect(evaluation.results.map(\.verdict) == [.fail])

        let forced = try await MachineLock.lock(profile: fixture.profile, key: fixture.key, serial: 9, force: true, settings: fixture.settings, environment: [:], clock: { Self.created })
        guard case .locked(let lock, let forcedEvaluation, _) = forced else {
            Issue.record("--force did not lock: \(forced)")
            return
        }
        #expect(forcedEvaluation.hasErrors)
        #expect(lock.created == Self.created)
        #expect(lock.serial == 9)
        #expect(lock.signature?.keyID == (try KeyFiles.readPublicKey(at: fixture.publicKey)).keyID)
    }

    /// An expired profile or an unreadable key stops before anything is probed.
    @Test func anExpiredProfileOrAMissingKeyIsRefused() async throws {
        let fixture = try Fixture()
        let late = Timestamp(parsing: "2031-01-01")!
        await #expect(throws: ProbeWorkflowError.input(.profileExpired(path: fixture.profile, expires: late))) {
            try await MachineLock.lock(profile: fixture.profile, key: nil, serial: nil, force: true, settings: fixture.settings, environment: [:], clock: { late })
        }
        await #expect {
            try await MachineLock.lock(profile: fixture.profile, key: fixture.tree.at("missing.pem"), serial: nil, force: true, settings: fixture.settings, environment: [:], clock: { Self.created })
        } throws: { error in
            guard case ProbeWorkflowError.input(.key(let keyError)) = error else { return false }
            return keyError.description.contains("missing.pem")
        }
    }

    @Test func verifyTrustsTheLockThenEvaluatesThisMachine() async throws {
        let fixture = try Fixture()
        let outcome = try await MachineLock.lock(profile: fixture.profile, key: fixture.key, serial: nil, force: true, settings: fixture.settings, environment: [:], clock: { Self.created })
        guard case .locked(let lock, _, _) = outcome else {
            Issue.record("--force did not lock")
            return
        }
        let lockPath = fixture.tree.write("env.lock", lock.yaml)
        let trusting = TrustRequirements(sources: TrustSources(flags: [], environment: ["ENVLOCK_TRUST": fixture.publicKey]))
        let report = try await MachineVerification.verify(lockPath, requirements: trusting, settings: fixture.settings, environment: [:], now: Self.created)
        #expect(report.lock.verdict == .signed(keyID: lock.signature!.keyID))
        #expect(report.evaluation.results.map(\.key) == ["python.packages.torch"])
        #expect(report.evaluation.hasErrors)

        let trustingNothing = TrustRequirements(sources: TrustSources(flags: [], environment: [:]))
        await #expect {
            try await MachineVerification.verify(lockPath, requirements: trustingNothing, settings: fixture.settings, environment: [:], now: Self.created)
        } throws: { error in
            guard case ProbeWorkflowError.input(.trust(.signature)) = error else { return false }
            return true
        }
    }

    /// run's gate: the machine and the arguments; either failing keeps the job from starting.
    @Test func runsGateReadsTheArgumentsAgainstTheRunPolicy() async throws {
        let fixture = try Fixture(profile: """
            envlock: 1
            name: attention
            rules:
              python.packages.torch: {absent: true}
            run:
              require: ["--attention-pytorch"]
            """)
        let outcome = try await MachineLock.lock(profile: fixture.profile, key: nil, serial: nil, force: false, settings: fixture.settings, environment: [:])
        guard case .locked(let lock, _, _) = outcome else {
            Issue.record("an absent torch should lock on an empty image")
            return
        }
        let lockPath = fixture.tree.write("env.lock", lock.yaml)
        let unsigned = TrustRequirements(sources: TrustSources(flags: [], environment: [:]), allowUnsigned: true)
        let without = try await RunGate.check(lockPath, requirements: unsigned, settings: fixture.settings, environment: [:], command: ["/bin/true", "--lowvram"])
        #expect(!without.report.evaluation.hasErrors)
        #expect(without.violations.count == 1)
        #expect(!without.allowsStart)
        let with = try await RunGate.check(lockPath, requirements: unsigned, settings: fixture.settings, environment: [:], command: ["/bin/true", "--attention-pytorch"])
        #expect(with.violations.isEmpty)
        #expect(with.allowsStart)
    }
}

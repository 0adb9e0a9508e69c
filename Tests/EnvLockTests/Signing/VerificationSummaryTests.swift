import Crypto
import Testing
@testable import EnvLock

/// `verify --attest`'s statement: what each field holds (docs/FORMAT.md, "Verdict attestations").
@Suite struct VerificationSummaryTests {
    static func summary(facts: [String: String]) throws -> VerificationSummary {
        let lock = try LockTests.sampleLock()
        let evaluation = Evaluator.evaluate(lock.rules, lockedFacts: lock.facts, snapshot: Snapshot(facts: facts))
        let trusted = TrustedLock(loaded: LoadedLock(lock: lock, path: "env.lock", recordedFingerprint: lock.fingerprint), verdict: .signed(keyID: "k"))
        return VerificationSummary(
            report: VerificationReport(lock: trusted, evaluation: evaluation, host: "gpu node/1"), host: "gpu node/1",
            lockURI: VerificationSummary.fileURI(absolutePath: "/srv/locks/env lock"), time: Timestamp(parsing: "2027-02-03T04:05:06Z")!)
    }

    static let conforming = ["python.packages.torch": "2.2.0", "gpu.0.name": "NVIDIA L4", "env.CUBLAS_WORKSPACE_CONFIG": ":4096:8"]

    @Test func passingVerdictNamesTheMachineThePolicyAndTheResult() throws {
        let summary = try Self.summary(facts: Self.conforming)
        #expect(summary.passed)
        let statement = String(decoding: JSONText.canonical(summary.statement), as: UTF8.self)
        let fingerprint = Hex.encode(try LockTests.sampleLock().fingerprintBytes)
        #expect(statement.contains(#""policy":{"digest":{"sha256":"\#(fingerprint)"},"uri":"file:///srv/locks/env%20lock"}"#), "\(statement)")
        #expect(statement.contains(#""resourceUri":"envlock:host/gpu%20node%2F1""#))
        #expect(statement.contains(#""timeVerified":"2027-02-03T04:05:06Z""#))
        #expect(statement.contains(#""verificationResult":"PASSED","verifiedLevels":["ENVLOCK_CONFORMS"]"#))
        #expect(statement.contains(#""predicateType":"https://slsa.dev/verification_summary/v1""#))
        // The subject digests the facts the rules examined, as verify's JSON results list them.
        let examined = JSONText.canonical(summary.examinedFacts)
        #expect(String(decoding: examined, as: UTF8.self).contains(#""env.NVIDIA_TF32_OVERRIDE":null"#))
        #expect(statement.contains(#""subject":[{"digest":{"sha256":"\#(Hex.encode(Array(SHA256.hash(data: examined))))"},"name":"gpu node/1"}]"#))
    }

    @Test func driftIsAFailedVerdictAndAnotherSubject() throws {
        var drifted = Self.conforming
        drifted["python.packages.torch"] = "2.3.0"
        let failed = try Self.summary(facts: drifted)
        #expect(!failed.passed)
        let statement = String(decoding: JSONText.canonical(failed.statement), as: UTF8.self)
        #expect(statement.contains(#""verificationResult":"FAILED","verifiedLevels":["FAILED"]"#))
        #expect(JSONText.canonical(failed.examinedFacts) != JSONText.canonical(try Self.summary(facts: Self.conforming).examinedFacts))
    }
}

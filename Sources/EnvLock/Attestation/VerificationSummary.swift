import Crypto

/// `envlock verify --attest`: the verdict as an in-toto statement with the SLSA Verification
/// Summary predicate (https://slsa.dev/spec/v1.0/verification_summary; slsa-framework/slsa
/// docs/spec/v1.0/verification_summary.md at 0d6a4b3a), signed in a DSSE envelope, so that CI
/// and admission controllers keep evidence that a machine conformed to a lock at a time.
///
/// A VSA says that a verifier checked an artifact against a policy. Here the lock is the
/// policy (its `digest` is the lock's fingerprint), the artifact is the state of the machine
/// the lock's rules examined (the subject: named by the host, its digest over the facts
/// found), and the machine is the resource. docs/FORMAT.md, "Verdict attestations", lists
/// every field.
public struct VerificationSummary: Sendable, Equatable {
    /// The predicate type.
    static let predicateType = "https://slsa.dev/verification_summary/v1"
    /// `verifier.id`: envlock's verify command.
    static let verifierID = "https://envlock.dev/verify"
    /// The extension member (a URI, as the VSA allows) with what a VSA has no field for.
    static let extensionMember = "https://envlock.dev/verify/v1"
    /// `verifiedLevels` of a passing verdict: envlock checks no SLSA track, so it names its
    /// own result, which the VSA allows for values that do not start with `SLSA_`.
    static let conformsLevel = "ENVLOCK_CONFORMS"

    public var report: VerificationReport
    /// This machine's name (`host.name`), which names the subject and the resource.
    public var host: String
    /// Where the lock was read from, as a URI (`file:///…`).
    var lockURI: String
    var time: Timestamp

    public init(report: VerificationReport, host: String, lockURI: String, time: Timestamp) {
        self.report = report
        self.host = host
        self.lockURI = lockURI
        self.time = time
    }

    /// Every fact the lock's rules examined, with the value found (null where none was), as
    /// `verify --format json` lists them in `results`: the machine state the subject digests.
    var examinedFacts: JSONValue {
        var found: [String: JSONValue] = [:]
        for result in report.evaluation.results where found[result.key] == nil {
            found[result.key] = result.found.map(JSONValue.string) ?? .null
        }
        return .object(found.sortedByFactKey().map { JSONValue.Member($0.key, $0.value) })
    }

    /// `PASSED` when no error rule fails (warnings allowed), as verify exits 0; else `FAILED`.
    var passed: Bool { !report.evaluation.hasErrors }

    var statement: JSONValue {
        let lock = report.lock.loaded.lock
        var envlockMembers: [JSONValue.Member] = [
            .init("lock_profile", .string(lock.profile)),
            .init("errors", .string(String(report.evaluation.errorCount))),
            .init("warnings", .string(String(report.evaluation.warningCount))),
        ]
        switch report.lock.verdict {
        case .signed(let keyID): envlockMembers.append(.init("lock_key_id", .string(keyID)))
        case .unsignedAllowed: envlockMembers.append(.init("lock_key_id", .null))
        }
        let predicate: JSONValue = .object([
            "verifier": .object(["id": .string(Self.verifierID), "version": .object(["envlock": .string(EnvlockRelease.version)])]),
            "timeVerified": .string(time.description),
            "resourceUri": .string(Self.resourceURI(host: host)),
            "policy": .object(["uri": .string(lockURI), "digest": .object(["sha256": .string(Hex.encode(lock.fingerprintBytes))])]),
            "verificationResult": .string(passed ? "PASSED" : "FAILED"),
            "verifiedLevels": .array([.string(passed ? Self.conformsLevel : "FAILED")]),
            "slsaVersion": .string("1.0"),
            Self.extensionMember: .object(envlockMembers),
        ])
        let digest = Array(SHA256.hash(data: JSONText.canonical(examinedFacts)))
        return InTotoStatement.statement(subjectName: host, sha256: digest, predicateType: Self.predicateType, predicate: predicate)
    }

    /// The statement signed with `key` in a DSSE envelope.
    public func envelope(signedWith key: SigningKey) throws(SignatureError) -> DSSEEnvelope {
        try InTotoStatement.envelope(statement, signedWith: key)
    }

    /// `envlock:host/NAME`, the name percent-encoded outside RFC 3986's unreserved characters.
    static func resourceURI(host: String) -> String {
        "envlock:host/" + percentEncoded(host)
    }

    /// `file://` and the absolute path, percent-encoded outside unreserved characters and `/`.
    public static func fileURI(absolutePath: String) -> String {
        "file://" + percentEncoded(absolutePath, keeping: [UInt8(ascii: "/")])
    }

    private static func percentEncoded(_ text: String, keeping extra: Set<UInt8> = []) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~")].contains(byte)
            if unreserved || extra.contains(byte) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// Locks exported as in-toto statements in DSSE envelopes (`lock --envelope`), read by `verify`
/// as the lock, verdicts written as signed SLSA verification summaries (`verify --attest`), and
/// both checked against the reference implementations from PyPI.
@Suite struct AttestationTests {
    typealias Fixture = (folder: TemporaryFolder, environment: [String: String])

    /// A key pair, a second one for verdicts, and a lock written both as YAML and as an envelope.
    static func fixture() async throws -> Fixture {
        let folder = TemporaryFolder()
        folder.write("profile.yaml", LockVerifyTests.profile)
        var environment = Envlock.baseEnvironment()
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        for key in ["key.pem", "attest.pem", "other.pem"] {
            let keygen = try await Envlock.run(["keygen", "--output", folder.file(key)], environment: environment)
            #expect(keygen.status == 0, "\(keygen.stderr)")
        }
        let lock = try await Envlock.run(
            ["lock", "--profile", folder.file("profile.yaml"), "--key", folder.file("key.pem"), "--output", folder.file("env.lock"), "--envelope", folder.file("env.dsse.json")],
            environment: environment)
        #expect(lock.status == 0, "\(lock.stderr)")
        #expect(lock.unwrappedStderr.contains("wrote \(folder.file("env.lock")) and \(folder.file("env.dsse.json"))"), "\(lock.stderr)")
        return (folder, environment)
    }

    static func verify(_ fixture: Fixture, _ lockName: String, trust: String = "key.pub.pem", _ extra: [String] = [], environment: [String: String]? = nil) async throws -> ProgramResult {
        try await Envlock.run(["verify", fixture.folder.file(lockName), "--trust", fixture.folder.file(trust)] + extra, environment: environment ?? fixture.environment)
    }

    @Test func verifyReadsTheEnvelopeAsTheLockOnlyWithATrustedKey() async throws {
        let fixture = try await Self.fixture()
        let keyID = try KeyFiles.readPublicKey(at: fixture.folder.file("key.pub.pem")).keyID
        let trusted = try await Self.verify(fixture, "env.dsse.json")
        #expect(trusted.status == 0, "\(trusted.stdout)\(trusted.stderr)")
        #expect(trusted.unwrappedStdout.contains("(profile \"e2e\", signed by trusted key \(keyID))"), "\(trusted.stdout)")
        // The same report as for the YAML lock it was exported with, rules listed in canonical
        // (sorted) order: the order is not part of the fingerprint, and the statement is canonical.
        let yaml = try await Self.verify(fixture, "env.lock", ["--format", "json"])
        let envelope = try await Self.verify(fixture, "env.dsse.json", ["--format", "json"])
        #expect(yaml.stdout.replacing("env.lock", with: "env.dsse.json").split(separator: "\n").sorted() == envelope.stdout.split(separator: "\n").sorted())
        #expect(envelope.stdout.contains("\"verdict\": \"match\""))

        let other = try await Self.verify(fixture, "env.dsse.json", trust: "other.pub.pem")
        #expect(other.status == 2)
        #expect(other.unwrappedStderr.contains("the lock is signed by key \(keyID), which is not trusted here"), "\(other.stderr)")
        // --allow-unsigned never stands in for the key check.
        let unsigned = try await Envlock.run(["verify", fixture.folder.file("env.dsse.json"), "--allow-unsigned"], environment: fixture.environment)
        #expect(unsigned.status == 2)
        #expect(unsigned.unwrappedStderr.contains("no public key is trusted"), "\(unsigned.stderr)")
    }

    @Test func anEnvelopeNeedsAKeyAndItsOwnFile() async throws {
        let fixture = try await Self.fixture()
        let unsigned = try await Envlock.run(["lock", "--profile", fixture.folder.file("profile.yaml"), "-o", fixture.folder.file("u.lock"), "--envelope", fixture.folder.file("u.json")], environment: fixture.environment)
        #expect(unsigned.status == 64)
        #expect(unsigned.stderr.contains("--envelope needs --key"), "\(unsigned.stderr)")
        // The envelope never replaces a file lock read: here, the signing key.
        let ontoKey = try await Envlock.run(
            ["lock", "--profile", fixture.folder.file("profile.yaml"), "--key", fixture.folder.file("key.pem"), "-o", fixture.folder.file("k.lock"), "--envelope", fixture.folder.file("key.pem")],
            environment: fixture.environment)
        #expect(ontoKey.status == 2)
        #expect(ontoKey.unwrappedStderr.contains("--envelope \(fixture.folder.file("key.pem")) is the signing key, which this command read"), "\(ontoKey.stderr)")
    }

    @Test func signedBytesAndDiffReadTheEnvelope() async throws {
        let fixture = try await Self.fixture()
        // The bytes the envelope's signature covers, checked by openssl as for a YAML lock.
        let bytes = try await Envlock.run(["signed-bytes", fixture.folder.file("env.dsse.json")], environment: fixture.environment)
        #expect(bytes.status == 0, "\(bytes.stderr)")
        #expect(bytes.stdout.hasPrefix("DSSEv1 28 application/vnd.in-toto+json "), "\(bytes.stdout.prefix(80))")
        let envelope = try DSSEEnvelope.parse(Array(fixture.folder.read("env.dsse.json").utf8))
        try TestFiles.write(Array(bytes.stdout.utf8), to: fixture.folder.file("bytes"))
        try TestFiles.write(envelope.signature.value, to: fixture.folder.file("sig"))
        let openssl = try await runProgram(
            "openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", fixture.folder.file("key.pub.pem"), "-rawin", "-in", fixture.folder.file("bytes"), "-sigfile", fixture.folder.file("sig")],
            environment: fixture.environment)
        #expect(openssl.status == 0, "\(openssl.stdout)\(openssl.stderr)")
        // The envelope holds the same lock as the YAML file.
        let diff = try await Envlock.run(["diff", fixture.folder.file("env.lock"), fixture.folder.file("env.dsse.json")], environment: fixture.environment)
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
    }

    /// The verdict file read back: its envelope verified with `key`, and the statement.
    static func verdict(_ path: String, key: String) throws -> MinimalJSON.Value {
        let envelope = try DSSEEnvelope.parse(Array(readFile(path).utf8))
        #expect(try envelope.verify(trustedKeys: [KeyFiles.readPublicKey(at: key)]) == KeyFiles.readPublicKey(at: key))
        #expect(envelope.payloadType == "application/vnd.in-toto+json")
        return try MinimalJSON.parse(envelope.payload)
    }

    @Test func attestWritesThePassingAndTheFailingVerdictSigned() async throws {
        let fixture = try await Self.fixture()
        let attest = ["--attest", fixture.folder.file("verdict.json"), "--attest-key", fixture.folder.file("attest.pem")]
        let fingerprint = try LoadedLock.load(at: fixture.folder.file("env.lock")).lock.fingerprintBytes

        let passed = try await Self.verify(fixture, "env.dsse.json", attest)
        #expect(passed.status == 0, "\(passed.stderr)")
        let statement = try Self.verdict(fixture.folder.file("verdict.json"), key: fixture.folder.file("attest.pub.pem"))
        #expect(statement["_type"] == .string("https://in-toto.io/Statement/v1"))
        #expect(statement["predicateType"] == .string("https://slsa.dev/verification_summary/v1"))
        let predicate = try #require(statement["predicate"])
        #expect(predicate["verificationResult"] == .string("PASSED"))
        #expect(predicate["verifiedLevels"] == .array([.string("ENVLOCK_CONFORMS")]))
        #expect(predicate["verifier"]?["id"] == .string("https://envlock.dev/verify"))
        #expect(predicate["policy"]?["digest"]?["sha256"] == .string(Hex.encode(fingerprint)))
        #expect(predicate["policy"]?["uri"] == .string("file://" + fixture.folder.file("env.dsse.json")))
        guard case .string(let time) = predicate["timeVerified"] else { Issue.record("no timeVerified: \(predicate)"); return }
        #expect(Timestamp(parsing: time) != nil, "\(time)")

        // Drift (the workspace setting is gone): exit 1, and the verdict says FAILED.
        var drifted = fixture.environment
        drifted["CUBLAS_WORKSPACE_CONFIG"] = nil
        let failed = try await Self.verify(fixture, "env.lock", attest, environment: drifted)
        #expect(failed.status == 1, "\(failed.stderr)")
        let failedPredicate = try #require(try Self.verdict(fixture.folder.file("verdict.json"), key: fixture.folder.file("attest.pub.pem"))["predicate"])
        #expect(failedPredicate["verificationResult"] == .string("FAILED"))
        #expect(failedPredicate["verifiedLevels"] == .array([.string("FAILED")]))
    }

    @Test func attestNeverReplacesAnInputAndNeedsItsKey() async throws {
        let fixture = try await Self.fixture()
        let before = fixture.folder.read("env.lock")
        let ontoLock = try await Self.verify(fixture, "env.lock", ["--attest", fixture.folder.file("env.lock"), "--attest-key", fixture.folder.file("attest.pem")])
        #expect(ontoLock.status == 2)
        #expect(ontoLock.unwrappedStderr.contains("--attest \(fixture.folder.file("env.lock")) is the lock, which this command read"), "\(ontoLock.stderr)")
        #expect(fixture.folder.read("env.lock") == before)

        let noKey = try await Self.verify(fixture, "env.lock", ["--attest", fixture.folder.file("v.json")])
        #expect(noKey.status == 64)
        #expect(noKey.stderr.contains("--attest needs --attest-key"), "\(noKey.stderr)")
        let publicKey = try await Self.verify(fixture, "env.lock", ["--attest", fixture.folder.file("v.json"), "--attest-key", fixture.folder.file("attest.pub.pem")])
        #expect(publicKey.status == 2)
        #expect(!fileExists(fixture.folder.file("v.json")))

        // No verdict for a lock that cannot be trusted: nothing is written.
        let untrusted = try await Self.verify(fixture, "env.lock", trust: "other.pub.pem", ["--attest", fixture.folder.file("v.json"), "--attest-key", fixture.folder.file("attest.pem")])
        #expect(untrusted.status == 2)
        #expect(!fileExists(fixture.folder.file("v.json")))
    }

    @Test func hostileEnvelopesExitTwoWithTheirReason() async throws {
        let fixture = try await Self.fixture()
        let key = try KeyFiles.readPrivateKey(at: fixture.folder.file("key.pem"))
        let exported = fixture.folder.read("env.dsse.json")
        let envelope = try DSSEEnvelope.parse(Array(exported.utf8))
        let payload = Base64Codec.encode(envelope.payload)
        let signature = Base64Codec.encode(envelope.signature.value)
        let statement = String(decoding: envelope.payload, as: UTF8.self)
        let digest = try #require(statement.firstMatch(of: #/"sha256":"([0-9a-f]{64})"/#)?.output.1)
        func signed(_ text: String, type: String = "application/vnd.in-toto+json", with signer: SigningKey = key) throws -> String {
            try DSSEEnvelope.sign(payloadType: type, payload: Array(text.utf8), with: signer).json
        }
        let cases: [(String, String, String)] = [
            ("wrong payloadType", try signed(statement, type: "application/json"), "payloadType is \"application/json\""),
            ("two signatures", exported.replacing("\"signatures\": [", with: "\"signatures\": [{\"keyid\": \"\", \"sig\": \"\(signature)\"}, "), "2 signatures"),
            ("URL-safe base64", exported.replacing(payload, with: "-_-_" + payload.dropFirst(4)), "not standard padded base64"),
            ("unpadded base64", exported.replacing(signature, with: String(signature.prefix { $0 != "=" })), "not standard padded base64"),
            ("another lock's digest", try signed(statement.replacing(String(digest), with: String(repeating: "0", count: 64))), "not the lock it claims"),
            ("statement v0.1", try signed(statement.replacing("https://in-toto.io/Statement/v1", with: "https://in-toto.io/Statement/v0.1")), "in-toto Statement v1 only"),
            ("bad JSON", "{\"payloadType\": [", "not JSON"),
            ("missing signatures", "{\"payload\": \"\(payload)\", \"payloadType\": \"application/vnd.in-toto+json\"}", "no member 'signatures'"),
            ("another key", try signed(statement, with: try KeyFiles.readPrivateKey(at: fixture.folder.file("other.pem"))), "not trusted here"),
            ("oversize", exported.replacing("\"payloadType\"", with: "\"pad\": \"\(String(repeating: "x", count: 1 << 20))\", \"payloadType\""), "larger than"),
        ]
        for (name, text, reason) in cases {
            fixture.folder.write("hostile.json", text)
            let result = try await Self.verify(fixture, "hostile.json")
            #expect(result.status == 2, "\(name): exit \(result.status)")
            #expect(result.unwrappedStderr.contains(reason), "\(name): \(result.stderr)")
        }
    }

    // MARK: - The reference implementations (securesystemslib, in-toto)

    static let script = SharedData.packageRoot + "/scripts/dsse-interop.py"
    /// The interpreter of the virtual environment scripts/install-test-deps.sh makes for them.
    static let python = SharedData.packageRoot + "/.test-deps/dsse/bin/python3"

    /// Whether that interpreter imports securesystemslib (with pyca/cryptography) and in-toto.
    static func referenceLibrariesPresent() async -> Bool {
        guard fileExists(python) else { return false }
        do {
            return try await runProgram(python, ["-c", "import cryptography, securesystemslib.dsse, in_toto.models.metadata"], environment: Envlock.baseEnvironment()).status == 0
        } catch {
            return false
        }
    }

    /// Where the libraries must be present: CI, and scripts/test.sh, which installs them first.
    static var referenceLibrariesRequired: Bool {
        func variable(_ name: String) -> String { getenv(name).map { String(cString: $0) } ?? "" }
        return !variable("CI").isEmpty || variable("ENVLOCK_REQUIRE_TEST_DEPS") == "1"
    }

    @Test(.enabled("needs securesystemslib[crypto] and in-toto in .test-deps/dsse (scripts/install-test-deps.sh installs them); skipped here, required in CI and by scripts/test.sh") { await referenceLibrariesPresent() || referenceLibrariesRequired }, .timeLimit(.minutes(5)))
    func securesystemslibAndInTotoVerifyEnvlocksEnvelopes() async throws {
        try #require(await Self.referenceLibrariesPresent(), "securesystemslib and in-toto are missing from .test-deps/dsse; run scripts/install-test-deps.sh")
        let fixture = try await Self.fixture()
        let lock = try await runProgram(Self.python, [Self.script, "verify", fixture.folder.file("env.dsse.json"), fixture.folder.file("key.pub.pem")], environment: Envlock.baseEnvironment())
        #expect(lock.status == 0, "\(lock.stdout)\(lock.stderr)")
        #expect(lock.stdout.contains("securesystemslib: signature verified") && lock.stdout.contains("in-toto: signature verified"), "\(lock.stdout)")
        #expect(lock.stdout.contains("tampered copy: refused by both"), "\(lock.stdout)")

        let attested = try await Self.verify(fixture, "env.lock", ["--attest", fixture.folder.file("verdict.json"), "--attest-key", fixture.folder.file("attest.pem")])
        #expect(attested.status == 0, "\(attested.stderr)")
        let verdict = try await runProgram(Self.python, [Self.script, "verify", fixture.folder.file("verdict.json"), fixture.folder.file("attest.pub.pem")], environment: Envlock.baseEnvironment())
        #expect(verdict.status == 0, "\(verdict.stdout)\(verdict.stderr)")
        #expect(verdict.stdout.contains("verification summary PASSED"), "\(verdict.stdout)")
    }

    @Test(.enabled("needs securesystemslib[crypto] and in-toto in .test-deps/dsse (scripts/install-test-deps.sh installs them); skipped here, required in CI and by scripts/test.sh") { await referenceLibrariesPresent() || referenceLibrariesRequired }, .timeLimit(.minutes(5)))
    func envlockVerifiesAnEnvelopeSecuresystemslibSigned() async throws {
        try #require(await Self.referenceLibrariesPresent(), "securesystemslib and in-toto are missing from .test-deps/dsse; run scripts/install-test-deps.sh")
        let fixture = try await Self.fixture()
        let sign = try await runProgram(Self.python, [Self.script, "sign", fixture.folder.file("env.dsse.json"), fixture.folder.file("key.pem"), fixture.folder.file("python.dsse.json")], environment: Envlock.baseEnvironment())
        #expect(sign.status == 0, "\(sign.stdout)\(sign.stderr)")
        // Not envlock's bytes: indented JSON, and securesystemslib's key id rather than envlock's.
        let keyID = try KeyFiles.readPublicKey(at: fixture.folder.file("key.pub.pem")).keyID
        let written = try DSSEEnvelope.parse(Array(fixture.folder.read("python.dsse.json").utf8))
        #expect(written.signature.keyID != keyID)
        #expect(written.payload != (try DSSEEnvelope.parse(Array(fixture.folder.read("env.dsse.json").utf8))).payload)

        let verified = try await Self.verify(fixture, "python.dsse.json")
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.unwrappedStdout.contains("signed by trusted key \(keyID)"), "\(verified.stdout)")
        let untrusted = try await Self.verify(fixture, "python.dsse.json", trust: "other.pub.pem")
        #expect(untrusted.status == 2, "\(untrusted.stderr)")
    }
}

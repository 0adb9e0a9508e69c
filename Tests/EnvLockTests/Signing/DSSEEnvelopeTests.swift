import Testing
import TestSupport
@testable import EnvLock

/// Locks as in-toto statements in DSSE envelopes: the encoding, round trips, and every way an
/// envelope can be wrong, each refused with its reason.
@Suite struct DSSEEnvelopeTests {
    static let key = try! SigningKey(seed: Array(repeating: 7, count: 32))
    static let otherKey = try! SigningKey(seed: Array(repeating: 9, count: 32))
    static let now = Timestamp(parsing: "2027-01-01T00:00:00Z")!

    /// The test vector of the DSSE protocol (secure-systems-lab/dsse protocol.md, "Test Vectors").
    @Test func preAuthenticationEncodingMatchesTheSpecificationsVector() {
        let bytes = SignedMessage.bytes(payloadType: "http://example.com/HelloWorld", body: Array("hello world".utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    static func policy(_ keys: [SigningKey] = [key], allowUnsigned: Bool = false) -> TrustPolicy {
        TrustPolicy(trustedKeys: keys.map(\.verifyingKey), allowUnsigned: allowUnsigned, now: now)
    }

    static func exported() throws -> (lock: Lock, text: String) {
        let lock = try LockTests.sampleLock()
        return (lock, try lock.envelope(signedWith: key).json)
    }

    @Test func exportedLockReadsBackAsTheSameLockSignedByTheKey() throws {
        let (lock, text) = try Self.exported()
        let loaded = try LoadedLock.load(Array(text.utf8), path: "env.dsse.json")
        #expect(loaded.lock.canonicalBytes == lock.canonicalBytes)
        #expect(loaded.lock.fingerprint == lock.fingerprint)
        #expect(loaded.envelope?.payloadType == "application/vnd.in-toto+json")
        #expect(try loaded.checkTrust(Self.policy()) == .signed(keyID: Self.key.verifyingKey.keyID))
    }

    @Test func statementHasTheDocumentedShape() throws {
        let lock = try LockTests.sampleLock()
        let statement = String(decoding: JSONText.canonical(lock.statement), as: UTF8.self)
        let fingerprint = Hex.encode(lock.fingerprintBytes)
        #expect(statement.hasPrefix(#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"created":"2026-11-28T23:14:04Z""#))
        #expect(statement.hasSuffix(#""predicateType":"https://envlock.dev/lock/v1","subject":[{"digest":{"sha256":"\#(fingerprint)"},"name":"sample"}]}"#))
        #expect(statement.contains(String(decoding: lock.canonicalBytes, as: UTF8.self)))
        // The payload is the canonical statement, so that exporting twice gives the same bytes.
        let envelope = try lock.envelope(signedWith: Self.key)
        #expect(envelope.payload == JSONText.canonical(lock.statement))
        #expect(envelope.json == (try lock.envelope(signedWith: Self.key)).json)
    }

    @Test func envelopeSignedWithAnotherKeyIsUntrusted() throws {
        let lock = try LockTests.sampleLock()
        let text = try lock.envelope(signedWith: Self.otherKey).json
        let loaded = try LoadedLock.load(Array(text.utf8), path: "env.dsse.json")
        #expect(throws: TrustError.signature(path: "env.dsse.json", .untrustedKey(keyID: Self.otherKey.verifyingKey.keyID, trusted: [Self.key.verifyingKey.keyID]))) {
            try loaded.checkTrust(Self.policy())
        }
        // --allow-unsigned never lets an envelope through without a trusted key.
        #expect(throws: TrustError.self) { try loaded.checkTrust(Self.policy([], allowUnsigned: true)) }
    }

    @Test func keyIDIsAHintTheSignatureDecides() throws {
        let lock = try LockTests.sampleLock()
        var envelope = try lock.envelope(signedWith: Self.key)
        // Another tool's key id (securesystemslib names keys its own way): the trusted key still verifies.
        envelope.signature.keyID = String(repeating: "ab", count: 32)
        let loaded = try LoadedLock.load(Array(envelope.json.utf8), path: "e")
        #expect(try loaded.checkTrust(Self.policy([Self.otherKey, Self.key])) == .signed(keyID: Self.key.verifyingKey.keyID))
        // A key id naming a trusted key that did not sign: refused, not tried with others.
        envelope.signature.keyID = Self.otherKey.verifyingKey.keyID
        let misnamed = try LoadedLock.load(Array(envelope.json.utf8), path: "e")
        #expect(throws: TrustError.signature(path: "e", .invalid(keyID: Self.otherKey.verifyingKey.keyID))) {
            try misnamed.checkTrust(Self.policy([Self.otherKey, Self.key]))
        }
    }

    /// An envelope around `payload` (a statement's JSON), signed by the trusted key.
    static func signed(_ payload: String, payloadType: String = InTotoStatement.payloadType) throws -> String {
        try DSSEEnvelope.sign(payloadType: payloadType, payload: Array(payload.utf8), with: key).json
    }

    /// The exported statement's canonical text with `old` replaced by `new`, signed again.
    static func resignedStatement(replacing old: String, with new: String) throws -> String {
        let lock = try LockTests.sampleLock()
        let statement = String(decoding: JSONText.canonical(lock.statement), as: UTF8.self)
        #expect(statement.contains(old), "the statement has no \(old)")
        return try signed(statement.replacing(old, with: new))
    }

    static func hostileEnvelopes() throws -> [(name: String, text: String, reason: String)] {
        let (lock, text) = try exported()
        let envelope = try lock.envelope(signedWith: key)
        let payload = Base64Codec.encode(envelope.payload)
        let signature = Base64Codec.encode(envelope.signature.value)
        // The URL-safe alphabet's own characters (`-`, `_`), whatever the payload's base64 happens to hold.
        let urlSafe = "-_-_" + payload.dropFirst(4)
        let unpadded = String(signature.prefix { $0 != "=" })
        let fingerprint = Hex.encode(lock.fingerprintBytes)
        var cases: [(String, String, String)] = [
            ("wrong payloadType", try signed(String(decoding: envelope.payload, as: UTF8.self), payloadType: "application/json"), "payloadType is \"application/json\""),
            ("envlock's own lock payload type", try signed(String(decoding: lock.canonicalBytes, as: UTF8.self), payloadType: SignedMessage.payloadType), "not \"application/vnd.in-toto+json\""),
            ("two signatures", text.replacing("\"signatures\": [", with: "\"signatures\": [{\"keyid\": \"\", \"sig\": \"\(signature)\"}, "), "2 signatures"),
            ("no signature", #"{"payload": "\#(payload)", "payloadType": "application/vnd.in-toto+json", "signatures": []}"#, "0 signatures"),
            ("URL-safe base64", text.replacing(payload, with: urlSafe), "not standard padded base64"),
            ("unpadded base64", text.replacing(signature, with: unpadded), "not standard padded base64"),
            ("bad JSON", "{\"payloadType\": ", "not JSON"),
            ("missing payload", #"{"payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": "\#(signature)"}]}"#, "no member 'payload'"),
            ("missing sig", text.replacing("\"sig\"", with: "\"sag\""), "'sag'"),
            ("unknown envelope member", text.replacing("\"payloadType\"", with: "\"extra\": 1, \"payloadType\""), "'extra'"),
            ("statement v0.1", try resignedStatement(replacing: "https://in-toto.io/Statement/v1", with: "https://in-toto.io/Statement/v0.1"), "_type is \"https://in-toto.io/Statement/v0.1\""),
            ("another predicate", try resignedStatement(replacing: "https://envlock.dev/lock/v1", with: "https://slsa.dev/provenance/v1"), "predicateType is \"https://slsa.dev/provenance/v1\""),
            ("subject digest of another lock", try resignedStatement(replacing: fingerprint, with: String(repeating: "0", count: 64)), "not the lock it claims"),
            ("predicate changed under the subject", try resignedStatement(replacing: "\"host\":\"node-1\"", with: "\"host\":\"node-2\""), "not the lock it claims"),
            ("two subjects", try resignedStatement(replacing: "\"subject\":[", with: "\"subject\":[{\"name\":\"x\",\"digest\":{\"sha256\":\"\(fingerprint)\"}},"), "exactly one subject"),
            ("a number in the predicate", try resignedStatement(replacing: "\"serial\":\"7\"", with: "\"serial\":7"), "the number 7"),
            ("a fingerprint member in the predicate", try resignedStatement(replacing: "\"serial\":\"7\"", with: "\"serial\":\"7\",\"signature\":{\"algorithm\":\"ed25519\",\"key_id\":\"\(String(repeating: "a", count: 64))\",\"value\":\"\"}"), "something a lock does not"),
            ("a predicate field envlock does not know", try resignedStatement(replacing: "\"serial\":\"7\"", with: "\"serial\":\"7\",\"zzz\":\"1\""), "zzz"),
            ("payload not JSON", try signed("not json"), "payload is not JSON"),
        ]
        cases.append(("missing predicate", try resignedStatement(replacing: "\"predicateType\"", with: "\"predicateTyp\""), "'predicateTyp'"))
        return cases
    }

    @Test func hostileEnvelopesAreRefusedWithTheirReason() throws {
        for (name, text, reason) in try Self.hostileEnvelopes() {
            do {
                let loaded = try LoadedLock.load(Array(text.utf8), path: "hostile.json")
                _ = try loaded.checkTrust(Self.policy())
                Issue.record("\(name): accepted")
            } catch {
                #expect("\(error)".contains(reason), "\(name): \(error)")
            }
        }
    }

    @Test func anEnvelopeLargerThanALockIsNotRead() throws {
        let folder = try TestFiles.scratchFolder()
        defer { TestFiles.removeTree(folder) }
        let (_, text) = try Self.exported()
        let padded = text.replacing("\"payloadType\"", with: "\"pad\": \"\(String(repeating: "x", count: 1 << 20))\", \"payloadType\"")
        try TestFiles.write(Array(padded.utf8), to: folder + "/big.json")
        #expect(throws: DocumentError.unreadable(path: folder + "/big.json", reason: "larger than 1048576 bytes; no envlock document is that large")) {
            try LoadedLock.load(at: folder + "/big.json")
        }
    }
}

import Crypto

/// in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md)
/// as envlock writes and reads it: a lock exported for supply-chain tools, and a verdict.
enum InTotoStatement {
    /// The DSSE payload type of an in-toto statement.
    static let payloadType = "application/vnd.in-toto+json"
    /// The statement's `_type`.
    static let statementType = "https://in-toto.io/Statement/v1"
    /// envlock's predicate type for a lock: the predicate is the lock's canonical content
    /// (`Lock.signedContent`), version 1 of the lock format (docs/FORMAT.md, "Lock envelopes").
    static let lockPredicateType = "https://envlock.dev/lock/v1"

    /// The statement `{_type, subject: [{name, digest: {sha256}}], predicateType, predicate}`.
    static func statement(subjectName: String, sha256: [UInt8], predicateType: String, predicate: JSONValue) -> JSONValue {
        .object([
            "_type": .string(statementType),
            "subject": .array([.object(["name": .string(subjectName), "digest": .object(["sha256": .string(Hex.encode(sha256))])])]),
            "predicateType": .string(predicateType),
            "predicate": predicate,
        ])
    }

    /// The statement signed with `key` in a DSSE envelope; the payload is the statement's
    /// canonical JSON (any JSON would verify; canonical makes the envelope reproducible).
    static func envelope(_ statement: JSONValue, signedWith key: SigningKey) throws(SignatureError) -> DSSEEnvelope {
        try DSSEEnvelope.sign(payloadType: payloadType, payload: JSONText.canonical(statement), with: key)
    }

    /// Whether a lock file's bytes are a DSSE envelope rather than a YAML lock: a JSON object
    /// (first non-blank byte `{`) that names `payloadType`. envlock never writes a YAML lock
    /// that way, and a file that looks like an envelope is then read only as one.
    static func looksLikeEnvelope(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }), first == UInt8(ascii: "{") else { return false }
        let member = Array("\"payloadType\"".utf8)
        return bytes.withUnsafeBufferPointer { text in
            member.withUnsafeBufferPointer { part in ByteSearch.offset(of: part, in: text) != nil }
        }
    }
}

extension Lock {
    /// The lock as an in-toto statement: one subject (named by the profile, digest the
    /// fingerprint's SHA-256), predicate type `InTotoStatement.lockPredicateType`, predicate
    /// the canonical content the fingerprint covers.
    var statement: JSONValue {
        InTotoStatement.statement(subjectName: profile, sha256: fingerprintBytes, predicateType: InTotoStatement.lockPredicateType, predicate: signedContent)
    }

    /// The statement in a DSSE envelope signed with `key`.
    public func envelope(signedWith key: SigningKey) throws(SignatureError) -> DSSEEnvelope {
        try InTotoStatement.envelope(statement, signedWith: key)
    }
}

extension LoadedLock {
    /// The lock an envelope holds, checked to be exactly what its statement claims: payload
    /// type, statement type, predicate type, one subject whose SHA-256 is the predicate's
    /// fingerprint, and a predicate that is a lock's canonical content and nothing else. The
    /// signature is checked with the trusted keys later (`checkTrust`), as for a YAML lock.
    static func fromEnvelope(_ bytes: [UInt8], path: String) throws(DocumentError) -> LoadedLock {
        do throws(EnvelopeError) {
            let envelope = try DSSEEnvelope.parse(bytes)
            guard envelope.payloadType == InTotoStatement.payloadType else { throw .wrongPayloadType(envelope.payloadType) }
            let root: MinimalJSON.Value
            do { root = try MinimalJSON.parse(envelope.payload) } catch { throw .malformed("the payload is not JSON (\(error.description))") }
            let statement = try StrictJSONObject(root, "the statement", allowed: ["_type", "subject", "predicateType", "predicate"])
            let type = try statement.string("_type")
            guard type == InTotoStatement.statementType else { throw .wrongStatementType(type) }
            let predicateType = try statement.string("predicateType")
            guard predicateType == InTotoStatement.lockPredicateType else { throw .wrongPredicateType(predicateType) }
            guard case .array(let subjects) = try statement.required("subject"), subjects.count == 1 else {
                throw .subjectMismatch("the statement must name exactly one subject, the lock")
            }
            let subject = try StrictJSONObject(subjects[0], "the subject", allowed: ["name", "digest"])
            _ = try subject.string("name")
            let digest = try StrictJSONObject(try subject.required("digest"), "the subject's digest", allowed: ["sha256"])
            let claimed = try digest.string("sha256")

            let predicate = try statement.required("predicate")
            let content = try predicateContent(predicate)
            let lock: Lock
            do {
                lock = try LoadedLock.decode(predicateNode(predicate), path: path).lock
            } catch {
                // The payload has no lines to point at: the reason without a location.
                switch error {
                case .invalid(_, _, let message): throw .notALock(message)
                case .yaml(let failure): throw .notALock("\(failure.problem) — \(failure.remedy)")
                case .unsupportedFormat(_, _, let found): throw .notALock("its format version is \(found); this envlock reads version \(Profile.formatVersion)")
                case .unreadable, .envelope: throw .notALock(error.description)
                }
            }
            // Whatever the decoder ignored or normalized (a fingerprint or signature member, a
            // key spelled twice, Unicode the dictionary merged) makes the bytes differ.
            guard lock.canonicalBytes == JSONText.canonical(content) else {
                throw .notALock("it holds something a lock does not (a fingerprint or signature member, a key given twice)")
            }
            guard claimed == Hex.encode(lock.fingerprintBytes) else {
                throw .subjectMismatch("the subject's sha256 is \(claimed), but the predicate's canonical content hashes to \(Hex.encode(lock.fingerprintBytes))")
            }
            return LoadedLock(lock: lock, path: path, recordedFingerprint: lock.fingerprint, envelope: envelope)
        } catch {
            throw .envelope(path: path, error)
        }
    }

    /// The predicate as a document tree, for the canonical comparison; numbers are refused
    /// (a lock writes every number as a string).
    private static func predicateContent(_ value: MinimalJSON.Value) throws(EnvelopeError) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        case .number(let text): throw .notALock("it holds the number \(text); a lock writes every number as a string")
        case .array(let items):
            var converted: [JSONValue] = []
            for item in items { converted.append(try predicateContent(item)) }
            return .array(converted)
        case .object(let members):
            var converted: [JSONValue.Member] = []
            for member in members { converted.append(.init(member.key, try predicateContent(member.value))) }
            return .object(converted)
        }
    }

    /// The predicate as the YAML tree the lock reader decodes: strings quoted, so none reads
    /// as another type. The whole payload is one JSON line, so every node is at 1:1.
    private static func predicateNode(_ value: MinimalJSON.Value) -> YAMLNode {
        let mark = Mark(line: 1, column: 1)
        switch value {
        case .string(let text): return .scalar(YAMLScalar(value: text, style: .doubleQuoted, mark: mark))
        case .number(let text): return .scalar(YAMLScalar(value: text, style: .plain, mark: mark))
        case .bool(let flag): return .scalar(YAMLScalar(value: flag ? "true" : "false", style: .plain, mark: mark))
        case .null: return .scalar(YAMLScalar(value: "null", style: .plain, mark: mark))
        case .array(let items): return .sequence(items.map(predicateNode), mark)
        case .object(let members):
            return .mapping(members.map { YAMLMappingEntry(key: YAMLScalar(value: $0.key, style: .doubleQuoted, mark: mark), value: predicateNode($0.value)) }, mark)
        }
    }
}

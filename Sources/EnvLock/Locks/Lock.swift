import Crypto

/// A lock: a profile's rules together with the facts of the machine it was made on, a
/// SHA-256 fingerprint over their canonical form and, usually, an Ed25519 signature.
public struct Lock: Sendable, Equatable {
    public var profile: String
    var description: String?
    public var rules: [Rule]
    public var run: RunPolicy
    /// Every fact the rules name, as the locking machine had it; pins compare against these.
    public var facts: [String: String]
    var created: Timestamp
    /// The name of the machine the lock was made on (informational).
    public var host: String
    var expires: Timestamp?
    var serial: Int?
    public var signature: LockSignature?

    init(profile: String, description: String? = nil, rules: [Rule], run: RunPolicy, facts: [String: String], created: Timestamp, host: String, expires: Timestamp? = nil, serial: Int? = nil, signature: LockSignature? = nil) {
        self.profile = profile
        self.description = description
        self.rules = rules
        self.run = run
        self.facts = facts
        self.created = created
        self.host = host
        self.expires = expires
        self.serial = serial
        self.signature = signature
    }

    static let fields: Set<String> = [
        "envlock", "profile", "description", "rules", "run", "facts", "created", "host", "expires", "serial",
        "fingerprint", "signature",
    ]

    /// Everything the fingerprint and the signature cover: the whole lock except
    /// `fingerprint` and `signature`, numbers written as strings.
    var signedContent: JSONValue {
        var members: [JSONValue.Member] = [
            .init("envlock", .string(String(Profile.formatVersion))),
            .init("profile", .string(profile)),
        ]
        if let description { members.append(.init("description", .string(description))) }
        members.append(.init("created", .string(created.description)))
        members.append(.init("host", .string(host)))
        if let expires { members.append(.init("expires", .string(expires.description))) }
        if let serial { members.append(.init("serial", .string(String(serial)))) }
        members.append(.init("rules", RuleCoding.encode(rules)))
        members.append(.init("run", RuleCoding.encode(run)))
        members.append(.init("facts", .sortedObject(facts)))
        return .object(members)
    }

    /// The RFC 8785 bytes of `signedContent`.
    public var canonicalBytes: [UInt8] { JSONText.canonical(signedContent) }

    /// `sha256:` and the lowercase hex SHA-256 of the canonical bytes.
    public var fingerprint: String {
        "sha256:" + Hex.encode(fingerprintBytes)
    }

    /// The SHA-256 of the canonical bytes, which `fingerprint` writes in hex.
    var fingerprintBytes: [UInt8] { Array(SHA256.hash(data: canonicalBytes)) }

    /// The bytes an Ed25519 signature of this lock covers (docs/FORMAT.md, "Signed bytes").
    public var signedMessage: [UInt8] { SignedMessage.bytes(canonical: canonicalBytes) }

    /// Signs the lock with `key`, replacing any signature.
    public mutating func sign(with key: SigningKey) throws(SignatureError) {
        signature = try LockSignature.sign(canonical: canonicalBytes, with: key)
    }

    /// The whole lock document, fingerprint and signature included, in writing order.
    public var document: JSONValue {
        guard case .object(var members) = signedContent else { return signedContent }
        members.append(.init("fingerprint", .string(fingerprint)))
        if let signature {
            members.append(.init("signature", .object([
                "algorithm": .string(signature.algorithm),
                "key_id": .string(signature.keyID),
                "value": .string(signature.value),
            ])))
        }
        return .object(members)
    }

    /// The lock as YAML, every string quoted.
    public var yaml: String { YAMLWriter.write(document) }
}

/// A lock as read from a file, with what the file claimed about itself.
public struct LoadedLock: Sendable, Equatable {
    public var lock: Lock
    public var path: String
    /// The `fingerprint` field as written; nil when the field is missing. For a lock read
    /// from an envelope, the fingerprint its statement's subject names.
    var recordedFingerprint: String?
    /// The DSSE envelope the lock was read from (`envlock lock --envelope`); nil for a YAML
    /// lock. Its signature, not `lock.signature`, is what `checkTrust` verifies.
    public var envelope: DSSEEnvelope?

    init(lock: Lock, path: String, recordedFingerprint: String?, envelope: DSSEEnvelope? = nil) {
        self.lock = lock
        self.path = path
        self.recordedFingerprint = recordedFingerprint
        self.envelope = envelope
    }

    /// The bytes the file's signature covers: for an envelope, the PAE of its payload type
    /// and payload; for a YAML lock, `Lock.signedMessage`.
    public var signedMessage: [UInt8] {
        envelope.map { SignedMessage.bytes(payloadType: $0.payloadType, body: $0.payload) } ?? lock.signedMessage
    }

    /// Reads the lock file at `path`: a YAML lock or a DSSE envelope holding one. Its trust
    /// is not checked here (`checkTrust`).
    public static func load(at path: String) throws(DocumentError) -> LoadedLock {
        try load(try DocumentFile.read(at: path, role: .lock), path: path)
    }

    /// Reads a lock from the text of a YAML lock or of a DSSE envelope; `path` is used in messages.
    public static func load(_ bytes: [UInt8], path: String) throws(DocumentError) -> LoadedLock {
        if InTotoStatement.looksLikeEnvelope(bytes) { return try fromEnvelope(bytes, path: path) }
        let decoder = DocumentDecoder(path: path)
        let root = try decoder.yaml { () throws(YAMLError) in try YAMLReader.read(bytes, path: path) }
        return try decode(root, path: path)
    }

    /// The lock a document tree describes.
    static func decode(_ root: YAMLNode, path: String) throws(DocumentError) -> LoadedLock {
        let decoder = DocumentDecoder(path: path)
        let fields = try decoder.mapping(root, "the lock", allowed: Lock.fields)
        try decoder.formatVersion(fields["envlock"], in: root)
        func required(_ name: String) throws(DocumentError) -> YAMLNode {
            guard let node = fields[name] else { throw decoder.invalid(root, "missing field '\(name)'; this file is not a complete envlock lock") }
            return node
        }
        func timestamp(_ node: YAMLNode, _ what: String) throws(DocumentError) -> Timestamp {
            try RuleCoding.decodeTimestamp(node, what, decoder)
        }
        var facts: [String: String] = [:]
        for entry in try decoder.entries(try required("facts"), "field 'facts'") {
            facts[entry.key.value] = try decoder.string(entry.value, "fact '\(entry.key.value)'")
        }
        var serial: Int?
        if let node = fields["serial"] {
            let text = try decoder.string(node, "field 'serial'")
            guard let value = Int(text), value >= 0, String(value) == text else {
                throw decoder.invalid(node, "field 'serial' must be a whole number written as a string, such as \"7\"")
            }
            serial = value
        }
        var signature: LockSignature?
        if let node = fields["signature"] {
            let block = try decoder.mapping(node, "field 'signature'", allowed: ["algorithm", "key_id", "value"])
            func field(_ name: String) throws(DocumentError) -> String {
                guard let value = block[name] else {
                    throw decoder.invalid(node, "the signature block has no field '\(name)'; re-create the lock with `envlock lock --key KEY.pem`")
                }
                return try decoder.string(value, "signature field '\(name)'")
            }
            signature = LockSignature(algorithm: try field("algorithm"), keyID: try field("key_id"), value: try field("value"))
        }
        let lock = Lock(
            profile: try decoder.string(try required("profile"), "field 'profile'"),
            description: try fields["description"].map { node throws(DocumentError) in try decoder.string(node, "field 'description'") },
            rules: try RuleCoding.decodeRules(try required("rules"), decoder),
            run: try fields["run"].map { node throws(DocumentError) in try RuleCoding.decodeRun(node, decoder) } ?? RunPolicy(),
            facts: facts,
            created: try timestamp(try required("created"), "field 'created'"),
            host: try decoder.string(try required("host"), "field 'host'"),
            expires: try fields["expires"].map { node throws(DocumentError) in try timestamp(node, "field 'expires'") },
            serial: serial,
            signature: signature
        )
        let recorded = try fields["fingerprint"].map { node throws(DocumentError) in try decoder.string(node, "field 'fingerprint'") }
        return LoadedLock(lock: lock, path: path, recordedFingerprint: recorded)
    }
}

/// Lowercase hexadecimal, used for fingerprints and key ids.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// A DSSE envelope (Dead Simple Signing Envelope, the format cosign, in-toto and SLSA
/// verifiers read) holding one payload and exactly one Ed25519 signature over its
/// pre-authentication encoding (`SignedMessage.bytes(payloadType:body:)`).
///
/// The JSON form is `{"payload": B64, "payloadType": TYPE, "signatures": [{"keyid": ID, "sig": B64}]}`
/// with standard padded base64 (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md).
/// envlock reads it strictly: unknown or repeated members, URL-safe or unpadded base64, no
/// signature or more than one are refused, so that one envelope has one meaning.
public struct DSSEEnvelope: Sendable, Equatable {
    /// One signature: the signer's key id (a hint, never a reason to trust) and 64 signature bytes.
    public struct Signature: Sendable, Equatable {
        /// The `keyid` member; empty when the envelope has none (DSSE makes it optional).
        public var keyID: String
        public var value: [UInt8]

        init(keyID: String, value: [UInt8]) {
            self.keyID = keyID
            self.value = value
        }
    }

    var payloadType: String
    var payload: [UInt8]
    public var signature: Signature

    init(payloadType: String, payload: [UInt8], signature: Signature) {
        self.payloadType = payloadType
        self.payload = payload
        self.signature = signature
    }

    /// `payload` signed with `key`, the key id being envlock's (`VerifyingKey.keyID`).
    public static func sign(payloadType: String, payload: [UInt8], with key: SigningKey) throws(SignatureError) -> DSSEEnvelope {
        let value = try key.signature(for: SignedMessage.bytes(payloadType: payloadType, body: payload))
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signature: Signature(keyID: key.verifyingKey.keyID, value: value))
    }

    /// The envelope as indented JSON text ending with a newline.
    public var json: String {
        JSONText.pretty(.object([
            "payload": .string(Base64Codec.encode(payload)),
            "payloadType": .string(payloadType),
            "signatures": .array([.object(["keyid": .string(signature.keyID), "sig": .string(Base64Codec.encode(signature.value))])]),
        ]))
    }

    /// Checks that a trusted key signed the payload under its payload type; returns that key.
    ///
    /// The key id is an unauthenticated hint (DSSE protocol.md): when it names a trusted key,
    /// only that key is tried; otherwise (another tool names keys its own way, as
    /// securesystemslib does) each trusted key is tried. Either way the decision rests on the
    /// Ed25519 verification with a key the caller trusts.
    public func verify(trustedKeys: [VerifyingKey]) throws(SignatureError) -> VerifyingKey {
        guard signature.value.count == 64 else { throw .wrongLength(signature.value.count) }
        guard !trustedKeys.isEmpty else { throw .noTrustedKeys }
        let message = SignedMessage.bytes(payloadType: payloadType, body: payload)
        if let named = trustedKeys.first(where: { $0.keyID == signature.keyID }) {
            guard named.isValidSignature(signature.value, for: message) else { throw .invalid(keyID: named.keyID) }
            return named
        }
        if let signer = trustedKeys.first(where: { $0.isValidSignature(signature.value, for: message) }) {
            return signer
        }
        throw .untrustedKey(keyID: signature.keyID.isEmpty ? "(the envelope names no keyid)" : signature.keyID, trusted: trustedKeys.map(\.keyID))
    }

    /// Reads an envelope from its JSON text; `reason` in the error says what is wrong.
    public static func parse(_ bytes: [UInt8]) throws(EnvelopeError) -> DSSEEnvelope {
        let root: MinimalJSON.Value
        do { root = try MinimalJSON.parse(bytes) } catch { throw .notJSON(error.description) }
        let fields = try StrictJSONObject(root, "the envelope", allowed: ["payload", "payloadType", "signatures"])
        let payloadType = try fields.string("payloadType")
        let payload = try decodeBase64(try fields.string("payload"), "payload")
        guard case .array(let signatures) = try fields.required("signatures") else {
            throw .malformed("the envelope's 'signatures' is not an array")
        }
        guard signatures.count == 1 else { throw .signatureCount(signatures.count) }
        let entry = try StrictJSONObject(signatures[0], "the signature", allowed: ["keyid", "sig"])
        let keyID = try entry.optionalString("keyid") ?? ""
        let value = try decodeBase64(try entry.string("sig"), "signature")
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signature: Signature(keyID: keyID, value: value))
    }

    private static func decodeBase64(_ text: String, _ what: String) throws(EnvelopeError) -> [UInt8] {
        guard let bytes = Base64Codec.decode(text) else { throw .malformedBase64(what) }
        return bytes
    }
}

/// A JSON object read strictly: known members only, each once.
struct StrictJSONObject {
    private let members: [String: MinimalJSON.Value]
    private let what: String

    init(_ value: MinimalJSON.Value, _ what: String, allowed: Set<String>) throws(EnvelopeError) {
        guard case .object(let list) = value else { throw .malformed("\(what) is not a JSON object") }
        var members: [String: MinimalJSON.Value] = [:]
        for (key, member) in list {
            guard allowed.contains(key) else {
                throw .malformed("\(what) has a member '\(key)' that envlock does not read (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard members.updateValue(member, forKey: key) == nil else { throw .malformed("\(what) has the member '\(key)' twice") }
        }
        self.members = members
        self.what = what
    }

    func required(_ key: String) throws(EnvelopeError) -> MinimalJSON.Value {
        guard let value = members[key] else { throw .malformed("\(what) has no member '\(key)'") }
        return value
    }

    func optional(_ key: String) -> MinimalJSON.Value? { members[key] }

    func string(_ key: String) throws(EnvelopeError) -> String {
        guard case .string(let text) = try required(key) else { throw .malformed("\(what)'s '\(key)' is not a string") }
        return text
    }

    func optionalString(_ key: String) throws(EnvelopeError) -> String? {
        guard let value = members[key] else { return nil }
        guard case .string(let text) = value else { throw .malformed("\(what)'s '\(key)' is not a string") }
        return text
    }
}

/// Why a DSSE envelope, or the in-toto statement in it, is not a lock envlock accepts.
public enum EnvelopeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON.
    case notJSON(String)
    /// A member is missing, unknown, repeated or of the wrong type.
    case malformed(String)
    /// A base64 member is not standard padded base64 (URL-safe, unpadded, whitespace…).
    case malformedBase64(String)
    /// The envelope has this many signatures instead of one.
    case signatureCount(Int)
    /// The payload type is not in-toto's.
    case wrongPayloadType(String)
    /// The statement's `_type` is not in-toto Statement v1.
    case wrongStatementType(String)
    /// The statement's predicate type is not envlock's lock.
    case wrongPredicateType(String)
    /// The subject does not name the predicate: the payload is not the lock it claims to be.
    case subjectMismatch(String)
    /// The predicate is not exactly a lock's canonical content.
    case notALock(String)

    public var description: String {
        switch self {
        case .notJSON(let reason):
            "the file starts like a DSSE envelope but is not JSON (\(reason)); an envelope is written by `envlock lock --envelope`"
        case .malformed(let reason):
            "the DSSE envelope is malformed: \(reason)"
        case .malformedBase64(let what):
            "the envelope's \(what) is not standard padded base64 (RFC 4648 section 4; URL-safe or unpadded base64 is refused); the envelope has been altered or was written by a tool envlock does not read"
        case .signatureCount(let count):
            "the envelope has \(count) signatures; envlock accepts exactly one, by a key passed with --trust"
        case .wrongPayloadType(let found):
            "the envelope's payloadType is \"\(found)\", not \"\(InTotoStatement.payloadType)\"; it does not hold an in-toto statement"
        case .wrongStatementType(let found):
            "the statement's _type is \"\(found)\", not \"\(InTotoStatement.statementType)\"; envlock reads in-toto Statement v1 only"
        case .wrongPredicateType(let found):
            "the statement's predicateType is \"\(found)\", not \"\(InTotoStatement.lockPredicateType)\"; it is not an envlock lock"
        case .subjectMismatch(let reason):
            "the payload is not the lock it claims to be: \(reason); do not use it, and export the lock again with `envlock lock --envelope`"
        case .notALock(let reason):
            "the statement's predicate is not an envlock lock: \(reason)"
        }
    }
}

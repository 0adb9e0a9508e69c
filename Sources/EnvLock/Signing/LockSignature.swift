/// The `signature` block of a lock: who signed it and the signature over `SignedMessage.bytes`.
public struct LockSignature: Sendable, Equatable {
    /// The only algorithm envlock writes or accepts.
    static let ed25519 = "ed25519"

    /// The signature algorithm; only `ed25519` verifies.
    var algorithm: String
    /// The signer's key id (`VerifyingKey.keyID`); it selects among trusted keys and never grants trust itself.
    public var keyID: String
    /// Base64 of the 64-byte signature.
    public var value: String

    /// A signature block with the given fields, as read from a lock.
    init(algorithm: String, keyID: String, value: String) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.value = value
    }

    /// Signs a lock's canonical JSON bytes (through `SignedMessage.bytes`) with `key`.
    public static func sign(canonical: [UInt8], with key: SigningKey) throws(SignatureError) -> LockSignature {
        let signature = try key.signature(for: SignedMessage.bytes(canonical: canonical))
        return LockSignature(algorithm: ed25519, keyID: key.verifyingKey.keyID, value: Base64Codec.encode(signature))
    }

    /// Checks that a trusted key signed exactly these canonical bytes; returns that key.
    ///
    /// Only keys in `trustedKeys` can make a signature acceptable. The key id in the block picks
    /// which trusted key to try; whatever a lock says about its signer, the decision rests on
    /// the Ed25519 verification with a key the caller trusts.
    public func verify(canonical: [UInt8], trustedKeys: [VerifyingKey]) throws(SignatureError) -> VerifyingKey {
        guard algorithm == Self.ed25519 else { throw .unsupportedAlgorithm(algorithm) }
        guard keyID.utf8.count == 64, keyID.utf8.allSatisfy(Self.isLowercaseHexDigit) else {
            throw .malformedKeyID(keyID)
        }
        guard let signature = Base64Codec.decode(value) else { throw .malformedValue }
        guard signature.count == 64 else { throw .wrongLength(signature.count) }
        guard !trustedKeys.isEmpty else { throw .noTrustedKeys }
        guard let signer = trustedKeys.first(where: { $0.keyID == keyID }) else {
            throw .untrustedKey(keyID: keyID, trusted: trustedKeys.map(\.keyID))
        }
        guard signer.isValidSignature(signature, for: SignedMessage.bytes(canonical: canonical)) else {
            throw .invalid(keyID: keyID)
        }
        return signer
    }

    private static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

/// Why a lock's signature cannot be made or accepted.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The lock has no signature block.
    case missing
    /// The signature names an algorithm other than `ed25519`, including `none` and the empty string.
    case unsupportedAlgorithm(String)
    /// The key id is not 64 lowercase hexadecimal digits.
    case malformedKeyID(String)
    /// The signature value is not canonical padded base64.
    case malformedValue
    /// The signature value decodes to this many bytes instead of 64.
    case wrongLength(Int)
    /// No public keys are trusted, so no signature can be accepted.
    case noTrustedKeys
    /// The key that made the signature is not among the trusted keys (listed by key id).
    case untrustedKey(keyID: String, trusted: [String])
    /// A trusted key's signature does not cover these bytes: the lock changed after it was signed,
    /// or the signature was made for something else.
    case invalid(keyID: String)
    /// Raw key bytes were not 32 bytes long.
    case invalidKeyLength(Int)
    /// The cryptography library could not produce a signature.
    case signingFailed(String)

    public var description: String {
        switch self {
        case .missing:
            "the lock is not signed. Sign it with `envlock lock --key KEY.pem`, or pass --allow-unsigned if an unsigned lock is acceptable here."
        case .unsupportedAlgorithm("none"):
            "the lock's signature says `algorithm: none`, which signs nothing; envlock accepts only ed25519 signatures. Re-create the lock with `envlock lock --key KEY.pem`."
        case .unsupportedAlgorithm(""):
            "the lock's signature names no algorithm; envlock accepts only ed25519 signatures. Re-create the lock with `envlock lock --key KEY.pem`."
        case .unsupportedAlgorithm(let algorithm):
            "the lock's signature uses algorithm \"\(algorithm)\"; envlock accepts only ed25519 signatures. Re-create the lock with `envlock lock --key KEY.pem`."
        case .malformedKeyID(let keyID):
            "the lock's signature key_id \"\(keyID)\" is not 64 lowercase hexadecimal digits; the signature block has been altered. Re-create the lock."
        case .malformedValue:
            "the lock's signature value is not valid base64; the signature block has been altered or damaged. Re-create the lock."
        case .wrongLength(let count):
            "the lock's signature is \(count) bytes long; an Ed25519 signature is exactly 64. The signature block has been altered or damaged. Re-create the lock."
        case .noTrustedKeys:
            "no public key is trusted, so the signature cannot be checked. Pass --trust KEY.pub.pem or list key files, separated by colons, in ENVLOCK_TRUST."
        case .untrustedKey(let keyID, let trusted):
            "the lock is signed by key \(keyID), which is not trusted here (trusted: \(trusted.isEmpty ? "none" : trusted.joined(separator: ", "))). "
                + "If you trust that key, pass its public key file with --trust."
        case .invalid(let keyID):
            "the signature by trusted key \(keyID) does not match the lock's content: the lock was modified after it was signed, or the signature was made for something else. "
                + "Do not use this lock; re-create it with `envlock lock --key KEY.pem`."
        case .invalidKeyLength(let count):
            "an Ed25519 key is 32 bytes, not \(count)."
        case .signingFailed(let reason):
            "signing failed: \(reason)."
        }
    }
}

/// Why a lock cannot be trusted. Every case makes `verify` and `run` exit 2.
public enum TrustError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lock has no `fingerprint` field.
    case missingFingerprint(path: String)
    /// The content no longer hashes to the recorded fingerprint.
    case modified(path: String, recorded: String, computed: String)
    /// There is no signature and `--allow-unsigned` was not given.
    case unsigned(path: String)
    /// The signature block is unusable (`algorithm: none`, no value, bad base64).
    case malformedSignature(path: String, reason: String)
    /// No trusted public key was given, so no signature can be checked.
    case noTrustedKeys(path: String)
    /// The signature was not made by any trusted key over exactly this content.
    case untrusted(path: String, keyID: String, trusted: [String])
    /// The lock's `expires` time has passed.
    case expired(path: String, at: Timestamp, now: Timestamp)
    /// The lock's serial is older than `--min-serial` (a replayed lock).
    case serialTooOld(path: String, serial: Int?, minimum: Int)

    public var description: String {
        switch self {
        case .missingFingerprint(let path):
            "\(path): error: the lock has no fingerprint field; regenerate it with `envlock lock`"
        case .modified(let path, let recorded, let computed):
            "\(path): error: the lock was modified after it was signed: its content hashes to \(computed), not the recorded \(recorded); regenerate and re-sign it with `envlock lock`"
        case .unsigned(let path):
            "\(path): error: the lock is not signed; sign it with `envlock lock --key KEY.pem`, or pass --allow-unsigned to accept unsigned locks"
        case .malformedSignature(let path, let reason):
            "\(path): error: unusable signature: \(reason); re-sign the lock with `envlock lock --key KEY.pem`"
        case .noTrustedKeys(let path):
            "\(path): error: the lock is signed but no trusted key was given; pass --trust KEY.pub.pem or set ENVLOCK_TRUST"
        case .untrusted(let path, let keyID, let trusted):
            "\(path): error: the signature (key id \(keyID.isEmpty ? "none" : keyID)) does not verify with any trusted key (\(trusted.joined(separator: ", "))); the lock was signed by another key or changed"
        case .expired(let path, let at, let now):
            "\(path): error: the lock expired at \(at) (now \(now)); make a new lock"
        case .serialTooOld(let path, let serial, let minimum):
            "\(path): error: the lock's serial \(serial.map(String.init) ?? "(none)") is lower than the required minimum \(minimum); an older lock was replayed"
        }
    }
}

/// What a verifier accepts.
public struct TrustPolicy: Sendable {
    public var trustedKeys: [VerifyingKey]
    public var allowUnsigned: Bool
    public var now: Timestamp
    public var minimumSerial: Int?

    public init(trustedKeys: [VerifyingKey], allowUnsigned: Bool = false, now: Timestamp, minimumSerial: Int? = nil) {
        self.trustedKeys = trustedKeys
        self.allowUnsigned = allowUnsigned
        self.now = now
        self.minimumSerial = minimumSerial
    }
}

/// How a lock earned trust.
public enum TrustVerdict: Sendable, Equatable {
    /// Signed by the trusted key with this id.
    case signed(keyID: String)
    /// Unsigned, accepted because of `--allow-unsigned`.
    case unsignedAllowed
}

extension LoadedLock {
    /// Checks the fingerprint, the signature against the trusted keys only (never a key the
    /// lock names or carries), expiry and serial.
    public func checkTrust(_ policy: TrustPolicy) throws(TrustError) -> TrustVerdict {
        guard let recordedFingerprint else { throw .missingFingerprint(path: path) }
        let computed = lock.fingerprint
        guard recordedFingerprint == computed else {
            throw .modified(path: path, recorded: recordedFingerprint, computed: computed)
        }
        let verdict: TrustVerdict
        if let signature = lock.signature {
            if let signatureProblem { throw .malformedSignature(path: path, reason: signatureProblem) }
            guard let bytes = Base64.decode(signature.value) else {
                throw .malformedSignature(path: path, reason: "the signature value is not base64")
            }
            guard bytes.count == 64 else {
                throw .malformedSignature(path: path, reason: "an Ed25519 signature has 64 bytes, this one \(bytes.count)")
            }
            guard !policy.trustedKeys.isEmpty else { throw .noTrustedKeys(path: path) }
            let message = lock.signedMessage
            // The key id only names a key; trust comes from a trusted key verifying the bytes.
            guard let signer = policy.trustedKeys.first(where: { $0.isValidSignature(bytes, for: message) }),
                  signer.keyID == signature.keyID
            else {
                throw .untrusted(path: path, keyID: signature.keyID, trusted: policy.trustedKeys.map(\.keyID))
            }
            verdict = .signed(keyID: signer.keyID)
        } else if policy.allowUnsigned {
            verdict = .unsignedAllowed
        } else {
            throw .unsigned(path: path)
        }
        if let expires = lock.expires, expires <= policy.now {
            throw .expired(path: path, at: expires, now: policy.now)
        }
        if let minimum = policy.minimumSerial, (lock.serial ?? Int.min) < minimum {
            throw .serialTooOld(path: path, serial: lock.serial, minimum: minimum)
        }
        return verdict
    }
}

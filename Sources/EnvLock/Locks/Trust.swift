/// Why a lock cannot be trusted. Every case makes `verify` and `run` exit 2.
public enum TrustError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lock has no `fingerprint` field.
    case missingFingerprint(path: String)
    /// The content no longer hashes to the recorded fingerprint.
    case modified(path: String, recorded: String, computed: String)
    /// The signature is missing (without `--allow-unsigned`), broken, or not by a trusted key.
    case signature(path: String, SignatureError)
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
        case .signature(let path, let error):
            "\(path): error: \(error)"
        case .expired(let path, let at, let now):
            "\(path): error: the lock expired at \(at) (now \(now)); set a later expires in the profile and lock again"
        case .serialTooOld(let path, let serial?, let minimum):
            "\(path): error: the lock's serial \(serial) is lower than the required minimum \(minimum); an older lock was replayed"
        case .serialTooOld(let path, nil, let minimum):
            "\(path): error: the lock has no serial, and --min-serial \(minimum) accepts only locks with serial \(minimum) or higher; lock again with --serial"
        }
    }
}

/// What a verifier accepts.
public struct TrustPolicy: Sendable {
    var trustedKeys: [VerifyingKey]
    var allowUnsigned: Bool
    public var now: Timestamp
    var minimumSerial: Int?

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
    /// Checks the fingerprint, the signature (the envelope's, for a lock read from one)
    /// against the trusted keys only (never a key the lock names or carries), expiry and serial.
    public func checkTrust(_ policy: TrustPolicy) throws(TrustError) -> TrustVerdict {
        guard let recordedFingerprint else { throw .missingFingerprint(path: path) }
        let computed = lock.fingerprint
        guard recordedFingerprint == computed else {
            throw .modified(path: path, recorded: recordedFingerprint, computed: computed)
        }
        let verdict: TrustVerdict
        if let envelope {
            // An envelope is never accepted without a trusted key, whatever --allow-unsigned says.
            do {
                verdict = .signed(keyID: try envelope.verify(trustedKeys: policy.trustedKeys).keyID)
            } catch {
                throw .signature(path: path, error)
            }
        } else if let signature = lock.signature {
            do {
                let signer = try signature.verify(canonical: lock.canonicalBytes, trustedKeys: policy.trustedKeys)
                verdict = .signed(keyID: signer.keyID)
            } catch {
                throw .signature(path: path, error)
            }
        } else if policy.allowUnsigned {
            verdict = .unsignedAllowed
        } else {
            throw .signature(path: path, .missing)
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

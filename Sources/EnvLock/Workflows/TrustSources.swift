/// Where the trusted public keys come from: every `--trust` file, then each file named in
/// `ENVLOCK_TRUST`, a colon-separated list in which empty elements (`a::b`, a leading or
/// trailing colon) name nothing.
public struct TrustSources: Sendable, Equatable {
    /// The variable that adds key files to every check on a machine (set once in an image).
    static let environmentVariable = "ENVLOCK_TRUST"

    /// The key files, in the order they are read.
    var keyFiles: [String]

    public init(flags: [String], environment: [String: String]) {
        let listed = (environment[Self.environmentVariable] ?? "").split(separator: ":").map(String.init)
        keyFiles = flags + listed
    }

    /// Reads every key file. The first that cannot be read stops the check: a mistyped path
    /// must not quietly leave a key out of what is trusted.
    func keys() throws(KeyFileError) -> [VerifyingKey] {
        var keys: [VerifyingKey] = []
        for path in keyFiles { keys.append(try KeyFiles.readPublicKey(at: path)) }
        return keys
    }
}

/// What a check demands of a lock before it believes it: the trusted keys, whether an
/// unsigned lock is accepted, and the oldest serial accepted.
public struct TrustRequirements: Sendable, Equatable {
    var sources: TrustSources
    var allowUnsigned: Bool
    var minimumSerial: Int?

    public init(sources: TrustSources, allowUnsigned: Bool = false, minimumSerial: Int? = nil) {
        self.sources = sources
        self.allowUnsigned = allowUnsigned
        self.minimumSerial = minimumSerial
    }
}

/// A lock read from a file that passed its trust checks, and how it earned the trust.
public struct TrustedLock: Sendable, Equatable {
    public var loaded: LoadedLock
    public var verdict: TrustVerdict

    init(loaded: LoadedLock, verdict: TrustVerdict) {
        self.loaded = loaded
        self.verdict = verdict
    }

    /// Reads the lock at `path`, then the trusted keys, then checks fingerprint, signature,
    /// expiry (against `now`) and serial. A lock that cannot be read is reported before a key
    /// that cannot be, so the first problem named is the document's.
    public static func load(_ path: String, requirements: TrustRequirements, now: Timestamp) throws(WorkflowError) -> TrustedLock {
        let loaded: LoadedLock
        do { loaded = try LoadedLock.load(at: path) } catch { throw .document(error) }
        let keys: [VerifyingKey]
        do { keys = try requirements.sources.keys() } catch { throw .key(error) }
        let policy = TrustPolicy(trustedKeys: keys, allowUnsigned: requirements.allowUnsigned, now: now, minimumSerial: requirements.minimumSerial)
        do {
            return TrustedLock(loaded: loaded, verdict: try loaded.checkTrust(policy))
        } catch {
            throw .trust(error)
        }
    }
}

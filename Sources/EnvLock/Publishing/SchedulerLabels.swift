/// The names under which a lock's verdict reaches the schedulers fleets run: a Kubernetes node
/// label (through Node Feature Discovery) and a Slurm node feature.
///
/// One name per lock, checked once, so that both schedulers, the feature file's name and the
/// docs agree. The lock's name (its `profile` field) is used as it is, never rewritten, because
/// a rewrite that merges two names would let one lock's verdict pass for another's: a name
/// envlock cannot carry unchanged is refused with what to rename.
public struct PublishedLockName: Sendable, Equatable {
    /// The lock's name, as the lock has it.
    public let name: String

    /// Longest name whose longest label (`envlock_<name>_lock`) fits Kubernetes' 63 characters.
    static let maximumLength = KubernetesLabel.maximumNameLength - "envlock_".count - "_lock".count

    /// The lock's name, when labels and features can carry it unchanged: ASCII letters, digits,
    /// `-` and `.`, starting and ending with a letter or digit, at most `maximumLength`
    /// characters. `_` is refused because envlock uses it to join the parts of a label.
    public init(_ name: String) throws(PublishError) {
        let bytes = Array(name.utf8)
        let isAlphanumeric = KubernetesLabel.isAlphanumeric
        let reason: String? =
            if bytes.isEmpty { "is empty" }
            else if bytes.count > Self.maximumLength { "has \(bytes.count) bytes, more than the \(Self.maximumLength) a Kubernetes label leaves for it" }
            else if !bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) {
                "has a character other than ASCII letters, digits, '-' and '.'"
            } else if !isAlphanumeric(bytes[0]) || !isAlphanumeric(bytes[bytes.count - 1]) { "does not start and end with a letter or digit" }
            else { nil }
        if let reason { throw .unpublishableName(name: name, reason: reason) }
        self.name = name
    }

    /// The label that says whether the node conforms (`true` or `false`), and the Slurm
    /// feature's stem; NFD prefixes it with `feature.node.kubernetes.io/`.
    var conformanceLabel: String { "envlock_" + name }

    /// The label whose value is the checked lock's fingerprint (`LockFingerprintLabel.value`).
    var fingerprintLabel: String { "envlock_" + name + "_lock" }

    /// The feature file in NFD's `features.d`: one per lock, so several locks coexist.
    var featureFileName: String { conformanceLabel }

    /// The Slurm node feature of a node that conforms. Slurm's feature names take no `-`
    /// (`_is_feature_valid` in SchedMD/slurm src/plugins/node_features/helpers/
    /// node_features_helpers.c at 4518bf26a01a2617755a10ab535485e8525e84c4), so `-` becomes `_`;
    /// as names never hold `_`, no two names give one feature.
    public var slurmFeature: String {
        "envlock_" + String(decoding: name.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }
}

/// Kubernetes' label syntax (k8s.io/apimachinery validation: `IsQualifiedName` for keys,
/// `IsValidLabelValue` for values), for the labels envlock writes and for tests to check them.
enum KubernetesLabel {
    static let maximumNameLength = 63
    static let maximumPrefixLength = 253

    /// Whether `key` is a qualified name: an optional DNS-subdomain prefix and `/`, then a name
    /// of 1-63 characters of `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
    static func isValidKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard isDNSSubdomain(Array(parts[0].utf8)) else { return false }
        }
        let name = Array(parts[parts.count - 1].utf8)
        return !name.isEmpty && isNamePart(name)
    }

    /// Whether `value` is a label value: empty, or a name part (at most 63 characters).
    static func isValidValue(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        return bytes.isEmpty || isNamePart(bytes)
    }

    /// An ASCII letter or digit.
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isNamePart(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, bytes.count <= maximumNameLength else { return false }
        return isAlphanumeric(first) && isAlphanumeric(last)
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// RFC 1123 subdomain: lowercase labels of `[a-z0-9]([-a-z0-9]*[a-z0-9])?` joined by `.`, at most 253.
    private static func isDNSSubdomain(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maximumPrefixLength else { return false }
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
            func lowerAlphanumeric(_ byte: UInt8) -> Bool {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
            return lowerAlphanumeric(first) && lowerAlphanumeric(last) && label.allSatisfy { lowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }
}

/// The lock fingerprint as a label value: a hex SHA-256 has 64 characters, one more than a
/// label value holds, so the 32 bytes are written as unpadded lowercase base32 (RFC 4648,
/// alphabet `a-z2-7`): 52 characters.
public enum LockFingerprintLabel {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// The label value of `lock`'s fingerprint.
    public static func value(of lock: Lock) -> String {
        base32(lock.fingerprintBytes)
    }

    /// Unpadded lowercase base32 of `bytes`.
    static func base32(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }
}

/// A PEP 440 version such as `2.2.0`, `2.3.0.dev20240101+cu121` or `1!2.0rc1`, normalized,
/// ordered and compared exactly as Python's `packaging` 26 does.
///
/// Equality and ordering follow PEP 440, not the text: `1.0 == 1.0.0`, `1.0-RC1 == 1.0rc1`,
/// `1.0.dev1 < 1.0a1 < 1.0 < 1.0+local < 1.0.post1`.
public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// A pre-release segment: its kind and number (`rc1` is `.releaseCandidate`, 1).
    struct PreRelease: Sendable, Hashable {
        /// The kind of pre-release; its raw value is the normalized spelling.
        enum Kind: String, Sendable, Hashable, CaseIterable {
            case alpha = "a"
            case beta = "b"
            case releaseCandidate = "rc"
        }

        var kind: Kind
        var number: Int

        init(kind: Kind, number: Int) {
            self.kind = kind
            self.number = number
        }
    }

    /// The epoch before `!`; 0 when none is written.
    private(set) var epoch: Int
    /// The release numbers as written, trailing zeros included (`2.2.0` is `[2, 2, 0]`).
    private(set) var release: [Int]
    private(set) var pre: PreRelease?
    private(set) var post: Int?
    private(set) var dev: Int?
    /// The local label after `+`, normalized: lowercase, segments joined by `.`, leading
    /// zeros dropped from numeric segments (`+CU121` is `cu121`, `+ubuntu-01` is `ubuntu.1`).
    private(set) var local: String?

    /// Parses a PEP 440 version, ignoring surrounding whitespace, a leading `v` and letter case.
    public init(parsing text: String) throws(VersionError) {
        let core = strippingPythonWhitespace(text)
        switch VersionScanner.parse(core) {
        case .success(let parts): self.init(parts)
        case .failure(let failure): throw .invalidVersion(text: text, reason: failure.reason)
        }
    }

    /// Parses a PEP 440 version; nil when `text` is not one.
    public init?(_ text: String) {
        switch VersionScanner.parse(strippingPythonWhitespace(text)) {
        case .success(let parts): self.init(parts)
        case .failure: return nil
        }
    }

    init(_ parts: VersionParts) {
        self.init(epoch: parts.epoch, release: parts.release, pre: parts.pre, post: parts.post, dev: parts.dev, local: parts.local)
    }

    init(epoch: Int, release: [Int], pre: PreRelease?, post: Int?, dev: Int?, local: String?) {
        self.epoch = epoch
        self.release = release
        self.pre = pre
        self.post = post
        self.dev = dev
        self.local = local
    }

    /// True for alpha, beta, release-candidate and development releases.
    var isPrerelease: Bool { pre != nil || dev != nil }
    var isDevrelease: Bool { dev != nil }
    var isPostrelease: Bool { post != nil }

    /// The normalized version without its local label (`2.2.0+cu121` gives `2.2.0`).
    var publicVersion: String {
        var text = baseVersion
        appendSuffixes(to: &text)
        return text
    }

    /// The epoch and release only (`1!2.2.0rc1.post1+cu121` gives `1!2.2.0`).
    var baseVersion: String {
        var text = epoch == 0 ? "" : "\(epoch)!"
        for (index, component) in release.enumerated() {
            if index > 0 { text += "." }
            text += String(component)
        }
        return text
    }

    /// The normalized form, exactly as `str(packaging.version.Version(text))`.
    public var description: String {
        var text = publicVersion
        if let local { text += "+" + local }
        return text
    }

    private func appendSuffixes(to text: inout String) {
        if let pre { text += pre.kind.rawValue + String(pre.number) }
        if let post { text += ".post" + String(post) }
        if let dev { text += ".dev" + String(dev) }
    }

    // MARK: Ordering

    /// The pre/post/dev part of PEP 440's sort key: a development release with no pre- or
    /// post-release sorts before every alpha, and a final release after every candidate.
    private var suffixKey: (Int, Int, Int, Int, Int, Int) {
        let preRank: Int
        let preNumber: Int
        if let pre {
            switch pre.kind {
            case .alpha: preRank = 0
            case .beta: preRank = 1
            case .releaseCandidate: preRank = 2
            }
            preNumber = pre.number
        } else {
            preRank = post == nil && dev != nil ? -1 : 3
            preNumber = 0
        }
        return (preRank, preNumber, post == nil ? 0 : 1, post ?? 0, dev == nil ? 1 : 0, dev ?? 0)
    }

    /// -1, 0 or 1 as `self` sorts before, with or after `other`; with `ignoringLocals`, both
    /// are compared as their public versions.
    func compare(to other: Version, ignoringLocals: Bool = false) -> Int {
        if epoch != other.epoch { return epoch < other.epoch ? -1 : 1 }
        let releaseOrder = Self.compareReleases(release, other.release)
        if releaseOrder != 0 { return releaseOrder }
        let (left, right) = (suffixKey, other.suffixKey)
        if left != right { return left < right ? -1 : 1 }
        if ignoringLocals { return 0 }
        switch (local, other.local) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let left?, let right?): return Self.compareLocalLabels(left, right)
        }
    }

    /// Compares releases as if the shorter one had trailing zeros, so `1.0 == 1.0.0`.
    static func compareReleases(_ left: [Int], _ right: [Int]) -> Int {
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            if a != b { return a < b ? -1 : 1 }
        }
        return 0
    }

    /// Compares normalized local labels segment by segment: numbers numerically (they can be
    /// longer than an Int, so by length and then digits), words by code point, any word
    /// before any number, and a label before every longer label it starts.
    private static func compareLocalLabels(_ left: String, _ right: String) -> Int {
        var leftBytes = left.utf8[...]
        var rightBytes = right.utf8[...]
        while true {
            switch (leftBytes.isEmpty, rightBytes.isEmpty) {
            case (true, true): return 0
            case (true, false): return -1
            case (false, true): return 1
            case (false, false): break
            }
            let leftSegment = nextSegment(&leftBytes)
            let rightSegment = nextSegment(&rightBytes)
            let leftIsNumber = leftSegment.allSatisfy(isASCIIDigit)
            let rightIsNumber = rightSegment.allSatisfy(isASCIIDigit)
            if leftIsNumber != rightIsNumber { return leftIsNumber ? 1 : -1 }
            if leftIsNumber, leftSegment.count != rightSegment.count {
                return leftSegment.count < rightSegment.count ? -1 : 1
            }
            if !leftSegment.elementsEqual(rightSegment) {
                return leftSegment.lexicographicallyPrecedes(rightSegment) ? -1 : 1
            }
        }
    }

    private static func nextSegment(_ bytes: inout Substring.UTF8View) -> Substring.UTF8View {
        let end = bytes.firstIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex
        let segment = bytes[bytes.startIndex..<end]
        bytes = end == bytes.endIndex ? bytes[end...] : bytes[bytes.index(after: end)...]
        return segment
    }

    private static func isASCIIDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    public static func < (lhs: Version, rhs: Version) -> Bool {
        lhs.compare(to: rhs) < 0
    }

    /// PEP 440 equality: `1.0 == 1.0.0`, and local labels must agree.
    public static func == (lhs: Version, rhs: Version) -> Bool {
        lhs.compare(to: rhs) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(epoch)
        var significant = release.count
        while significant > 0, release[significant - 1] == 0 { significant -= 1 }
        for component in release[..<significant] { hasher.combine(component) }
        hasher.combine(significant)
        let suffix = suffixKey
        hasher.combine(suffix.0)
        hasher.combine(suffix.1)
        hasher.combine(suffix.2)
        hasher.combine(suffix.3)
        hasher.combine(suffix.4)
        hasher.combine(suffix.5)
        hasher.combine(local)
    }
}

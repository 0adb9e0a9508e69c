/// The prefix that `==V.*`, `!=V.*` and the upper half of `~=V` compare candidates with.
///
/// packaging compares prefixes as lists of strings: the normalized version is split at `!`
/// and `.`, and a release number glued to a pre-release (`0rc1`) is split in two. The
/// candidate's release is padded with zeros to the prefix's length. For `~=V` the prefix is
/// cut from V *as written* (everything before the first part that starts with `dev`, `a`,
/// `b`, `rc` or `post`, minus its last part), so spellings such as `~=1.0.c1` or `~=v1.0`
/// give prefixes that packaging treats differently from `~=1.0rc1` or `~=1.0`. This type
/// keeps those rules, precomputed, so that a candidate is matched without building strings.
struct ReleasePrefix: Sendable, Equatable {
    /// One part of the prefix, in the form a candidate's part is compared with.
    enum Part: Sendable, Equatable {
        case number(Int)
        case suffix(SuffixKind, Int)
        /// A part no normalized candidate can produce (`v1`, `c1`, `01`): nothing matches.
        case unmatchable
    }

    enum SuffixKind: String, Sendable, CaseIterable {
        case alpha = "a", beta = "b", releaseCandidate = "rc", post = "post", dev = "dev"
    }

    let parts: [Part]
    /// How many leading parts are digits; a shorter candidate release is padded to this.
    let numericCount: Int

    /// The prefix for `==text.*`: `text` normalized if it is a version, as written if not.
    init(canonicalizing text: String) {
        let canonical = Version(text)?.description ?? text
        let pieces = Self.split(canonical)
        numericCount = pieces.prefix(while: Self.isAllDigits).count
        parts = pieces.map(Self.part)
    }

    /// The prefix of `~=text`, cut from the version as written.
    init(compatibleWith text: String) {
        let kept = Self.split(text).prefix(while: { piece in
            !["dev", "a", "b", "rc", "post"].contains(where: { piece.hasPrefix($0) })
        }).dropLast()
        let epoch = kept.first ?? ""
        self.init(canonicalizing: epoch + "!" + kept.dropFirst().joined(separator: "."))
    }

    /// Whether `candidate`'s public version starts with this prefix.
    func matches(_ candidate: Version) -> Bool {
        let releaseCount = candidate.release.count
        let paddedCount = max(1 + releaseCount, numericCount)
        for (index, expected) in parts.enumerated() {
            let actual: Part
            if index == 0 {
                actual = .number(candidate.epoch)
            } else if index <= releaseCount {
                actual = .number(candidate.release[index - 1])
            } else if index < paddedCount {
                actual = .number(0)
            } else if let suffix = Self.suffixPart(of: candidate, at: index - paddedCount) {
                actual = suffix
            } else {
                return false
            }
            if actual != expected { return false }
        }
        return true
    }

    /// The candidate's pre-, post- and dev-release parts, in that order, skipping absent ones.
    private static func suffixPart(of version: Version, at position: Int) -> Part? {
        var remaining = position
        if let pre = version.pre {
            if remaining == 0 {
                switch pre.kind {
                case .alpha: return .suffix(.alpha, pre.number)
                case .beta: return .suffix(.beta, pre.number)
                case .releaseCandidate: return .suffix(.releaseCandidate, pre.number)
                }
            }
            remaining -= 1
        }
        if let post = version.post {
            if remaining == 0 { return .suffix(.post, post) }
            remaining -= 1
        }
        if let dev = version.dev, remaining == 0 { return .suffix(.dev, dev) }
        return nil
    }

    /// packaging's `_version_split`: the epoch (or "0"), then the dot-separated pieces, with
    /// a piece like `0rc1` split into `0` and `rc1`.
    static func split(_ text: String) -> [String] {
        let epoch: Substring
        let rest: Substring
        if let bang = text.lastIndex(of: "!") {
            epoch = text[..<bang]
            rest = text[text.index(after: bang)...]
        } else {
            epoch = ""
            rest = text[...]
        }
        var pieces = [epoch.isEmpty ? "0" : String(epoch)]
        for piece in rest.split(separator: ".", omittingEmptySubsequences: false) {
            if let (number, suffix) = splitGluedPreRelease(piece) {
                pieces.append(String(number))
                pieces.append(String(suffix))
            } else {
                pieces.append(String(piece))
            }
        }
        return pieces
    }

    /// Splits `digits` + (`a`|`b`|`c`|`rc`) + `digits`, matched case-sensitively as
    /// packaging's `_prefix_regex` does.
    private static func splitGluedPreRelease(_ piece: Substring) -> (Substring, Substring)? {
        guard let letterStart = piece.firstIndex(where: { !$0.isASCIIDigit }), letterStart > piece.startIndex else { return nil }
        let afterLetters: Substring.Index
        let rest = piece[letterStart...]
        if rest.hasPrefix("rc") {
            afterLetters = piece.index(letterStart, offsetBy: 2)
        } else if rest.hasPrefix("a") || rest.hasPrefix("b") || rest.hasPrefix("c") {
            afterLetters = piece.index(after: letterStart)
        } else {
            return nil
        }
        let digits = piece[afterLetters...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        return (piece[..<letterStart], piece[letterStart...])
    }

    private static func isAllDigits(_ piece: String) -> Bool {
        !piece.isEmpty && piece.allSatisfy(\.isASCIIDigit)
    }

    /// How a piece compares with a normalized candidate's pieces, which are numbers without
    /// leading zeros and `a`/`b`/`rc`/`post`/`dev` followed by such a number.
    private static func part(_ piece: String) -> Part {
        if let number = canonicalNumber(piece[...]) { return .number(number) }
        for kind in SuffixKind.allCases where piece.hasPrefix(kind.rawValue) {
            if let number = canonicalNumber(piece.dropFirst(kind.rawValue.count)) { return .suffix(kind, number) }
        }
        return .unmatchable
    }

    private static func canonicalNumber(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        if digits.count > 1, digits.first == "0" { return nil }
        return Int(digits)
    }
}

extension Character {
    /// `0`…`9` only, as in packaging's `[0-9]`.
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

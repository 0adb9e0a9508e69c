/// One clause of a specifier set, such as `>=2.2`, `==2.2.*` or `===2.2.0+cu121`, parsed
/// once so that matching a candidate needs no parsing of the clause.
struct VersionClause: Sendable, Equatable {
    /// A PEP 440 comparison operator, spelled as in a specifier.
    enum Operator: String, Sendable, CaseIterable {
        case compatible = "~="
        case equal = "=="
        case notEqual = "!="
        case lessThanOrEqual = "<="
        case greaterThanOrEqual = ">="
        case lessThan = "<"
        case greaterThan = ">"
        case arbitrary = "==="
    }

    /// How a candidate is tested, with everything derived from the clause's version.
    enum Test: Sendable, Equatable {
        /// `===`: the candidate string as written equals this text, ignoring case.
        case arbitrary(String)
        /// `==V.*`.
        case prefix(ReleasePrefix)
        /// `!=V.*`.
        case notPrefix(ReleasePrefix)
        /// `==V`: ignores the candidate's local label unless V has one.
        case equal(Version)
        case notEqual(Version)
        /// `~=V`: at least V, and within the prefix that V's release without its last number gives.
        case compatible(Version, ReleasePrefix)
        case lessThanOrEqual(Version)
        case greaterThanOrEqual(Version)
        /// `<V`: `prereleaseFloor` is V.dev0 when V is a final or post-release, since then
        /// pre-releases of V itself do not count as below V.
        case lessThan(Version, prereleaseFloor: Version?)
        case greaterThan(Version)
    }

    let op: Operator
    /// The version part as written, without surrounding whitespace.
    let version: String
    let test: Test

    /// Why a clause is not valid; the text completes "invalid version specifier "…": ".
    struct SyntaxError: Error, Equatable {
        let reason: String
    }

    /// Parses one clause that has been stripped of surrounding whitespace and is not empty.
    static func parse(_ text: Substring) -> Result<VersionClause, SyntaxError> {
        // Compared by Unicode scalar, not by Character, so that a combining mark after an
        // operator cannot hide it, as it cannot in packaging.
        let scalars = text.unicodeScalars
        let op: Operator
        if scalars.starts(with: "===".unicodeScalars) {
            op = .arbitrary
        } else if let twoLetter = Operator(rawValue: String(String.UnicodeScalarView(scalars.prefix(2)))) {
            op = twoLetter
        } else if let oneLetter = Operator(rawValue: String(String.UnicodeScalarView(scalars.prefix(1)))) {
            op = oneLetter
        } else {
            return .failure(SyntaxError(reason: "\(displayQuoted(String(text))) does not start with an operator (one of ~= == != <= >= < > ===)"))
        }
        let versionText = strippingPythonWhitespace(Substring(scalars.dropFirst(op.rawValue.unicodeScalars.count)))
        let version = String(versionText)

        if op == .arbitrary {
            if let bad = versionText.unicodeScalars.first(where: { isPythonWhitespace($0) || $0 == ";" || $0 == ")" }) {
                return .failure(SyntaxError(reason: "the text after === must not contain whitespace, ';' or ')', found \(displayQuoted(String(bad)))"))
            }
            return .success(VersionClause(op: op, version: version, test: .arbitrary(version)))
        }
        if versionText.isEmpty {
            return .failure(SyntaxError(reason: "\(op.rawValue) needs a version after it"))
        }

        if versionText.hasSuffix(".*") {
            guard op == .equal || op == .notEqual else {
                return .failure(SyntaxError(reason: "a trailing '.*' is only allowed with == and !=, not with \(op.rawValue)"))
            }
            let base: Version
            switch VersionScanner.parse(versionText.dropLast(2)) {
            case .success(let parts): base = Version(parts)
            case .failure(let failure): return .failure(SyntaxError(reason: "\(displayQuoted(version)) is not a version followed by '.*': \(failure.reason)"))
            }
            guard base.pre == nil, base.post == nil, base.dev == nil, base.local == nil else {
                return .failure(SyntaxError(reason: "'.*' can only follow release numbers, as in \(op.rawValue)2.2.*, not a pre-, post- or dev-release or a local label"))
            }
            let prefix = ReleasePrefix(canonicalizing: String(versionText.dropLast(2)))
            return .success(VersionClause(op: op, version: version, test: op == .equal ? .prefix(prefix) : .notPrefix(prefix)))
        }

        let parsed: Version
        switch VersionScanner.parse(versionText) {
        case .success(let parts): parsed = Version(parts)
        case .failure(let failure): return .failure(SyntaxError(reason: "\(displayQuoted(version)) is not a version: \(failure.reason)"))
        }
        if let local = parsed.local, op != .equal, op != .notEqual {
            return .failure(SyntaxError(reason: "a local label ('+\(local)') is only allowed with ==, != and ===, not with \(op.rawValue)"))
        }

        let test: Test
        switch op {
        case .equal: test = .equal(parsed)
        case .notEqual: test = .notEqual(parsed)
        case .lessThanOrEqual: test = .lessThanOrEqual(parsed)
        case .greaterThanOrEqual: test = .greaterThanOrEqual(parsed)
        case .greaterThan: test = .greaterThan(parsed)
        case .lessThan:
            let floor = parsed.isPrerelease ? nil : Version(epoch: parsed.epoch, release: parsed.release, pre: parsed.pre, post: parsed.post, dev: 0, local: nil)
            test = .lessThan(parsed, prereleaseFloor: floor)
        case .compatible:
            guard parsed.release.count >= 2 else {
                return .failure(SyntaxError(reason: "~= needs at least two release numbers, as in ~=2.2 (meaning >=2.2, ==2.*)"))
            }
            test = .compatible(parsed, ReleasePrefix(compatibleWith: version))
        case .arbitrary:
            test = .arbitrary(version)
        }
        return .success(VersionClause(op: op, version: version, test: test))
    }

    /// Whether `candidate` (parsed as `parsedCandidate` when it is a version) satisfies this clause.
    func matches(_ candidate: String, _ parsedCandidate: Version?) -> Bool {
        if case .arbitrary(let expected) = test {
            return equalsIgnoringCaseLikePython(candidate, expected)
        }
        guard let candidate = parsedCandidate else { return false }
        switch test {
        case .arbitrary:
            return false
        case .prefix(let prefix):
            return prefix.matches(candidate)
        case .notPrefix(let prefix):
            return !prefix.matches(candidate)
        case .equal(let spec):
            return candidate.compare(to: spec, ignoringLocals: spec.local == nil) == 0
        case .notEqual(let spec):
            return candidate.compare(to: spec, ignoringLocals: spec.local == nil) != 0
        case .compatible(let spec, let prefix):
            return candidate.compare(to: spec, ignoringLocals: true) >= 0 && prefix.matches(candidate)
        case .lessThanOrEqual(let spec):
            return candidate.compare(to: spec, ignoringLocals: true) <= 0
        case .greaterThanOrEqual(let spec):
            return candidate.compare(to: spec, ignoringLocals: true) >= 0
        case .lessThan(let spec, let floor):
            guard candidate.compare(to: spec) < 0 else { return false }
            if let floor, candidate.isPrerelease, candidate.compare(to: floor) >= 0 { return false }
            return true
        case .greaterThan(let spec):
            guard candidate.compare(to: spec) > 0 else { return false }
            // A post-release of V itself is not "greater than V" unless V is a post-release.
            if !spec.isPostrelease, candidate.isPostrelease, spec.dev == nil, candidate.epoch == spec.epoch,
                Version.compareReleases(candidate.release, spec.release) == 0, candidate.pre == spec.pre
            {
                return false
            }
            // Nor is V with a local label.
            if candidate.local != nil, candidate.compare(to: spec, ignoringLocals: true) == 0 { return false }
            return true
        }
    }
}

/// Python's `a.lower() == b.lower()`: full Unicode lowercasing, then code point equality
/// (not Swift's canonical equivalence).
func equalsIgnoringCaseLikePython(_ left: String, _ right: String) -> Bool {
    let leftBytes = left.utf8
    let rightBytes = right.utf8
    if leftBytes.allSatisfy({ $0 < 0x80 }), rightBytes.allSatisfy({ $0 < 0x80 }) {
        guard leftBytes.count == rightBytes.count else { return false }
        return zip(leftBytes, rightBytes).allSatisfy { lowercasedASCII($0) == lowercasedASCII($1) }
    }
    return left.lowercased().unicodeScalars.elementsEqual(right.lowercased().unicodeScalars)
}

@inline(__always)
private func lowercasedASCII(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}

/// A PEP 440 version specifier set such as `>=2.2, <3`, `==2.2.*` or `~=12.1`: the
/// `version` rule of a profile. Matching follows Python's `packaging` 26 exactly.
public struct SpecifierSet: Sendable, Equatable, CustomStringConvertible {
    /// The set as written, without surrounding whitespace; this is what locks keep.
    public let text: String
    let clauses: [VersionClause]

    /// Parses `""` (matches everything), one clause, or clauses joined by commas. Empty
    /// clauses between commas are ignored, as packaging ignores them.
    public init(parsing text: String) throws(VersionError) {
        self.text = String(strippingPythonWhitespace(text))
        var clauses: [VersionClause] = []
        // Split by scalar: a combining mark after a comma does not glue it to the next clause.
        for piece in text.unicodeScalars.split(separator: ",", omittingEmptySubsequences: false) {
            let clauseText = strippingPythonWhitespace(Substring(piece))
            if clauseText.isEmpty { continue }
            switch VersionClause.parse(clauseText) {
            case .success(let clause):
                clauses.append(clause)
            case .failure(let error):
                let clauseContext = text.contains(",") ? "in clause \(displayQuoted(String(clauseText))): " : ""
                throw .invalidSpecifier(text: text, reason: clauseContext + error.reason)
            }
        }
        self.clauses = clauses
    }

    /// The set as written.
    public var description: String { text }

    /// Two sets are equal when they are written the same way (after trimming).
    public static func == (lhs: SpecifierSet, rhs: SpecifierSet) -> Bool {
        lhs.text == rhs.text
    }

    /// Whether `candidate` satisfies every clause, exactly as packaging 26's
    /// `SpecifierSet(text).contains(candidate, prereleases=prereleases)`.
    ///
    /// With `prereleases == false` a pre- or development release never matches. Otherwise
    /// (`nil` or `true`) a pre-release matches when it satisfies the clauses: packaging 26
    /// only holds pre-releases back when a final release is also offered, and a single
    /// candidate has none beside it. A candidate that is not a PEP 440 version matches only
    /// `===` clauses, and the empty set.
    func contains(_ candidate: String, prereleases: Bool? = nil) -> Bool {
        let version = Version(candidate)
        if prereleases == false, let version, version.isPrerelease { return false }
        return matchesEveryClause(candidate, version)
    }

    /// Whether an installed `candidate` satisfies the set, exactly as packaging 26's
    /// `SpecifierSet(text).contains(candidate, installed=True)`: pre-releases count (a
    /// nightly torch `2.3.0.dev20240101` satisfies `>=2.2`), and `===` compares the string
    /// as written, ignoring case. This is the semantics of envlock's `version` rules.
    public func containsInstalled(_ candidate: String) -> Bool {
        matchesEveryClause(candidate, Version(candidate))
    }

    private func matchesEveryClause(_ candidate: String, _ version: Version?) -> Bool {
        for clause in clauses where !clause.matches(candidate, version) {
            return false
        }
        return true
    }
}

/// The outcome of one rule for one fact key.
public struct RuleResult: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable {
        case pass
        /// An error rule failed.
        case fail
        /// A warning rule failed.
        case warn
    }

    /// The concrete fact key, or the rule's pattern when no fact matched.
    public var key: String
    public var rule: Rule
    /// What the rule wants, for people: `==2.2.0`, `"NVIDIA L4"`, `absent`.
    public var expected: String
    /// The value found on this machine; nil when the fact is missing.
    public var found: String?
    public var verdict: Verdict
    /// Why a fact is missing, why a value is not a version, and similar explanations.
    public var note: String?
}

/// Every rule's results for one machine, failures first, and the cross-check findings.
public struct Evaluation: Sendable, Equatable {
    public var results: [RuleResult]
    public var findings: [Finding]

    /// True when an error rule failed: the machine does not match.
    public var hasErrors: Bool { results.contains { $0.verdict == .fail } }
    public var errorCount: Int { results.count { $0.verdict == .fail } }
    public var warningCount: Int { results.count { $0.verdict == .warn } }
}

/// Evaluates rules against a snapshot of this machine.
public enum Evaluator {
    /// Evaluates `rules` on `snapshot`. `lockedFacts` are the facts recorded in a lock, which
    /// `pin` rules compare against; when making a lock they are nil and a pin only needs the
    /// fact to exist.
    public static func evaluate(_ rules: [Rule], lockedFacts: [String: String]?, snapshot: Snapshot) -> Evaluation {
        var results: [RuleResult] = []
        for rule in rules {
            results.append(contentsOf: evaluate(rule, lockedFacts: lockedFacts, snapshot: snapshot))
        }
        let rank: (RuleResult.Verdict) -> Int = { $0 == .fail ? 0 : $0 == .warn ? 1 : 2 }
        let ordered = results.enumerated().sorted {
            (rank($0.element.verdict), $0.offset) < (rank($1.element.verdict), $1.offset)
        }.map(\.element)
        return Evaluation(results: ordered, findings: snapshot.findings)
    }

    /// The facts a lock records for `rules`: every fact that a rule's key matches.
    public static func factsToLock(for rules: [Rule], from facts: [String: String]) -> [String: String] {
        var locked: [String: String] = [:]
        for rule in rules {
            for key in rule.pattern.matchingKeys(in: facts) { locked[key] = facts[key] }
        }
        return locked
    }

    static func evaluate(_ rule: Rule, lockedFacts: [String: String]?, snapshot: Snapshot) -> [RuleResult] {
        let facts = snapshot.facts
        let keys = rule.pattern.matchingKeys(in: facts)
        let failed: RuleResult.Verdict = rule.severity == .error ? .fail : .warn
        func result(_ key: String, expected: String, found: String?, passes: Bool, note: String? = nil) -> RuleResult {
            RuleResult(key: key, rule: rule, expected: expected, found: found, verdict: passes ? .pass : failed, note: note)
        }
        let missing = { (expected: String) in
            [result(rule.pattern.text, expected: expected, found: nil, passes: false,
                    note: missingExplanation(for: rule.pattern, in: snapshot))]
        }
        switch rule.check {
        case .absent:
            if keys.isEmpty { return [result(rule.pattern.text, expected: "absent", found: nil, passes: true)] }
            return keys.map { result($0, expected: "absent", found: facts[$0], passes: false) }
        case .equals(let wanted):
            if keys.isEmpty { return missing("\"\(wanted)\"") }
            return keys.map { result($0, expected: "\"\(wanted)\"", found: facts[$0], passes: facts[$0] == wanted) }
        case .oneOf(let allowed):
            let expected = "one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", ")
            if keys.isEmpty { return missing(expected) }
            return keys.map { key in result(key, expected: expected, found: facts[key], passes: allowed.contains(facts[key] ?? "")) }
        case .version(let specifiers):
            if keys.isEmpty { return missing(specifiers.text) }
            return keys.map { key in
                let value = facts[key] ?? ""
                if !specifiers.text.contains("==="), Version(value) == nil,
                   case .failure(let error) = Result(catching: { () throws(VersionError) in try Version(parsing: value) }) {
                    return result(key, expected: specifiers.text, found: value, passes: false,
                                  note: "rule '\(rule.pattern.text)' compares versions, but \(key) is \"\(value)\", which is not a PEP 440 version (\(error)); use equals, one_of or pin for such facts")
                }
                return result(key, expected: specifiers.text, found: value, passes: specifiers.containsInstalled(value))
            }
        case .pin:
            guard let lockedFacts else {
                if keys.isEmpty { return missing("the locking machine's value") }
                return keys.map { result($0, expected: "\"\(facts[$0] ?? "")\" (pinned now)", found: facts[$0], passes: true) }
            }
            let lockedKeys = rule.pattern.matchingKeys(in: lockedFacts)
            var results = lockedKeys.map { key in
                let note = facts[key] == nil ? missingExplanation(for: FactPattern(key) ?? rule.pattern, in: snapshot) : nil
                return result(key, expected: "\"\(lockedFacts[key] ?? "")\"", found: facts[key], passes: facts[key] == lockedFacts[key], note: note)
            }
            for key in keys where lockedFacts[key] == nil {
                results.append(result(key, expected: "absent (not on the locking machine)", found: facts[key], passes: false))
            }
            if results.isEmpty {
                results.append(result(rule.pattern.text, expected: "absent (not on the locking machine)", found: nil, passes: true))
            }
            return results
        }
    }

    /// Names the detectors that could have produced a fact matching `pattern` and says
    /// what each of them reported, so a missing fact explains itself.
    static func missingExplanation(for pattern: FactPattern, in snapshot: Snapshot) -> String {
        let literal = String(pattern.text.prefix { $0 != "*" })
        let sources = snapshot.detectors.filter { report in
            report.provides.contains { literal.hasPrefix($0) || $0.hasPrefix(literal) }
        }
        guard !sources.isEmpty else {
            return "no fact matches \(pattern.text), and no detector reports such keys (check the key against docs/FACTS.md)"
        }
        let states = sources.map { report in
            "\(report.name) \(report.status.rawValue)" + (report.detail.map { ": \($0)" } ?? "")
        }
        return "no fact matches \(pattern.text): " + states.joined(separator: "; ")
    }
}

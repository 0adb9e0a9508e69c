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
    /// What kept the rule from being evaluated, when it could not be: the reason its source
    /// gave (an undetermined setting, a refused command line, a failed detector). Results with
    /// the same cause come from one problem, and reports for people show them once, under it.
    var cause: String?

    init(key: String, rule: Rule, expected: String, found: String?, verdict: Verdict, note: String?, cause: String? = nil) {
        self.key = key
        self.rule = rule
        self.expected = expected
        self.found = found
        self.verdict = verdict
        self.note = note
        self.cause = cause
    }
}

/// Every rule's results for one machine, failures first, and the cross-check findings.
public struct Evaluation: Sendable, Equatable {
    public var results: [RuleResult]
    public var findings: [Finding]

    /// True when an error rule failed: the machine does not match.
    public var hasErrors: Bool { results.contains { $0.verdict == .fail } }
    public var errorCount: Int { results.count { $0.verdict == .fail } }
    var warningCount: Int { results.count { $0.verdict == .warn } }
}

/// Evaluates rules against a snapshot of this machine.
public enum Evaluator {
    /// Evaluates `rules` on `snapshot`. `lockedFacts` are the facts recorded in a lock, which
    /// `pin` rules compare against; when making a lock they are nil and a pin only needs the
    /// fact to exist.
    public static func evaluate(_ rules: [Rule], lockedFacts: [String: String]?, snapshot: Snapshot) -> Evaluation {
        let hasGlobs = rules.contains { $0.pattern.isGlob }
        let facts = FactIndex(snapshot.facts, forGlobs: hasGlobs)
        let locked = lockedFacts.map { FactIndex($0, forGlobs: hasGlobs) }
        var results: [RuleResult] = []
        results.reserveCapacity(rules.count)
        for rule in rules {
            evaluate(rule, facts: facts, locked: locked, snapshot: snapshot, into: &results)
            undecided(rule, facts: facts, snapshot: snapshot, into: &results)
        }
        // A process still starting cannot show the libraries it will load: not a mismatch.
        for index in results.indices where results[index].verdict == .fail && RuntimeState.isPending(results[index], facts: snapshot.facts) {
            results[index].verdict = .warn
            results[index].note = RuntimeState.pendingNote
        }
        // Failures first, then warnings, then passes; rule order within each.
        var ordered: [RuleResult] = []
        ordered.reserveCapacity(results.count)
        for verdict in [RuleResult.Verdict.fail, .warn, .pass] {
            ordered.append(contentsOf: results.lazy.filter { $0.verdict == verdict })
        }
        return Evaluation(results: ordered, findings: snapshot.findings)
    }

    /// The facts a lock records for `rules`: every fact that a rule's key matches.
    public static func factsToLock(for rules: [Rule], from facts: [String: String]) -> [String: String] {
        let index = FactIndex(facts, forGlobs: rules.contains { $0.pattern.isGlob })
        var locked: [String: String] = [:]
        for rule in rules {
            for key in rule.pattern.matchingKeys(in: index) { locked[key] = facts[key] }
        }
        return locked
    }

    static func evaluate(_ rule: Rule, facts index: FactIndex, locked: FactIndex?, snapshot: Snapshot, into results: inout [RuleResult]) {
        let facts = index.facts
        let keys = rule.pattern.matchingKeys(in: index)
        let failed: RuleResult.Verdict = rule.severity == .error ? .fail : .warn
        func add(_ key: String, expected: String, found: String?, passes: Bool, note: String? = nil, cause: String? = nil) {
            results.append(RuleResult(key: key, rule: rule, expected: expected, found: found, verdict: passes ? .pass : failed, note: note, cause: cause))
        }
        func addMissing(_ expected: String) {
            let missing = missingExplanation(for: rule.pattern, in: snapshot)
            add(rule.pattern.text, expected: expected, found: nil, passes: false, note: missing.note, cause: missing.cause)
        }
        switch rule.check {
        case .absent:
            if keys.isEmpty {
                let doubt = absenceDoubt(for: rule.pattern, in: snapshot)
                add(rule.pattern.text, expected: "absent", found: nil, passes: doubt == nil, note: doubt?.note, cause: doubt?.cause)
            }
            for key in keys { add(key, expected: "absent", found: facts[key], passes: false) }
        case .equals(let wanted):
            if keys.isEmpty { addMissing("\"\(wanted)\"") }
            for key in keys { add(key, expected: "\"\(wanted)\"", found: facts[key], passes: sameBytes(facts[key], wanted)) }
        case .oneOf(let allowed):
            let expected = "one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", ")
            if keys.isEmpty { addMissing(expected) }
            for key in keys { add(key, expected: expected, found: facts[key], passes: allowed.contains { sameBytes(facts[key], $0) }) }
        case .version(let specifiers):
            if keys.isEmpty { addMissing(specifiers.text) }
            for key in keys {
                let value = facts[key] ?? ""
                if Version(value) == nil, !specifiers.text.contains("==="),
                   case .failure(let error) = Result(catching: { () throws(VersionError) in try Version(parsing: value) }) {
                    add(key, expected: specifiers.text, found: value, passes: false,
                        note: "rule '\(rule.pattern.text)' compares versions, but \(key) is \"\(value)\", which is not a PEP 440 version (\(error)); use equals, one_of or pin for such facts")
                } else {
                    add(key, expected: specifiers.text, found: value, passes: specifiers.containsInstalled(value))
                }
            }
        case .contains(let wanted), .excludes(let wanted):
            let wantsItem: Bool
            if case .contains = rule.check { wantsItem = true } else { wantsItem = false }
            let expected = (wantsItem ? "contains " : "excludes ") + "\"\(wanted)\""
            if keys.isEmpty { addMissing(expected) }
            for key in keys {
                let value = facts[key] ?? ""
                let matching = FactList.items(of: value).filter { FactList.item($0, matches: wanted) }
                let note = !wantsItem && !matching.isEmpty
                    ? "has " + matching.map { "\"\($0)\"" }.joined(separator: ", ") + (wanted.contains("*") ? ", which matches \"\(wanted)\"" : "")
                    : nil
                add(key, expected: expected, found: value, passes: wantsItem == !matching.isEmpty, note: note)
            }
        case .pin:
            guard let locked else {
                if keys.isEmpty { addMissing("the locking machine's value") }
                for key in keys { add(key, expected: "\"\(facts[key] ?? "")\" (pinned now)", found: facts[key], passes: true) }
                return
            }
            let lockedKeys = rule.pattern.matchingKeys(in: locked)
            for key in lockedKeys {
                let missing = facts[key] == nil ? missingExplanation(for: FactPattern(key) ?? rule.pattern, in: snapshot) : nil
                add(key, expected: "\"\(locked.facts[key] ?? "")\"", found: facts[key], passes: sameBytes(facts[key], locked.facts[key]), note: missing?.note, cause: missing?.cause)
            }
            for key in keys where locked.facts[key] == nil {
                add(key, expected: "absent (not on the locking machine)", found: facts[key], passes: false)
            }
            if lockedKeys.isEmpty && keys.isEmpty {
                let doubt = absenceDoubt(for: rule.pattern, in: snapshot)
                add(rule.pattern.text, expected: "absent (not on the locking machine)", found: nil, passes: doubt == nil, note: doubt?.note, cause: doubt?.cause)
            }
        }
    }

    /// Fails `rule` once for each key it covers that a detector could not decide (a job
    /// setting envlock cannot read as the app would, a dist-info without a Version) and that no
    /// result above already names: a rule over several keys (`job.fooocus.model.*.sha256`)
    /// must not pass on the keys it could read while one it covers stays unknown.
    static func undecided(_ rule: Rule, facts: FactIndex, snapshot: Snapshot, into results: inout [RuleResult]) {
        let failed: RuleResult.Verdict = rule.severity == .error ? .fail : .warn
        for report in snapshot.detectors {
            for (key, reason) in report.unreadable.sorted(by: { $0.key < $1.key }) where rule.pattern.matches(key) && facts.facts[key] == nil {
                guard !results.contains(where: { $0.rule == rule && ($0.key == key || $0.key == rule.pattern.text) }) else { continue }
                results.append(RuleResult(key: key, rule: rule, expected: "a value envlock can decide", found: nil, verdict: failed, note: unreadableNote(key, reason), cause: reason))
            }
        }
    }

    /// Why an unreadable key has no value, in a sentence.
    static func unreadableNote(_ key: String, _ reason: String) -> String {
        reason.hasPrefix("undetermined") || reason.hasPrefix(notEvaluated) ? "\(key) is \(reason)" : "\(key) is installed but cannot be read: \(reason)"
    }

    /// How a detector's reason begins for a key it did not read because another of its facts
    /// ends the job first (a command line the app refuses): the key is neither present nor
    /// absent, and the report shows it once, under that cause.
    public static let notEvaluated = "not evaluated"

    /// Why a fact is missing (`note`), and what kept it from being read (`cause`) when its
    /// source could not answer: nil where every source read the machine and found no such key.
    struct Missing: Equatable {
        var note: String
        var cause: String?
    }

    /// Byte-for-byte equality: Swift's `==` on strings treats canonically equivalent Unicode
    /// as equal, but a lock promises the exact value.
    static func sameBytes(_ value: String?, _ expected: String?) -> Bool {
        guard let value, let expected else { return value == nil && expected == nil }
        return value.utf8.elementsEqual(expected.utf8)
    }

    /// Why the absence of facts matching `pattern` proves nothing, or nil when it does: a
    /// detector that could report such keys failed, or every one of them was skipped. A sick
    /// machine must not pass an `absent` rule because the source that would show the fact broke.
    static func absenceDoubt(for pattern: FactPattern, in snapshot: Snapshot) -> Missing? {
        if let unreadable = snapshot.unreadable(matching: pattern) {
            return Missing(note: unreadableNote(unreadable.key, unreadable.reason), cause: unreadable.reason)
        }
        let sources = self.sources(for: pattern, in: snapshot)
        let failed = sources.filter { $0.status == .failed }
        let answered = sources.contains { $0.status == .ok || $0.status == .absent }
        guard !failed.isEmpty || (!sources.isEmpty && !answered) else { return nil }
        let states = sourceStates(failed.isEmpty ? sources : failed)
        return Missing(note: "cannot tell whether \(pattern.text) is absent: " + states, cause: states)
    }

    /// `fooocus failed: cannot read the Fooocus version: …; comfyui absent: …`.
    static func sourceStates(_ sources: [DetectorReport]) -> String {
        sources.map { report in
            "\(report.name) \(report.status.rawValue)" + (report.detail.map { ": \($0)" } ?? "")
        }.joined(separator: "; ")
    }

    /// The detectors that report keys like `pattern`'s, as the live probe knows them.
    static func sources(for pattern: FactPattern, in snapshot: Snapshot) -> [DetectorReport] {
        let literal = pattern.literalPrefix
        return snapshot.detectors.filter { report in
            report.provides.contains { literal.hasPrefix($0) || $0.hasPrefix(literal) }
        }
    }

    /// Names the detectors that could have produced a fact matching `pattern` and says
    /// what each of them reported, so a missing fact explains itself.
    static func missingExplanation(for pattern: FactPattern, in snapshot: Snapshot) -> Missing {
        if let unreadable = snapshot.unreadable(matching: pattern) {
            return Missing(note: unreadableNote(unreadable.key, unreadable.reason), cause: unreadable.reason)
        }
        let sources = self.sources(for: pattern, in: snapshot)
        guard !sources.isEmpty else {
            return Missing(note: "no fact matches \(pattern.text), and no detector reports such keys (check the key against docs/FACTS.md)")
        }
        if sources.allSatisfy({ $0.status == .ok }) {
            let names = sources.map(\.name).joined(separator: ", ")
            return Missing(note: "no fact matches \(pattern.text): \(names) read this machine and reported no such key (not installed here)")
        }
        let states = sourceStates(sources)
        return Missing(note: "no fact matches \(pattern.text): " + states, cause: states)
    }
}

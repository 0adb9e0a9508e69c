/// An evaluation as `verify`, `run` and `lock` report it. For people (text, Markdown): the
/// failures and warnings first, each fact once (with the reasons of every rule on it), the
/// rules that could not be evaluated once under their cause, cross-check warnings, then the
/// verdict with the passes as a count (`all` lists them). For programs (`document`): every rule
/// with its status, cause and reason. Keys, values and reasons come from documents and the
/// machine and are escaped (UntrustedText).
extension Evaluation {
    /// Rules that failed because their fact could not be evaluated (`RuleResult.cause`).
    var notEvaluatedCount: Int { results.count { $0.verdict != .pass && $0.cause != nil } }

    /// `DRIFT: 1 error, 20 not evaluated, 0 warnings, 12 passed` or `MATCH: …`; errors and
    /// warnings count the rules evaluated, and "not evaluated" appears only when some were not.
    var verdictLine: String {
        let passed = results.count - errorCount - warningCount
        let notEvaluated = notEvaluatedCount
        let errors = results.count { $0.verdict == .fail && $0.cause == nil }
        let warnings = results.count { $0.verdict == .warn && $0.cause == nil }
        var counts = "\(errors) error\(errors == 1 ? "" : "s"), "
        if notEvaluated > 0 { counts += "\(notEvaluated) not evaluated, " }
        counts += "\(warnings) warning\(warnings == 1 ? "" : "s"), \(passed) passed"
        return hasErrors ? "DRIFT: \(counts)" : "MATCH: \(counts)"
    }

    /// What a report for people shows: one entry per fact and outcome, or per cause.
    enum Entry {
        /// One fact's outcome, with every rule that gave it (a pin and a wildcard pin).
        case fact([RuleResult])
        /// The rules that could not be evaluated for one cause (more than one of them).
        case notEvaluated(cause: String, [RuleResult])
    }

    /// The results as people read them, in the evaluation's order (failures, warnings, passes):
    /// results for the same fact with the same outcome are one entry, and results with the same
    /// cause are one entry where the first of them stood (a cause of one rule shows as that
    /// rule, with its note and why). Passes only when `all`.
    func entries(all: Bool) -> [Entry] {
        var entries: [Entry] = []
        var factEntry: [String: Int] = [:]
        var causeEntry: [String: Int] = [:]
        for result in results where all || result.verdict != .pass {
            if let cause = result.cause, result.verdict != .pass {
                if let index = causeEntry[cause], case .notEvaluated(let cause, let same) = entries[index] {
                    entries[index] = .notEvaluated(cause: cause, same + [result])
                } else {
                    causeEntry[cause] = entries.count
                    entries.append(.notEvaluated(cause: cause, [result]))
                }
                continue
            }
            // An exact pin and a wildcard pin (or a version rule) on one fact: one entry.
            let identity = [result.key, result.verdict.rawValue, result.found ?? "\u{0}"].joined(separator: "\u{0}")
            if let index = factEntry[identity], case .fact(let same) = entries[index] {
                entries[index] = .fact(same + [result])
            } else {
                factEntry[identity] = entries.count
                entries.append(.fact([result]))
            }
        }
        return entries.map { entry in
            if case .notEvaluated(_, let rules) = entry, rules.count == 1 { return .fact(rules) }
            return entry
        }
    }

    /// `values` in order, each once.
    static func eachOnce(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// The facts `rules` are on, each once, in order.
    static func keys(_ rules: [RuleResult]) -> [String] { eachOnce(rules.map(\.key)) }

    /// `not evaluated (25 rules on 24 facts)`.
    static func notEvaluatedHead(_ rules: [RuleResult]) -> String {
        let keys = keys(rules).count
        let facts = rules.count == keys ? "" : " on \(keys) fact\(keys == 1 ? "" : "s")"
        return "not evaluated (\(rules.count) rule\(rules.count == 1 ? "" : "s")\(facts))"
    }

    /// A cause as a report for people shows it after "because": without the `not evaluated:`
    /// that the entry already says.
    static func shown(cause: String) -> String {
        let prefix = Evaluator.notEvaluated + ": "
        return cause.hasPrefix(prefix) ? String(cause.dropFirst(prefix.count)) : cause
    }

    /// After the verdict line when passes are not listed: how to list them.
    func passesHint(all: Bool) -> String {
        all || results.count == errorCount + warningCount ? "" : " (--all lists the passes)"
    }

    /// For a terminal or a log, under `header` (already escaped by the caller), every line
    /// fitting `width` columns unless one value alone is longer. `all` lists the passes too.
    public func text(header: String, all: Bool = false, width: Int = TextWrap.defaultWidth) -> String {
        let terminal = UntrustedText.terminal
        let indent = "      "
        var lines = TextWrap.lines(header, first: "", rest: "  ", width: width)
        lines.append("")
        for entry in entries(all: all) {
            switch entry {
            case .fact(let rules):
                let first = rules[0]
                let head = first.verdict.rawValue.uppercased() + "  " + terminal(first.key)
                let expected = "expected " + Self.expectations(rules).map(terminal).joined(separator: " and ")
                let found = "found " + (first.found.map(UntrustedText.quoted) ?? "nothing")
                let oneLine = "\(head)  \(expected)  \(found)"
                if oneLine.count <= width {
                    lines.append(oneLine)
                } else {
                    lines.append(head)
                    lines += TextWrap.lines(expected, first: indent, rest: indent + "  ", width: width)
                    lines += TextWrap.lines(found, first: indent, rest: indent + "  ", width: width)
                }
                lines += Self.explanationLines(rules, width: width)
            case .notEvaluated(let cause, let rules):
                let verdict = rules.contains { $0.verdict == .fail } ? RuleResult.Verdict.fail : .warn
                let head = "\(verdict.rawValue.uppercased())  \(Self.notEvaluatedHead(rules)), because "
                lines += TextWrap.lines(terminal(Self.shown(cause: cause)), first: head, rest: indent + "  ", width: width)
                lines += TextWrap.lines(Self.keys(rules).map(terminal).joined(separator: ", "), first: indent, rest: indent, width: width)
            }
        }
        if !findings.isEmpty {
            if lines.last != "" { lines.append("") }
            for finding in findings {
                lines += TextWrap.lines(terminal(finding.message), first: "WARNING \(terminal(finding.code)): ", rest: "  ", width: width)
            }
        }
        if lines.last != "" { lines.append("") }
        lines.append(verdictLine + passesHint(all: all))
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the rules on one fact expect, each once (`==12.1.3.1` and `"12.1.3.1"`).
    static func expectations(_ rules: [RuleResult]) -> [String] { eachOnce(rules.map(\.expected)) }

    /// The indented `note:` and `why:` lines under a fact's line, each reason once however
    /// many rules on the fact give it.
    public static func explanationLines(_ rules: [RuleResult], width: Int) -> [String] {
        var seen: Set<String> = []
        var lines: [String] = []
        for (label, text) in rules.flatMap({ [("note", $0.note), ("why", $0.rule.why)] }) {
            guard let text, seen.insert(label + ":" + text).inserted else { continue }
            lines += TextWrap.lines(UntrustedText.terminal(text), first: "      \(label): ", rest: "        ", width: width)
        }
        return lines
    }

    /// For a bug report: a table of the failures and warnings (and passes when `all`) under
    /// `header`, each fact once and the rules not evaluated once per cause, then warnings and
    /// the verdict.
    public func markdown(header: String, all: Bool = false) -> String {
        var lines = ["### \(UntrustedText.markdown(header))", ""]
        let entries = entries(all: all)
        if !entries.isEmpty {
            lines += ["| verdict | key | expected | found | why |", "| --- | --- | --- | --- | --- |"]
        }
        for entry in entries {
            switch entry {
            case .fact(let rules):
                let first = rules[0]
                let reasons = Self.eachOnce(rules.flatMap { [$0.note, $0.rule.why] }.compactMap { $0 })
                lines.append("| \(first.verdict.rawValue) | \(UntrustedText.markdownCode(first.key)) | \(UntrustedText.markdown(Self.expectations(rules).joined(separator: " and "))) | \(UntrustedText.markdown(first.found ?? "nothing")) | \(UntrustedText.markdown(reasons.joined(separator: " "))) |")
            case .notEvaluated(let cause, let rules):
                let verdict = rules.contains { $0.verdict == .fail } ? RuleResult.Verdict.fail : .warn
                lines.append("| \(verdict.rawValue) | \(Self.keys(rules).map(UntrustedText.markdownCode).joined(separator: ", ")) | \(Self.notEvaluatedHead(rules)) | | \(UntrustedText.markdown("because " + Self.shown(cause: cause))) |")
            }
        }
        for finding in findings { lines += ["", "- warning \(UntrustedText.markdownCode(finding.code)): \(UntrustedText.markdown(finding.message))"] }
        if lines.last != "" { lines.append("") }
        lines.append("**\(verdictLine)**" + passesHint(all: all))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `context` (what was checked), then `verdict`, counts, every result and the findings.
    public func document(context: [JSONValue.Member]) -> JSONValue {
        var members = context
        members.append(.init("verdict", .string(hasErrors ? "drift" : "match")))
        members.append(.init("errors", .string(String(errorCount))))
        members.append(.init("warnings", .string(String(warningCount))))
        members.append(.init("results", .array(results.map { result in
            var fields: [JSONValue.Member] = [
                .init("key", .string(result.key)),
                .init("rule", .string(result.rule.summary)),
                .init("severity", .string(result.rule.severity.rawValue)),
                .init("expected", .string(result.expected)),
                .init("found", result.found.map(JSONValue.string) ?? .null),
                .init("verdict", .string(result.verdict.rawValue)),
            ]
            if let why = result.rule.why { fields.append(.init("why", .string(why))) }
            if let note = result.note { fields.append(.init("note", .string(note))) }
            if let cause = result.cause { fields.append(.init("cause", .string(cause))) }
            return .object(fields)
        })))
        members.append(.init("findings", .array(findings.map { finding in
            .object(["code": .string(finding.code), "message": .string(finding.message), "keys": .array(finding.keys.map(JSONValue.string))])
        })))
        return .object(members)
    }
}

/// An evaluation as `verify`, `run` and `lock` report it: one line (or row) per rule with key,
/// expected, found and verdict, then cross-check warnings, then the verdict. Keys, values and
/// reasons come from documents and the machine and are escaped (UntrustedText).
extension Evaluation {
    /// `DRIFT: 1 error, 0 warnings, 12 passed` or `MATCH: …`.
    public var verdictLine: String {
        let passed = results.count - errorCount - warningCount
        let counts = "\(errorCount) error\(errorCount == 1 ? "" : "s"), \(warningCount) warning\(warningCount == 1 ? "" : "s"), \(passed) passed"
        return hasErrors ? "DRIFT: \(counts)" : "MATCH: \(counts)"
    }

    /// For a terminal, under `header` (already escaped by the caller).
    public func text(header: String) -> String {
        let terminal = UntrustedText.terminal
        var lines = [header, ""]
        let rows = results.map { result in
            [result.verdict.rawValue.uppercased(), terminal(result.key), "expected \(terminal(result.expected))", "found " + (result.found.map(UntrustedText.quoted) ?? "nothing")]
        }
        let rendered = TextTable.lines(rows, indent: "")
        for (index, result) in results.enumerated() {
            lines.append(rendered[index])
            lines += result.explanationLines
        }
        if !findings.isEmpty {
            lines.append("")
            for finding in findings { lines.append("WARNING \(terminal(finding.code)): \(terminal(finding.message))") }
        }
        lines.append("")
        lines.append(verdictLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// For a bug report: a table of every rule under `header`, then warnings and the verdict.
    public func markdown(header: String) -> String {
        var lines = ["### \(UntrustedText.markdown(header))", "", "| verdict | key | expected | found | why |", "| --- | --- | --- | --- | --- |"]
        for result in results {
            let why = [result.note, result.rule.why].compactMap { $0 }.joined(separator: " ")
            lines.append("| \(result.verdict.rawValue) | \(UntrustedText.markdownCode(result.key)) | \(UntrustedText.markdown(result.expected)) | \(UntrustedText.markdown(result.found ?? "nothing")) | \(UntrustedText.markdown(why)) |")
        }
        for finding in findings { lines += ["", "- warning \(UntrustedText.markdownCode(finding.code)): \(UntrustedText.markdown(finding.message))"] }
        lines += ["", "**\(verdictLine)**"]
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
            return .object(fields)
        })))
        members.append(.init("findings", .array(findings.map { finding in
            .object(["code": .string(finding.code), "message": .string(finding.message), "keys": .array(finding.keys.map(JSONValue.string))])
        })))
        return .object(members)
    }
}

extension RuleResult {
    /// The indented `note:` and `why:` lines under a result's line in a terminal report.
    public var explanationLines: [String] {
        [note.map { "      note: \(UntrustedText.terminal($0))" }, rule.why.map { "      why: \(UntrustedText.terminal($0))" }].compactMap { $0 }
    }
}

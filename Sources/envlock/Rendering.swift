import EnvLock

/// Turns snapshots, evaluations and diffs into text for people, Markdown for bug reports,
/// and JSON or YAML for programs. Only the command line renders; the libraries return values.
enum Render {
    // MARK: Snapshots

    static func snapshot(_ snapshot: Snapshot, as format: OutputFormat) -> String {
        switch format {
        case .json: JSONText.pretty(snapshot.document)
        case .yaml: YAMLWriter.write(snapshot.document)
        case .text: snapshotText(snapshot)
        case .markdown: snapshotMarkdown(snapshot)
        }
    }

    static func snapshotText(_ snapshot: Snapshot) -> String {
        var lines = ["Facts"]
        lines += table(snapshot.facts.keys.sorted().map { [$0, snapshot.facts[$0] ?? ""] }, indent: "  ")
        lines.append("")
        lines.append("Detectors")
        lines += table(snapshot.detectors.map { [$0.status.rawValue, $0.name, $0.detail ?? ""] }, indent: "  ")
        for report in snapshot.detectors {
            for diagnostic in report.diagnostics { lines.append("  \(report.name): \(diagnostic)") }
        }
        if !snapshot.findings.isEmpty {
            lines.append("")
            lines.append("Warnings")
            for finding in snapshot.findings { lines.append("  \(finding.code): \(finding.message)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func snapshotMarkdown(_ snapshot: Snapshot) -> String {
        var lines = ["### envlock probe", "", "| fact | value |", "| --- | --- |"]
        for key in snapshot.facts.keys.sorted() {
            lines.append("| `\(key)` | \(markdownCell(snapshot.facts[key] ?? "")) |")
        }
        lines += ["", "| detector | status | detail |", "| --- | --- | --- |"]
        for report in snapshot.detectors {
            let detail = ([report.detail].compactMap { $0 } + report.diagnostics).joined(separator: "; ")
            lines.append("| \(report.name) | \(report.status.rawValue) | \(markdownCell(detail)) |")
        }
        if !snapshot.findings.isEmpty {
            lines += ["", "**Warnings**", ""]
            for finding in snapshot.findings { lines.append("- `\(finding.code)`: \(markdownCell(finding.message))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Verification reports

    struct VerifyHeader {
        var lockPath: String
        var lock: Lock
        var trust: TrustVerdict
    }

    static func trustText(_ trust: TrustVerdict) -> String {
        switch trust {
        case .signed(let keyID): "signed by trusted key \(keyID)"
        case .unsignedAllowed: "UNSIGNED (accepted because of --allow-unsigned)"
        }
    }

    static func verdictText(_ evaluation: Evaluation) -> String {
        let passed = evaluation.results.count - evaluation.errorCount - evaluation.warningCount
        let counts = "\(evaluation.errorCount) error\(evaluation.errorCount == 1 ? "" : "s"), \(evaluation.warningCount) warning\(evaluation.warningCount == 1 ? "" : "s"), \(passed) passed"
        return evaluation.hasErrors ? "DRIFT: \(counts)" : "MATCH: \(counts)"
    }

    static func evaluationText(_ evaluation: Evaluation, header: String) -> String {
        var lines = [header, ""]
        let rows = evaluation.results.map { result in
            [result.verdict.rawValue.uppercased(), result.key, "expected \(result.expected)", "found " + (result.found.map { "\"\($0)\"" } ?? "nothing")]
        }
        let rendered = table(rows, indent: "")
        for (index, result) in evaluation.results.enumerated() {
            lines.append(rendered[index])
            if let note = result.note { lines.append("      note: \(note)") }
            if let why = result.rule.why { lines.append("      why: \(why)") }
        }
        if !evaluation.findings.isEmpty {
            lines.append("")
            for finding in evaluation.findings { lines.append("WARNING \(finding.code): \(finding.message)") }
        }
        lines.append("")
        lines.append(verdictText(evaluation))
        return lines.joined(separator: "\n") + "\n"
    }

    static func evaluationMarkdown(_ evaluation: Evaluation, header: String) -> String {
        var lines = ["### \(header)", "", "| verdict | key | expected | found | why |", "| --- | --- | --- | --- | --- |"]
        for result in evaluation.results {
            let why = [result.note, result.rule.why].compactMap { $0 }.joined(separator: " ")
            lines.append("| \(result.verdict.rawValue) | `\(result.key)` | \(markdownCell(result.expected)) | \(markdownCell(result.found ?? "nothing")) | \(markdownCell(why)) |")
        }
        for finding in evaluation.findings { lines += ["", "- warning `\(finding.code)`: \(markdownCell(finding.message))"] }
        lines += ["", "**\(verdictText(evaluation))**"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func evaluationDocument(_ evaluation: Evaluation, context: [JSONValue.Member]) -> JSONValue {
        var members = context
        members.append(.init("verdict", .string(evaluation.hasErrors ? "drift" : "match")))
        members.append(.init("errors", .string(String(evaluation.errorCount))))
        members.append(.init("warnings", .string(String(evaluation.warningCount))))
        members.append(.init("results", .array(evaluation.results.map { result in
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
        members.append(.init("findings", .array(evaluation.findings.map { finding in
            .object(["code": .string(finding.code), "message": .string(finding.message), "keys": .array(finding.keys.map(JSONValue.string))])
        })))
        return .object(members)
    }

    // MARK: Helpers

    /// Rows with their columns padded to a common width (the last column unpadded).
    static func table(_ rows: [[String]], indent: String) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() where index < columns - 1 { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            var line = indent
            for (index, cell) in row.enumerated() {
                line += cell
                if index < row.count - 1 { line += String(repeating: " ", count: widths[index] - cell.count + 2) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    static func markdownCell(_ text: String) -> String {
        text.replacing("|", with: "\\|").replacing("\n", with: " ")
    }
}

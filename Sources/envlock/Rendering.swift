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
        lines += table(snapshot.facts.keys.sorted().map { [text($0), text(snapshot.facts[$0] ?? "")] }, indent: "  ")
        lines.append("")
        lines.append("Detectors")
        lines += table(snapshot.detectors.map { [$0.status.rawValue, text($0.name), text($0.detail ?? "")] }, indent: "  ")
        for report in snapshot.detectors {
            for diagnostic in report.diagnostics { lines.append("  \(text(report.name)): \(text(diagnostic))") }
            for (key, reason) in report.unreadable.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(text(report.name)): \(text(key)) is installed but cannot be read: \(text(reason))")
            }
        }
        if !snapshot.findings.isEmpty {
            lines.append("")
            lines.append("Warnings")
            for finding in snapshot.findings { lines.append("  \(text(finding.code)): \(text(finding.message))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func snapshotMarkdown(_ snapshot: Snapshot) -> String {
        var lines = ["### envlock probe", "", "| fact | value |", "| --- | --- |"]
        for key in snapshot.facts.keys.sorted() {
            lines.append("| \(UntrustedText.markdownCode(key)) | \(markdownCell(snapshot.facts[key] ?? "")) |")
        }
        lines += ["", "| detector | status | detail |", "| --- | --- | --- |"]
        for report in snapshot.detectors {
            let detail = ([report.detail].compactMap { $0 } + report.diagnostics).joined(separator: "; ")
            lines.append("| \(markdownCell(report.name)) | \(report.status.rawValue) | \(markdownCell(detail)) |")
        }
        if !snapshot.findings.isEmpty {
            lines += ["", "**Warnings**", ""]
            for finding in snapshot.findings { lines.append("- \(UntrustedText.markdownCode(finding.code)): \(markdownCell(finding.message))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Verification reports

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
            [result.verdict.rawValue.uppercased(), text(result.key), "expected \(text(result.expected))", "found " + (result.found.map(UntrustedText.quoted) ?? "nothing")]
        }
        let rendered = table(rows, indent: "")
        for (index, result) in evaluation.results.enumerated() {
            lines.append(rendered[index])
            if let note = result.note { lines.append("      note: \(text(note))") }
            if let why = result.rule.why { lines.append("      why: \(text(why))") }
        }
        if !evaluation.findings.isEmpty {
            lines.append("")
            for finding in evaluation.findings { lines.append("WARNING \(text(finding.code)): \(text(finding.message))") }
        }
        lines.append("")
        lines.append(verdictText(evaluation))
        return lines.joined(separator: "\n") + "\n"
    }

    static func evaluationMarkdown(_ evaluation: Evaluation, header: String) -> String {
        var lines = ["### \(markdownCell(header))", "", "| verdict | key | expected | found | why |", "| --- | --- | --- | --- | --- |"]
        for result in evaluation.results {
            let why = [result.note, result.rule.why].compactMap { $0 }.joined(separator: " ")
            lines.append("| \(result.verdict.rawValue) | \(UntrustedText.markdownCode(result.key)) | \(markdownCell(result.expected)) | \(markdownCell(result.found ?? "nothing")) | \(markdownCell(why)) |")
        }
        for finding in evaluation.findings { lines += ["", "- warning \(UntrustedText.markdownCode(finding.code)): \(markdownCell(finding.message))"] }
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

    // MARK: Diffs

    static func diff(_ differences: [FactDifference], left: String, right: String, as format: OutputFormat) -> String {
        switch format {
        case .json, .yaml:
            let document = JSONValue.object([
                "left": .string(left),
                "right": .string(right),
                "identical": .bool(differences.isEmpty),
                "differences": .array(differences.map { difference in
                    var fields: [JSONValue.Member] = [
                        .init("key", .string(difference.key)),
                        .init("group", .string(difference.group)),
                        .init("change", .string(change(difference))),
                        .init("left", difference.left.map(JSONValue.string) ?? .null),
                        .init("right", difference.right.map(JSONValue.string) ?? .null),
                    ]
                    if let why = difference.why { fields.append(.init("why", .string(why))) }
                    return .object(fields)
                }),
            ])
            return format == .json ? JSONText.pretty(document) : YAMLWriter.write(document)
        case .text:
            if differences.isEmpty { return "identical: \(text(left)) and \(text(right)) have the same facts\n" }
            var lines = ["--- \(text(left))", "+++ \(text(right))"]
            var group = ""
            for difference in differences {
                if difference.group != group {
                    group = difference.group
                    lines.append("")
                    lines.append("[\(group)]")
                }
                switch (difference.left, difference.right) {
                case (let a?, let b?): lines.append("~ \(text(difference.key)): \(UntrustedText.quoted(a)) -> \(UntrustedText.quoted(b))")
                case (let a?, nil): lines.append("- \(text(difference.key)): \(UntrustedText.quoted(a)) (only in \(text(left)))")
                case (nil, let b?): lines.append("+ \(text(difference.key)): \(UntrustedText.quoted(b)) (only in \(text(right)))")
                case (nil, nil): continue
                }
                if let why = difference.why { lines.append("    why it matters: \(why)") }
            }
            lines.append("")
            lines.append("\(differences.count) difference\(differences.count == 1 ? "" : "s")")
            return lines.joined(separator: "\n") + "\n"
        case .markdown:
            if differences.isEmpty { return "**identical**: \(UntrustedText.markdownCode(left)) and \(UntrustedText.markdownCode(right)) have the same facts\n" }
            var lines = ["### envlock diff: \(UntrustedText.markdownCode(left)) vs \(UntrustedText.markdownCode(right))", "", "| key | \(markdownCell(left)) | \(markdownCell(right)) | why it matters |", "| --- | --- | --- | --- |"]
            for difference in differences {
                lines.append("| \(UntrustedText.markdownCode(difference.key)) | \(markdownCell(difference.left ?? "—")) | \(markdownCell(difference.right ?? "—")) | \(markdownCell(difference.why ?? "")) |")
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    static func change(_ difference: FactDifference) -> String {
        switch (difference.left, difference.right) {
        case (.some, .some): "changed"
        case (.some, nil): "only-left"
        default: "only-right"
        }
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

    /// Machine and document strings in Markdown: nothing in them can change the table.
    static func markdownCell(_ text: String) -> String {
        UntrustedText.markdown(text)
    }

    /// Machine and document strings in text: nothing in them can forge or hide a line.
    static func text(_ text: String) -> String {
        UntrustedText.terminal(text)
    }
}

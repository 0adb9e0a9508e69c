import EnvLock
import Probe

/// `envlock audit`'s report: per image its path, verdict and failed rules, then totals.
/// Every path and value comes from the images and is escaped (UntrustedText).
enum AuditRendering {
    static func totals(_ report: AuditReport) -> [(String, Int)] {
        [("images", report.images.count)] + AuditVerdict.allCases.map { ($0.rawValue, report.count($0)) }
    }

    static func failures(_ image: AuditedImage) -> [RuleResult] {
        image.evaluation?.results.filter { $0.verdict != .pass } ?? []
    }

    static func notAuditedLine(_ report: AuditReport) -> String? {
        guard !report.rulesNotAudited.isEmpty else { return nil }
        return "not recorded in images, so not judged here (the launch-time gate checks them): "
            + report.rulesNotAudited.map { Render.text($0.pattern.text) }.joined(separator: ", ")
    }

    static func text(_ report: AuditReport, header: String) -> String {
        var lines = [header, ""]
        for image in report.images {
            var line = "\(image.verdict.rawValue.uppercased()) \(Render.text(image.path))"
            if let source = image.source { line += " (\(source))" }
            if let detail = image.detail { line += ": \(Render.text(detail))" }
            lines.append(line)
            for result in failures(image) {
                lines.append("  \(result.verdict.rawValue.uppercased()) \(Render.text(result.key)): expected \(Render.text(result.expected)), image says " + (result.found.map(UntrustedText.quoted) ?? "nothing"))
                if let note = result.note { lines.append("      note: \(Render.text(note))") }
                if let why = result.rule.why { lines.append("      why: \(Render.text(why))") }
            }
        }
        lines.append("")
        if let notAudited = notAuditedLine(report) { lines.append(notAudited) }
        lines.append("totals: " + totals(report).map { "\($0.1) \($0.0)" }.joined(separator: ", "))
        return lines.joined(separator: "\n") + "\n"
    }

    static func markdown(_ report: AuditReport, header: String) -> String {
        var lines = ["### \(Render.markdownCell(header))", "", "| image | verdict | key | expected | image says | why |", "| --- | --- | --- | --- | --- | --- |"]
        for image in report.images {
            let path = UntrustedText.markdownCode(image.path)
            let results = failures(image)
            if results.isEmpty {
                lines.append("| \(path) | \(image.verdict.rawValue) | | | | \(Render.markdownCell(image.detail ?? "")) |")
            }
            for result in results {
                let why = [result.note, result.rule.why].compactMap { $0 }.joined(separator: " ")
                lines.append("| \(path) | \(image.verdict.rawValue) | \(UntrustedText.markdownCode(result.key)) | \(Render.markdownCell(result.expected)) | \(Render.markdownCell(result.found ?? "nothing")) | \(Render.markdownCell(why)) |")
            }
        }
        lines.append("")
        if let notAudited = notAuditedLine(report) { lines += [Render.markdownCell(notAudited), ""] }
        lines.append("Totals: " + totals(report).map { "\($0.1) \($0.0)" }.joined(separator: ", "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"lock": …, "images": [{"path", "verdict", "findings": [...]}], "totals": {…}}`.
    static func document(_ report: AuditReport, lock: String) -> JSONValue {
        let images: [JSONValue] = report.images.map { image in
            var members: [JSONValue.Member] = [.init("path", .string(image.path)), .init("verdict", .string(image.verdict.rawValue))]
            if let source = image.source { members.append(.init("source", .string(source))) }
            if let detail = image.detail { members.append(.init("detail", .string(detail))) }
            let findings: [JSONValue] = failures(image).map { result in
                var fields: [JSONValue.Member] = [
                    .init("key", .string(result.key)), .init("rule", .string(result.rule.summary)),
                    .init("verdict", .string(result.verdict.rawValue)), .init("expected", .string(result.expected)),
                    .init("found", result.found.map(JSONValue.string) ?? .null),
                ]
                if let note = result.note { fields.append(.init("note", .string(note))) }
                if let why = result.rule.why { fields.append(.init("why", .string(why))) }
                return .object(fields)
            }
            members.append(.init("findings", .array(findings)))
            return .object(members)
        }
        return .object([
            .init("lock", .string(lock)),
            .init("images", .array(images)),
            .init("totals", .object(totals(report).map { JSONValue.Member($0.0, .string(String($0.1))) })),
            .init("rules_not_audited", .array(report.rulesNotAudited.map { .string($0.pattern.text) })),
        ])
    }
}

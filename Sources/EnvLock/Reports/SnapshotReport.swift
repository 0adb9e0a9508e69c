/// `envlock probe`'s report for people (text) and bug reports (Markdown); programs read
/// `document` as JSON or YAML. Every fact, detector detail and finding is machine text and is
/// escaped (UntrustedText).
extension Snapshot {
    /// Facts, then every detector with its status, then diagnostics, unreadable keys and
    /// cross-check warnings.
    public var text: String {
        let terminal = UntrustedText.terminal
        var lines = ["Facts"]
        lines += TextTable.lines(facts.sortedByFactKey().map { [terminal($0.key), terminal($0.value)] }, indent: "  ")
        lines.append("")
        lines.append("Detectors")
        lines += TextTable.lines(detectors.map { [$0.status.rawValue, terminal($0.name), terminal($0.detail ?? "")] }, indent: "  ")
        for report in detectors {
            for diagnostic in report.diagnostics { lines.append("  \(terminal(report.name)): \(terminal(diagnostic))") }
            for (key, reason) in report.unreadable.sortedByFactKey() {
                lines.append("  \(terminal(report.name)): \(terminal(key)) is installed but cannot be read: \(terminal(reason))")
            }
        }
        if !findings.isEmpty {
            lines.append("")
            lines.append("Warnings")
            for finding in findings { lines.append("  \(terminal(finding.code)): \(terminal(finding.message))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table of facts, a table of detectors, then the warnings.
    public var markdown: String {
        var lines = ["### envlock probe", "", "| fact | value |", "| --- | --- |"]
        for (key, value) in facts.sortedByFactKey() {
            lines.append("| \(UntrustedText.markdownCode(key)) | \(UntrustedText.markdown(value)) |")
        }
        lines += ["", "| detector | status | detail |", "| --- | --- | --- |"]
        for report in detectors {
            let detail = ([report.detail].compactMap { $0 } + report.diagnostics).joined(separator: "; ")
            lines.append("| \(UntrustedText.markdown(report.name)) | \(report.status.rawValue) | \(UntrustedText.markdown(detail)) |")
        }
        if !findings.isEmpty {
            lines += ["", "**Warnings**", ""]
            for finding in findings { lines.append("- \(UntrustedText.markdownCode(finding.code)): \(UntrustedText.markdown(finding.message))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `envlock audit`: a trusted lock's job rules judged against the records generated images
/// carry, with the report as text, Markdown and a JSON/YAML document. Every path and value
/// comes from the images and is escaped in text and Markdown (UntrustedText).
public struct LockAudit: Sendable, Equatable {
    var lock: TrustedLock
    var report: AuditReport

    init(lock: TrustedLock, report: AuditReport) {
        self.lock = lock
        self.report = report
    }

    /// Reads and trusts the lock at `lockPath` (against `now`), then audits the images at
    /// `paths` (files, or folders searched for images); `progress` hears (done, total).
    public static func audit(
        _ lockPath: String, requirements: TrustRequirements, paths: [String], now: Timestamp = .now(),
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws(WorkflowError) -> LockAudit {
        let trusted = try TrustedLock.load(lockPath, requirements: requirements, now: now)
        let report = await ImageAudit.audit(trusted.loaded.lock, paths: paths, progress: progress)
        return LockAudit(lock: trusted, report: report)
    }

    /// Every image conforms, and there was at least one.
    public var allConform: Bool { report.allConform && !report.images.isEmpty }

    /// `envlock audit: PATH (profile "NAME", signed by trusted key ID)`.
    var header: String {
        lock.heading("audit")
    }

    var totals: [(String, Int)] {
        [("images", report.images.count)] + AuditVerdict.allCases.map { ($0.rawValue, report.count($0)) }
    }

    static func failures(_ image: AuditedImage) -> [RuleResult] {
        image.evaluation?.results.filter { $0.verdict != .pass } ?? []
    }

    var notAuditedLine: String? {
        guard !report.rulesNotAudited.isEmpty else { return nil }
        return "not recorded in images, so not judged here (the launch-time gate checks them): "
            + report.rulesNotAudited.map { UntrustedText.terminal($0.pattern.text) }.joined(separator: ", ")
    }

    /// The images a report for people lists: every one with `all`, else those that do not
    /// conform (the others are a count in the totals).
    func listed(all: Bool) -> [AuditedImage] {
        all ? report.images : report.images.filter { $0.verdict != .conforms }
    }

    /// After the totals when conforming images are not listed: how to list them.
    func conformingHint(all: Bool) -> String {
        all || report.count(.conforms) == 0 ? "" : " (--all lists the conforming images)"
    }

    /// Per image that does not conform (every image with `all`) its verdict and path, then
    /// each failed rule; the paths not read again; then totals. Lines fit `width` unless one
    /// value alone is longer.
    public func text(all: Bool = false, width: Int = TextWrap.defaultWidth) -> String {
        let terminal = UntrustedText.terminal
        var lines = TextWrap.lines(header, first: "", rest: "  ", width: width)
        lines.append("")
        for image in listed(all: all) {
            var line = terminal(image.path)
            if let source = image.source { line += " (\(source))" }
            if let detail = image.detail { line += ": \(terminal(detail))" }
            lines += TextWrap.lines(line, first: image.verdict.rawValue.uppercased() + " ", rest: "    ", width: width)
            for result in Self.failures(image) {
                let found = "image says " + (result.found.map(UntrustedText.quoted) ?? "nothing")
                lines += TextWrap.lines("expected \(terminal(result.expected)), \(found)", first: "  \(result.verdict.rawValue.uppercased()) \(terminal(result.key)): ", rest: "      ", width: width)
                lines += Evaluation.explanationLines([result], width: width)
            }
        }
        for skip in report.skipped { lines += TextWrap.lines("\(terminal(skip.path)): \(terminal(skip.detail))", first: "SKIPPED ", rest: "    ", width: width) }
        lines.append("")
        if let notAuditedLine { lines += TextWrap.lines(notAuditedLine, first: "", rest: "  ", width: width) }
        lines.append("totals: " + totals.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + conformingHint(all: all))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table with a row per failed rule (or per image without one; conforming images only
    /// with `all`), then totals.
    public func markdown(all: Bool = false) -> String {
        var lines = ["### \(UntrustedText.markdown(header))", "", "| image | verdict | key | expected | image says | why |", "| --- | --- | --- | --- | --- | --- |"]
        for image in listed(all: all) {
            let path = UntrustedText.markdownCode(image.path)
            let results = Self.failures(image)
            if results.isEmpty {
                lines.append("| \(path) | \(image.verdict.rawValue) | | | | \(UntrustedText.markdown(image.detail ?? "")) |")
            }
            for result in results {
                let why = [result.note, result.rule.why].compactMap { $0 }.joined(separator: " ")
                lines.append("| \(path) | \(image.verdict.rawValue) | \(UntrustedText.markdownCode(result.key)) | \(UntrustedText.markdown(result.expected)) | \(UntrustedText.markdown(result.found ?? "nothing")) | \(UntrustedText.markdown(why)) |")
            }
        }
        lines.append("")
        if !report.skipped.isEmpty {
            lines += report.skipped.map { "- skipped \(UntrustedText.markdownCode($0.path)): \(UntrustedText.markdown($0.detail))" } + [""]
        }
        if let notAuditedLine { lines += [UntrustedText.markdown(notAuditedLine), ""] }
        lines.append("Totals: " + totals.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + conformingHint(all: all))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"lock": …, "images": [{"path", "verdict", "source", "detail", "findings": [...]}],
    /// "skipped": [{"path", "reason", "same_as"}], "totals": {…}, "rules_not_audited": [...]}`.
    public var document: JSONValue {
        let images: [JSONValue] = report.images.map { image in
            var members: [JSONValue.Member] = [.init("path", .string(image.path)), .init("verdict", .string(image.verdict.rawValue))]
            if let source = image.source { members.append(.init("source", .string(source))) }
            if let detail = image.detail { members.append(.init("detail", .string(detail))) }
            let findings: [JSONValue] = Self.failures(image).map { result in
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
            .init("lock", .string(lock.loaded.path)),
            .init("images", .array(images)),
            .init("skipped", .array(report.skipped.map { skip in
                .object([.init("path", .string(skip.path)), .init("reason", .string(skip.reason.rawValue)), .init("same_as", .string(skip.sameAs))])
            })),
            .init("totals", .object(totals.map { JSONValue.Member($0.0, .string(String($0.1))) })),
            .init("rules_not_audited", .array(report.rulesNotAudited.map { .string($0.pattern.text) })),
        ])
    }
}

/// A ranked diff of two machines as people and programs read it: a summary line, what
/// changes results first, and noise folded into counts (text and Markdown; JSON has all).
public struct DiffReport: Sendable {
    /// The name of A (a path, `standard input`, `this machine`).
    var left: String
    /// The name of B.
    var right: String
    var differences: [FactDifference]

    /// Families of "may change results" differences longer than this are folded to a count.
    static let foldedRunLength = 5

    init(left: String, right: String, differences: [FactDifference]) {
        self.left = left
        self.right = right
        self.differences = differences
    }

    /// Compares two documents as `diff` does: a lock on either side limits the comparison
    /// to the keys its rules name.
    public init(left: String, _ leftDocument: FactsDocument, right: String, _ rightDocument: FactsDocument) {
        let (leftFacts, rightFacts) = leftDocument.compared(with: rightDocument)
        self.init(left: left, right: right, differences: FactDiff.compare(leftFacts, rightFacts))
    }

    public var isIdentical: Bool { differences.isEmpty }

    /// How many differences have each impact.
    func count(_ impact: FactImpact) -> Int {
        differences.count { $0.impact == impact }
    }

    /// "2 differences change results, 3 may, 140 have no effect".
    public var summary: String {
        let changes = count(.changesResults)
        return "\(changes) difference\(changes == 1 ? " changes" : "s change") results, \(count(.mayChangeResults)) may, \(count(.noEffect)) \(count(.noEffect) == 1 ? "has" : "have") no effect"
    }

    /// The differences of one impact shown one by one, and the families folded to a count.
    func section(_ impact: FactImpact, all: Bool) -> (shown: [FactDifference], folded: [(family: String, count: Int)]) {
        let members = differences.filter { $0.impact == impact }
        if all || impact == .changesResults { return (members, []) }
        var sizes: [String: Int] = [:]
        for difference in members { sizes[difference.family, default: 0] += 1 }
        let foldedFamilies = Set(sizes.keys.filter { impact == .noEffect || sizes[$0]! > Self.foldedRunLength })
        let shown = members.filter { !foldedFamilies.contains($0.family) }
        return (shown, foldedFamilies.sorted().map { ($0, sizes[$0]!) })
    }

    // MARK: Text

    /// Lines for a terminal, fitting `width` unless one value alone is longer; every value
    /// from a document is escaped.
    public func text(all: Bool, width: Int = TextWrap.defaultWidth) -> String {
        let sides = ["--- A: \(UntrustedText.terminal(left))", "+++ B: \(UntrustedText.terminal(right))"]
        if isIdentical { return (["identical: A and B have the same facts"] + sides).joined(separator: "\n") + "\n" }
        var lines = [summary] + sides
        for impact in FactImpact.allCases {
            let (shown, folded) = section(impact, all: all)
            if shown.isEmpty && folded.isEmpty { continue }
            lines.append("")
            lines.append("[\(impact.phrase)]")
            for difference in shown { lines += Self.textLines(difference, width: width) }
            if !folded.isEmpty {
                let total = folded.reduce(0) { $0 + $1.count }
                let families = folded.map { "\(UntrustedText.terminal($0.family)).* (\($0.count))" }.joined(separator: ", ")
                lines += TextWrap.lines("\(families); --all lists them", first: "… \(total) more folded: ", rest: "  ", width: width)
            }
        }
        lines.append("")
        lines.append("\(differences.count) difference\(differences.count == 1 ? "" : "s")")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One difference: `~ key: "a" -> "b"` when it fits `width`, else the key alone and each
    /// side on its own indented line; then what it means and why it matters.
    static func textLines(_ difference: FactDifference, width: Int) -> [String] {
        let key = UntrustedText.terminal(difference.key)
        var lines: [String] = []
        let (mark, sides): (String, [(String, String)])
        switch (difference.left, difference.right) {
        case (let a?, let b?): (mark, sides) = ("~", [("A", UntrustedText.quoted(a)), ("B", UntrustedText.quoted(b))])
        case (let a?, nil): (mark, sides) = ("-", [("A", UntrustedText.quoted(a) + " (only in A)")])
        case (nil, let b?): (mark, sides) = ("+", [("B", UntrustedText.quoted(b) + " (only in B)")])
        case (nil, nil): return []
        }
        let oneLine = "\(mark) \(key): " + sides.map(\.1).joined(separator: " -> ")
        if oneLine.count <= width {
            lines.append(oneLine)
        } else {
            lines.append("\(mark) \(key)")
            for (side, value) in sides { lines.append("    \(side): \(value)") }
        }
        if let explanation = difference.explanation {
            lines += TextWrap.lines(UntrustedText.terminal(explanation), first: "    ", rest: "    ", width: width)
        }
        lines += TextWrap.lines(difference.why, first: "    why it matters: ", rest: "      ", width: width)
        return lines
    }

    // MARK: Markdown

    /// For a bug report: the summary, then a table of what changes results (with `all`, a
    /// table for every impact; otherwise the rest as counts).
    public func markdown(all: Bool) -> String {
        var lines = ["### envlock diff", "", "A: \(UntrustedText.markdownCode(left)), B: \(UntrustedText.markdownCode(right))", ""]
        if isIdentical {
            lines.append("**identical**: A and B have the same facts")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("**\(summary)**")
        for impact in FactImpact.allCases {
            let members = differences.filter { $0.impact == impact }
            guard !members.isEmpty else { continue }
            if impact != .changesResults && !all {
                lines += ["", "\(members.count) difference\(members.count == 1 ? "" : "s") \(impact == .noEffect ? "with no effect" : "that may change results") not shown (`envlock diff --all` lists them)."]
                continue
            }
            lines += ["", "#### \(impact.phrase.prefix(1).uppercased() + impact.phrase.dropFirst())", ""]
            lines += Self.markdownTable(members)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table of differences: key, A, B, what it means.
    static func markdownTable(_ differences: [FactDifference]) -> [String] {
        var lines = ["| key | A | B | what it means |", "| --- | --- | --- | --- |"]
        for difference in differences {
            let meaning = [difference.explanation, difference.why].compactMap { $0 }.map(UntrustedText.markdown).joined(separator: ". ")
            lines.append("| \(UntrustedText.markdownCode(difference.key)) | \(difference.left.map(UntrustedText.markdownCode) ?? "—") | \(difference.right.map(UntrustedText.markdownCode) ?? "—") | \(meaning) |")
        }
        return lines
    }

    // MARK: JSON

    /// Every difference, none folded.
    public var document: JSONValue {
        .object([
            "left": .string(left),
            "right": .string(right),
            "identical": .bool(isIdentical),
            "summary": .object(FactImpact.allCases.map { JSONValue.Member($0.rawValue, .string(String(count($0)))) }),
            "differences": .array(differences.map(Self.document)),
        ])
    }

    public static func document(_ difference: FactDifference) -> JSONValue {
        var fields: [JSONValue.Member] = [
            .init("key", .string(difference.key)),
            .init("group", .string(difference.group)),
            .init("family", .string(difference.family)),
            .init("impact", .string(difference.impact.rawValue)),
            .init("change", .string(change(difference))),
            .init("left", difference.left.map(JSONValue.string) ?? .null),
            .init("right", difference.right.map(JSONValue.string) ?? .null),
        ]
        if let explanation = difference.explanation { fields.append(.init("explanation", .string(explanation))) }
        fields.append(.init("why", .string(difference.why)))
        return .object(fields)
    }

    static func change(_ difference: FactDifference) -> String {
        switch (difference.left, difference.right) {
        case (.some, .some): "changed"
        case (.some, nil): "only-left"
        default: "only-right"
        }
    }
}

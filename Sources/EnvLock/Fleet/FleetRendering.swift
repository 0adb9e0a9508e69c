/// The fleet report as text, Markdown and JSON. Text and Markdown list at most
/// `shownMembers` machines per group unless asked for all; JSON lists everything.
extension FleetReport {
    static let shownMembers = 10

    /// "30 machines in 3 groups; 1 snapshot could not be read".
    public var summary: String {
        var text = "\(machineCount) machine\(machineCount == 1 ? "" : "s") in \(groups.count) group\(groups.count == 1 ? "" : "s")"
        if let lockPath {
            let matching = groups.filter(\.matchesLock).count
            text += "; \(matching) of \(groups.count) match the lock \(lockPath)"
        }
        if !unreadable.isEmpty { text += "; \(unreadable.count) snapshot\(unreadable.count == 1 ? "" : "s") could not be read" }
        if !duplicates.isEmpty { text += "; \(duplicates.count) input\(duplicates.count == 1 ? "" : "s") named again, counted once" }
        return text
    }

    public func text(all: Bool, width: Int = TextWrap.defaultWidth) -> String {
        var lines = ["envlock fleet: " + UntrustedText.terminal(summary)]
        for (number, group) in groups.enumerated() {
            lines.append("")
            var heading = "group \(number + 1): \(group.members.count) machine\(group.members.count == 1 ? "" : "s"), \(group.fingerprint)"
            if lockPath != nil { heading += group.matchesLock ? ", MATCHES the lock" : ", DRIFTS from the lock" }
            lines.append(heading)
            if number > 0 {
                lines.append("  differs from group 1 in \(group.differences.count) fact\(group.differences.count == 1 ? "" : "s") that change results:")
                for difference in group.differences { lines += DiffReport.textLines(difference, width: width - 2).map { "  " + $0 } }
            }
            let members = all ? group.members : Array(group.members.prefix(Self.shownMembers))
            for member in members { lines += TextWrap.lines(Self.memberText(member), first: "  - ", rest: "    ", width: width) }
            if members.count < group.members.count {
                lines.append("  … \(group.members.count - members.count) more (--all or --format json lists them)")
            }
        }
        if !unreadable.isEmpty {
            lines.append("")
            lines.append("could not read:")
            for failure in unreadable { lines += TextWrap.lines("\(UntrustedText.terminal(failure.source)): \(UntrustedText.terminal(failure.reason))", first: "  - ", rest: "    ", width: width) }
        }
        if !duplicates.isEmpty {
            lines.append("")
            lines.append("named again:")
            for duplicate in duplicates { lines += TextWrap.lines("\(UntrustedText.terminal(duplicate.source)): \(UntrustedText.terminal(duplicate.detail))", first: "  - ", rest: "    ", width: width) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func memberText(_ member: FleetMember) -> String {
        var text = UntrustedText.terminal(member.source)
        if let host = member.host { text += " (host \(UntrustedText.quoted(host)))" }
        if !member.failedKeys.isEmpty { text += ": fails the lock on " + member.failedKeys.map(UntrustedText.terminal).joined(separator: ", ") }
        return text
    }

    /// For a bug report or a chat: the summary, a table of groups, then for each other group
    /// a table of what changes results against the largest.
    public func markdown(all: Bool) -> String {
        var lines = ["### envlock fleet", "", "**\(UntrustedText.markdown(summary))**", ""]
        var header = "| group | machines | fingerprint | members |"
        var rule = "| --- | ---: | --- | --- |"
        if lockPath != nil {
            header += " lock |"
            rule += " --- |"
        }
        lines += [header, rule]
        for (number, group) in groups.enumerated() {
            let members = all ? group.members : Array(group.members.prefix(Self.shownMembers))
            var names = members.map { UntrustedText.markdown($0.host ?? $0.source) }.joined(separator: ", ")
            if members.count < group.members.count { names += ", … \(group.members.count - members.count) more" }
            var row = "| \(number + 1) | \(group.members.count) | `\(group.fingerprint.prefix(19))…` | \(names) |"
            if lockPath != nil { row += group.matchesLock ? " match |" : " drift |" }
            lines.append(row)
        }
        for (number, group) in groups.enumerated().dropFirst() {
            lines += ["", "#### Group \(number + 1) (B) against group 1 (A)", ""]
            lines += DiffReport.markdownTable(group.differences)
        }
        if !unreadable.isEmpty {
            lines += ["", "#### Could not read", ""]
            for failure in unreadable { lines.append("- \(UntrustedText.markdownCode(failure.source)): \(UntrustedText.markdown(failure.reason))") }
        }
        if !duplicates.isEmpty {
            lines += ["", "#### Named again", ""]
            for duplicate in duplicates { lines.append("- \(UntrustedText.markdownCode(duplicate.source)): \(UntrustedText.markdown(duplicate.detail))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Everything: every group with all members, its facts and differences, every
    /// unreadable input and every input named again.
    public var document: JSONValue {
        var members: [JSONValue.Member] = [
            .init("consistent", .bool(isConsistent)),
            .init("machines", .string(String(machineCount))),
        ]
        if let lockPath { members.append(.init("lock", .string(lockPath))) }
        members.append(.init("groups", .array(groups.map { group in
            var fields: [JSONValue.Member] = [
                .init("fingerprint", .string(group.fingerprint)),
                .init("size", .string(String(group.members.count))),
            ]
            if lockPath != nil { fields.append(.init("lock", .string(group.matchesLock ? "match" : "drift"))) }
            fields.append(.init("members", .array(group.members.map { member in
                var memberFields: [JSONValue.Member] = [.init("source", .string(member.source)), .init("host", member.host.map(JSONValue.string) ?? .null)]
                if lockPath != nil { memberFields.append(.init("failed", .array(member.failedKeys.map(JSONValue.string)))) }
                return .object(memberFields)
            })))
            fields.append(.init("facts", .sortedObject(group.facts)))
            fields.append(.init("differences", .array(group.differences.map(DiffReport.document))))
            return .object(fields)
        })))
        members.append(.init("unreadable", .array(unreadable.map { .object(["source": .string($0.source), "reason": .string($0.reason)]) })))
        members.append(.init("duplicates", .array(duplicates.map {
            .object(["source": .string($0.source), "kind": .string($0.kind.rawValue), "same_as": .string($0.sameAs)])
        })))
        return .object(members)
    }
}

/// How much a failed rule matters.
public enum Severity: String, Sendable, Equatable, CaseIterable {
    /// A failure refuses the machine (exit 1).
    case error
    /// A failure is reported but the machine is accepted.
    case warning
}

/// One requirement on the facts whose keys match `pattern`.
public struct Rule: Sendable, Equatable {
    /// What the rule requires of each matching fact.
    public enum Check: Sendable, Equatable {
        /// The value is a version inside this PEP 440 specifier set.
        case version(SpecifierSet)
        /// The value is exactly this string.
        case equals(String)
        /// The value is one of these strings.
        case oneOf([String])
        /// The value equals what the locking machine had; the lock records it.
        case pin
        /// No fact matches the key.
        case absent
    }

    public var pattern: FactPattern
    public var check: Check
    public var severity: Severity
    /// Why the rule exists, shown with every report line about it.
    public var why: String?

    public init(pattern: FactPattern, check: Check, severity: Severity = .error, why: String? = nil) {
        self.pattern = pattern
        self.check = check
        self.severity = severity
        self.why = why
    }

    /// The rule as people read it in reports: `version >=2.31`, `one of ":4096:8", ":16:8"`.
    public var summary: String {
        switch check {
        case .version(let specifiers): "version \(specifiers.text)"
        case .equals(let value): "equals \"\(value)\""
        case .oneOf(let values): "one of " + values.map { "\"\($0)\"" }.joined(separator: ", ")
        case .pin: "pinned to the locking machine"
        case .absent: "absent"
        }
    }
}

/// Arguments a launched command must and must not carry (`run` in a profile).
///
/// An entry matches an argument equal to it, or, when the entry has no `=`, an argument
/// `entry=value`: `--attention-split` forbids both `--attention-split` and
/// `--attention-split=1`. A forbidden `--long-option` also forbids its abbreviations
/// (`--attention-spl`), because Python's argparse expands unambiguous prefixes by default.
public struct RunPolicy: Sendable, Equatable {
    public var require: [String]
    public var forbid: [String]

    public init(require: [String] = [], forbid: [String] = []) {
        self.require = require
        self.forbid = forbid
    }

    public var isEmpty: Bool { require.isEmpty && forbid.isEmpty }

    /// Why `arguments` may not run, one line per problem; empty when they may.
    public func violations(in arguments: [String]) -> [String] {
        var problems: [String] = []
        for required in require where !arguments.contains(where: { Self.matches($0, entry: required) }) {
            problems.append("missing required argument \(required)")
        }
        for forbidden in forbid {
            for argument in arguments {
                if Self.matches(argument, entry: forbidden) {
                    problems.append("forbidden argument \(argument)" + (argument == forbidden ? "" : " (matches \(forbidden))"))
                } else if Self.abbreviates(argument, entry: forbidden) {
                    problems.append("forbidden argument \(argument) (an abbreviation of \(forbidden), which argparse would accept)")
                }
            }
        }
        return problems
    }

    /// Whether `argument` is a shortened `--option` (or `--option=value`) that argparse would
    /// expand to the long option `entry`.
    static func abbreviates(_ argument: String, entry: String) -> Bool {
        guard entry.hasPrefix("--"), !entry.contains("=") else { return false }
        let flag = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
        return flag.hasPrefix("--") && flag.count > 2 && flag.count < entry.count && entry.hasPrefix(flag)
    }

    static func matches(_ argument: String, entry: String) -> Bool {
        argument == entry || (!entry.contains("=") && argument.hasPrefix(entry + "="))
    }
}

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
        /// The value, read as a list (`FactList`), has an item matching this (a `*` matches
        /// any run of characters): `contains: "Fooocus V2"`.
        case contains(String)
        /// The value, read as a list (`FactList`), has no item matching this: `excludes: "*_gpu"`.
        case excludes(String)
    }

    public var pattern: FactPattern
    public var check: Check
    var severity: Severity
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
        case .contains(let item): "contains \"\(item)\""
        case .excludes(let item): "excludes \"\(item)\""
        }
    }
}

/// Arguments a launched command must and must not carry (`run` in a profile).
///
/// For an app envlock has the option table of (Fooocus, ComfyUI), the command is read once, by
/// the app's own argparse as the job detectors read it (`Reading.app`). For any other program
/// its script's arguments are read the way Python's argparse reads them, without knowing the
/// option table (docs/FORMAT.md, "Run policy"): only tokens before a standalone `--` are
/// options; `--name=value` and `--name value` both give `--name` a value and the last one wins;
/// `-x1` and `-x=1` give `-x` the value `1`; `-abx` is the flags `-a -b -x`. An entry `--name`
/// or `-x` is about the option; an entry `--name=value` is about the value it ends with.
/// A forbidden `--name` is also refused under any prefix (`--attention-spl`), because argparse
/// expands unambiguous prefixes; a required one must be spelled in full, because a prefix
/// might expand to another option.
public struct RunPolicy: Sendable, Equatable {
    var require: [String]
    var forbid: [String]

    init(require: [String] = [], forbid: [String] = []) {
        self.require = require
        self.forbid = forbid
    }

    var isEmpty: Bool { require.isEmpty && forbid.isEmpty }

    /// One option as the command line gives it.
    struct Occurrence: Equatable {
        /// As written: `--samp`, `-x`.
        var spelling: String
        /// The value it carries (`=v`, the attached `-x1`, or the next token), if any.
        var value: String?
        /// The token(s) it came from, for reports.
        var text: String
    }

    /// How a command line is read for the policy: by the app's own argparse where envlock
    /// has the app's option table, else as generic argparse reads the script's arguments.
    public enum Reading: Sendable {
        /// The app's argparse parsed the command line (`CommandLineReading`).
        case app(any CommandLineReading)
        /// The app's argparse ends the launch, or envlock cannot read it exactly: no entry can
        /// be decided, and together they are one violation with this reason.
        case undecided(String)
        /// A program without an option table: its arguments (after the script).
        case arguments([String])
    }

    /// Why the command read as `reading` may not run, one line per problem; empty when it may.
    public func violations(_ reading: Reading) -> [String] {
        switch reading {
        case .arguments(let arguments):
            return violations(in: arguments)
        case .undecided(let reason):
            // One cause, one line: every entry waits on the same unreadable command line.
            let entries = require + forbid
            return entries.isEmpty ? [] : ["cannot decide " + entries.joined(separator: ", ") + ": \(reason)"]
        case .app(let app):
            var problems: [String] = []
            for required in require {
                let (name, value) = Self.split(required)
                switch app.gives(name, value) {
                case true?: break
                case false?: problems.append("missing required argument \(required) (as \(app.name)'s argparse reads the command line)")
                case nil: problems.append("required argument \(required) is not an option \(app.name) has")
                }
            }
            for forbidden in forbid {
                let (name, value) = Self.split(forbidden)
                let given = value == nil ? app.changes(name) : app.gives(name, value)
                if given == true {
                    problems.append("forbidden argument \(forbidden) (as \(app.name)'s argparse reads the command line\(value == nil ? ", it sets \(name)" : ""))")
                }
            }
            return problems
        }
    }

    /// Why `arguments` may not run, one line per problem; empty when they may.
    public func violations(in arguments: [String]) -> [String] {
        let options = Self.options(in: arguments)
        var problems: [String] = []
        for required in require {
            let (name, wanted) = Self.split(required)
            let found = options.filter { Self.names($0.spelling, name) }
            guard let last = found.last, last.spelling == name else {
                let prefix = found.last.map { " (\($0.text) is a prefix that argparse may expand to another option; write \(name) in full)" } ?? ""
                let afterTerminator = arguments.firstIndex(of: "--").map { arguments[($0 + 1)...].contains { Self.split($0).name == name } } ?? false
                problems.append("missing required argument \(required)" + prefix + (afterTerminator ? " (it appears only after --, where it is not an option)" : ""))
                continue
            }
            if let wanted, last.value != wanted {
                problems.append("required argument \(required) has the value \(last.value.map { "\"\($0)\"" } ?? "none") (\(last.text), the last one given, is the one that counts)")
            }
        }
        for forbidden in forbid {
            let (name, value) = Self.split(forbidden)
            let found = options.filter { Self.names($0.spelling, name) }
            if let value {
                // argparse keeps the last value given.
                if let last = found.last, last.value == value {
                    let how = last.spelling == name ? "" : "; \(last.spelling) is an abbreviation of \(name), which argparse would accept"
                    problems.append("forbidden argument \(last.text)" + (last.text == forbidden && how.isEmpty ? "" : " (gives \(name) the value \"\(value)\"\(how))"))
                }
                continue
            }
            for occurrence in found {
                problems.append("forbidden argument \(occurrence.text)" + (occurrence.spelling == name
                    ? (occurrence.text == forbidden ? "" : " (matches \(forbidden))")
                    : " (\(occurrence.spelling == occurrence.text ? "an" : "\(occurrence.spelling) is an") abbreviation of \(forbidden), which argparse would accept)"))
            }
        }
        return problems
    }

    /// `--name=value` as name and value; `--name` and `-x` have no value.
    static func split(_ entry: String) -> (name: String, value: String?) {
        if entry.hasPrefix("--"), let equals = entry.firstIndex(of: "=") {
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
        if entry.hasPrefix("-"), !entry.hasPrefix("--"), entry.count > 2 {
            let name = String(entry.prefix(2))
            let rest = entry.dropFirst(2)
            return (name, String(rest.hasPrefix("=") ? rest.dropFirst() : rest))
        }
        return (entry, nil)
    }

    /// Whether an option written as `spelling` can mean `name`: the same, or for long options
    /// a prefix of at least one letter, which argparse expands when unambiguous.
    static func names(_ spelling: String, _ name: String) -> Bool {
        if spelling == name { return true }
        return name.hasPrefix("--") && spelling.hasPrefix("--") && spelling.count > 2 && name.hasPrefix(spelling)
    }

    /// The options before a standalone `--`, in order, with their values.
    static func options(in arguments: [String]) -> [Occurrence] {
        var found: [Occurrence] = []
        var index = 0
        func nextValue() -> String? {
            guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") else { return nil }
            return arguments[index + 1]
        }
        while index < arguments.count {
            let token = arguments[index]
            if token == "--" { break }
            if token.hasPrefix("--") {
                let (name, value) = split(token)
                if let value {
                    found.append(Occurrence(spelling: name, value: value, text: token))
                } else if let next = nextValue() {
                    found.append(Occurrence(spelling: name, value: next, text: "\(token) \(next)"))
                } else {
                    found.append(Occurrence(spelling: name, value: nil, text: token))
                }
            } else if token.hasPrefix("-"), token.count > 1 {
                let letters = token.dropFirst()
                if letters.count > 1, letters.allSatisfy({ $0.isLetter }) {
                    // A cluster of flags (-abx) also carries -x; the same token read as -a with
                    // the value "bx" is reported below as -a.
                    for letter in letters.dropFirst() { found.append(Occurrence(spelling: "-\(letter)", value: nil, text: token)) }
                }
                let (name, value) = split(token)
                if value == nil, let next = nextValue() {
                    found.append(Occurrence(spelling: name, value: next, text: "\(token) \(next)"))
                } else {
                    found.append(Occurrence(spelling: name, value: value, text: token))
                }
            }
            index += 1
        }
        return found
    }
}

/// A command line as an app's own argparse parsed it, asked about the options a run policy
/// names: the one reading the job's facts come from too.
public protocol CommandLineReading: Sendable {
    /// The app, for messages (`Fooocus`).
    var name: String { get }
    /// Whether the command leaves `option` with the value the entry alone would give it
    /// (`--name`, or `--name=value`); nil when the app has no such option.
    func gives(_ option: String, _ value: String?) -> Bool?
    /// Whether the command leaves `option` with another value than the app's default; nil when
    /// the app has no such option.
    func changes(_ option: String) -> Bool?
}

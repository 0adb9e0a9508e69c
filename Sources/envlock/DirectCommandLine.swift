/// The command line of a command run before every job (`probe`, `verify`, `run`), read without
/// ArgumentParser when its meaning is plain.
///
/// Why: ArgumentParser builds a command's argument definitions through Mirror and dynamic casts,
/// and in a static binary each first cast scans all of its 5,000 protocol-conformance records:
/// 11 M instructions, most of a probe that finds nothing (BENCHMARKS.md, "Verify outside a venv").
///
/// This reader accepts only forms with one meaning: `--name value`, `--name=value`, a short alias
/// and its value as two arguments, flags, positionals that do not start with `-`, and everything
/// after `--`. It declines everything else — help, `--version`, an unknown, misspelled or repeated
/// option, a value or positional that starts with `-` or is empty, a number that is not plain
/// decimal digits, a value that the command's validation would refuse — and then ArgumentParser
/// parses the line and reports, exactly as before. `DirectCommandLineTests` checks on thousands of
/// generated command lines that whatever this reader accepts, ArgumentParser parses to the same
/// invocation, and that it knows every option ArgumentParser's help lists.
struct DirectCommandLine {
    /// What an option takes.
    enum Kind {
        /// Nothing; given at most once.
        case flag
        /// One value; given at most once.
        case value
        /// One value each time; repeatable, kept in order.
        case repeatedValue
    }

    /// A command's options by their long spelling (`--root`), and its short aliases (`-o` → `--output`).
    struct Grammar {
        var options: [String: Kind]
        var aliases: [String: String] = [:]
        /// How many positionals the command takes before `--`.
        var positionals = 0

        /// Both grammars' options (each command combines the option groups it has).
        func adding(_ other: Grammar) -> Grammar {
            Grammar(
                options: options.merging(other.options) { first, _ in first },
                aliases: aliases.merging(other.aliases) { first, _ in first },
                positionals: positionals + other.positionals
            )
        }
    }

    /// Each option's values in order, by long spelling; a flag given has one empty value.
    private var values: [String: [String]] = [:]
    private(set) var positionals: [String] = []
    /// The arguments after the first `--`.
    private(set) var afterTerminator: [String] = []

    /// The line read by `grammar`, or nil when it is not plainly valid.
    init?(_ arguments: ArraySlice<String>, grammar: Grammar) {
        var remaining = arguments
        while let argument = remaining.popFirst() {
            if argument == "--" {
                afterTerminator = Array(remaining)
                break
            }
            guard !argument.isEmpty else { return nil }
            guard argument.hasPrefix("-") else {
                positionals.append(argument)
                continue
            }
            var spelling = argument
            var attached: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                spelling = String(argument[..<equals])
                attached = String(argument[argument.index(after: equals)...])
            }
            let name = grammar.aliases[spelling] ?? spelling
            guard let kind = grammar.options[name] else { return nil }
            switch kind {
            case .flag:
                guard attached == nil, values[name] == nil else { return nil }
                values[name] = [""]
            case .value, .repeatedValue:
                guard kind == .repeatedValue || values[name] == nil else { return nil }
                guard let value = attached ?? remaining.popFirst(), !value.isEmpty, !value.hasPrefix("-") else { return nil }
                values[name, default: []].append(value)
            }
        }
        guard positionals.count == grammar.positionals else { return nil }
    }

    func flag(_ name: String) -> Bool { values[name] != nil }

    func value(_ name: String) -> String? { values[name]?.last }

    func repeatedValues(_ name: String) -> [String] { values[name] ?? [] }

    /// The option's value as a number in plain decimal digits, `.some(nil)` when the option is
    /// absent, or nil — decline the line — for any other spelling (a sign, spaces, out of range).
    func decimal<Number: FixedWidthInteger>(_ name: String, as type: Number.Type) -> Number?? {
        guard let text = value(name) else { return .some(nil) }
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let number = Number(text) else { return nil }
        return .some(number)
    }
}

/// What a command was asked to do, however its command line was read.
protocol Invocation {
    /// Does it; a failure prints its message. Returns the exit status.
    func run() async throws -> Int32
}

extension DirectCommandLine {
    /// The invocation of a hot command that `arguments` (without the program name) plainly
    /// name, or nil for ArgumentParser to parse.
    static func invocation(_ arguments: [String]) -> (any Invocation)? {
        guard let name = arguments.first else { return nil }
        let rest = arguments.dropFirst()
        switch name {
        case "probe": return ProbeInvocation(direct: rest)
        case "verify": return VerifyInvocation(direct: rest)
        case "run": return RunInvocation(direct: rest)
        default: return nil
        }
    }
}

import ArgumentParser

/// The command line of a command run before every job (`probe`, `verify`, `run`), read without
/// ArgumentParser when its meaning is plain.
///
/// Why: ArgumentParser builds a command's argument definitions through Mirror and dynamic casts,
/// and in a static binary each first cast scans all of its 5,000 protocol-conformance records:
/// 11 M instructions, most of a probe that finds nothing (BENCHMARKS.md, "Verify outside a venv").
///
/// Nothing here is kept in step with ArgumentParser by hand: the grammar is built from the same
/// option declarations ArgumentParser's property wrappers take (`CommandLineOption`), values are
/// converted by the same `ExpressibleByArgument` conformances, and each option group's one
/// validation function serves both readers. This reader accepts only forms with one meaning:
/// `--name value`, `--name=value`, a short alias and its value as two arguments, flags,
/// positionals that do not start with `-`, and everything after `--`. It declines everything else
/// — help, `--version`, an unknown, misspelled or repeated option, a value or positional that
/// starts with `-` or is empty, a value ArgumentParser would not convert, a line the validation
/// refuses — and then ArgumentParser parses the line and reports, exactly as before.
/// `DirectCommandLineTests` checks on thousands of generated command lines that whatever this
/// reader accepts, ArgumentParser parses to the same invocation, and that each grammar holds
/// exactly the arguments ArgumentParser declares for its command.
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

    /// A command's options by their long spelling (`--root`), and its short aliases (`-o` →
    /// `--output`), built from the option groups the command has (`CommandLineOption`).
    struct Grammar {
        private(set) var options: [String: Kind] = [:]
        private(set) var aliases: [String: String] = [:]
        /// How many positionals the command takes before `--`.
        let positionals: Int

        init(positionals: Int = 0, _ groups: any CommandLineOption.Type...) {
            self.positionals = positionals
            for group in groups { add(group) }
        }

        private mutating func add<Group: CommandLineOption>(_ group: Group.Type) {
            for option in Group.allCases {
                assert(options[option.spelling] == nil, "\(option.spelling) is declared twice")
                options[option.spelling] = option.kind
                if let short = option.shortSpelling { aliases[short] = option.spelling }
            }
        }
    }

    /// Why a line is left to ArgumentParser, which then parses it and reports what is wrong.
    struct Declined: Error {}

    /// Each option's values in order, by long spelling; a flag given has one empty value.
    private var values: [String: [String]] = [:]
    private(set) var positionals: [String] = []
    /// The arguments after the first `--`.
    private(set) var afterTerminator: [String] = []

    /// The line read by `grammar`; declined when it is not plainly valid.
    init(_ arguments: ArraySlice<String>, grammar: Grammar) throws(Declined) {
        var remaining = arguments
        while let argument = remaining.popFirst() {
            if argument == "--" {
                afterTerminator = Array(remaining)
                break
            }
            guard !argument.isEmpty else { throw Declined() }
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
            guard let kind = grammar.options[name] else { throw Declined() }
            switch kind {
            case .flag:
                guard attached == nil, values[name] == nil else { throw Declined() }
                values[name] = [""]
            case .value, .repeatedValue:
                guard kind == .repeatedValue || values[name] == nil else { throw Declined() }
                guard let value = attached ?? remaining.popFirst(), !value.isEmpty, !value.hasPrefix("-") else { throw Declined() }
                values[name, default: []].append(value)
            }
        }
        guard positionals.count == grammar.positionals else { throw Declined() }
    }

    func flag(_ option: some CommandLineOption) -> Bool { values[option.spelling] != nil }

    func value(_ option: some CommandLineOption) -> String? { values[option.spelling]?.last }

    func repeatedValues(_ option: some CommandLineOption) -> [String] { values[option.spelling] ?? [] }

    /// The option's value converted as ArgumentParser converts it (`ExpressibleByArgument`), nil
    /// when the option is absent; declined where ArgumentParser would refuse the value.
    func value<Value: ExpressibleByArgument>(_ option: some CommandLineOption, as type: Value.Type) throws(Declined) -> Value? {
        guard let text = value(option) else { return nil }
        guard let converted = Value(argument: text) else { throw Declined() }
        return converted
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
        do {
            switch name {
            case ProbeInvocation.commandName: return try ProbeInvocation(direct: rest)
            case VerifyInvocation.commandName: return try VerifyInvocation(direct: rest)
            case RunInvocation.commandName: return try RunInvocation(direct: rest)
            default: return nil
            }
        } catch {
            // Declined, or refused by the options' validation: ArgumentParser parses the line
            // again, runs the same validation and reports this very error with its usage text.
            return nil
        }
    }
}

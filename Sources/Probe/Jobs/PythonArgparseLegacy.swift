/// The first model of argparse, kept only so that `FooocusDetector.parser` and
/// `ComfyUIDetector.parser` (Fooocus.swift, ComfyUI.swift) build until their owner switches them
/// to `FooocusOptions.parser` / `ComfyUIOptions.parser` and `PythonArgparse.parse(_:python:host:)`.
/// It differs from CPython on `=` with spaces, negative numbers, `--`, help, types and defaults:
/// delete this file once nothing uses `init(options:exclusiveGroups:)` or `parse(_:) throws(Refusal)`.
extension PythonArgparse {
    /// How many values an option takes (argparse's `action` and `nargs`).
    public enum Arity: Sendable, Equatable {
        /// `action="store_true"`: no value; `--flag=x` is an error.
        case flag
        /// One value (`nargs=None`).
        case one
        /// `nargs="?"`: the next token when it is not an option, else the option's `const`.
        case optional
        /// `nargs="*"`: every following token that is not an option.
        case any
        /// `nargs="+"`: at least one.
        case atLeastOne
    }

    /// One option as `add_argument` declares it.
    public struct Option: Sendable, Equatable {
        public var name: String
        public var arity: Arity
        /// `choices=` (or an `EnumAction`'s values); nil when any value is accepted.
        public var choices: [String]?

        public init(_ name: String, _ arity: Arity = .flag, choices: [String]? = nil) {
            self.name = name
            self.arity = arity
            self.choices = choices
        }
    }

    /// What argparse would refuse, worded as its own error messages.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case unrecognized([String])
        case ambiguous(String, candidates: [String])
        case expectsValue(String)
        case ignoredExplicitValue(option: String, value: String)
        case notAllowedWith(String, String)
        case invalidChoice(option: String, value: String, choices: [String])

        public var description: String {
            switch self {
            case .unrecognized(let arguments): "unrecognized arguments: \(arguments.joined(separator: " "))"
            case .ambiguous(let option, let candidates): "ambiguous option: \(option) could match \(candidates.joined(separator: ", "))"
            case .expectsValue(let option): "argument \(option): expected one argument"
            case .ignoredExplicitValue(let option, let value): "argument \(option): ignored explicit argument '\(value)'"
            case .notAllowedWith(let option, let other): "argument \(option): not allowed with argument \(other)"
            case .invalidChoice(let option, let value, let choices): "argument \(option): invalid choice: '\(value)' (choose from \(choices.map { "'\($0)'" }.joined(separator: ", ")))"
            }
        }
    }

    /// The options argparse would set, each with the values of its last occurrence (empty for
    /// a flag, or for `nargs="?"` given without a value).
    public struct Parsed: Sendable, Equatable {
        public var values: [String: [String]] = [:]

        public func isSet(_ name: String) -> Bool { values[name] != nil }
        public func value(_ name: String) -> String? { values[name]?.last }

        /// The effect named beside the first option of `choices` that is set, else `otherwise`:
        /// how an app's `if args.a: … elif args.b: …` chain reads.
        public func effect(_ choices: [(option: String, effect: String)], otherwise: String) -> String {
            choices.first { isSet($0.option) }?.effect ?? otherwise
        }
    }

    /// A legacy table: option names and arities only, no types, defaults or version.
    public init(options: [Option], exclusiveGroups: [[String]] = []) {
        self.init(arguments: [])
        self.options = options
        self.exclusiveGroups = exclusiveGroups
    }

    /// The option a token names: its exact name, or the one long option it is a prefix of.
    func resolve(_ spelling: String) throws(Refusal) -> Option? {
        if let exact = options.first(where: { $0.name == spelling }) { return exact }
        guard spelling.hasPrefix("--"), spelling.count > 2 else { return nil }
        let candidates = options.filter { $0.name.hasPrefix(spelling) }
        if candidates.count > 1 { throw .ambiguous(spelling, candidates: candidates.map(\.name)) }
        return candidates.first
    }

    /// Whether argparse reads `token` as an option rather than a value: it starts with `-`,
    /// is not `-` alone, and is not a negative number or a string with a space (which
    /// argparse takes as values when no option looks like them).
    static func looksLikeOption(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token != "-" else { return false }
        if token == "--" { return true }
        let rest = token.dropFirst()
        if let first = rest.first, first.isNumber, Double(String(rest)) != nil { return false }
        return !token.contains(" ")
    }

    /// Parses the arguments after the script name as argparse would.
    public func parse(_ arguments: [String]) throws(Refusal) -> Parsed {
        var parsed = Parsed()
        var extras: [String] = []
        var seen: [String] = []
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if optionsEnded || !Self.looksLikeOption(token) {
                extras.append(token)
                continue
            }
            if token == "--" {
                optionsEnded = true
                continue
            }
            var spelling = token
            var explicit: String?
            if options.first(where: { $0.name == token }) == nil, let equals = token.firstIndex(of: "=") {
                spelling = String(token[..<equals])
                explicit = String(token[token.index(after: equals)...])
            }
            guard let option = try resolve(spelling) else {
                extras.append(token)
                continue
            }
            var values: [String] = []
            switch option.arity {
            case .flag:
                if let explicit { throw .ignoredExplicitValue(option: option.name, value: explicit) }
            case .one:
                if let explicit {
                    values = [explicit]
                } else if index < arguments.count, !Self.looksLikeOption(arguments[index]) {
                    values = [arguments[index]]
                    index += 1
                } else {
                    throw .expectsValue(option.name)
                }
            case .optional, .any, .atLeastOne:
                if let explicit {
                    values = [explicit]
                } else {
                    while index < arguments.count, !Self.looksLikeOption(arguments[index]) {
                        values.append(arguments[index])
                        index += 1
                        if option.arity == .optional { break }
                    }
                }
                if option.arity == .atLeastOne && values.isEmpty { throw .expectsValue(option.name) }
            }
            if let choices = option.choices, let bad = values.first(where: { !choices.contains($0) }) {
                throw .invalidChoice(option: option.name, value: bad, choices: choices)
            }
            for group in exclusiveGroups where group.contains(option.name) {
                if let other = seen.first(where: { $0 != option.name && group.contains($0) }) {
                    throw .notAllowedWith(option.name, other)
                }
            }
            seen.append(option.name)
            parsed.values[option.name] = values
        }
        if !extras.isEmpty { throw .unrecognized(extras) }
        return parsed
    }
}

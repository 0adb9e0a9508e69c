import EnvLock

/// CPython argparse's reading of a command line, exactly, for parsers made only of optionals
/// (the shape Fooocus' and ComfyUI's are): `ArgumentParser.parse_args()` with the defaults both
/// apps use (`prefix_chars='-'`, `allow_abbrev=True`, `add_help=True`, `exit_on_error=True`,
/// no `fromfile_prefix_chars`, no positionals).
///
/// A port of `Lib/argparse.py` as shipped in CPython 3.10.13, 3.11.7, 3.12.1 and 3.13.0 (the
/// interpreters scripts/differential/argparse_differential.py checks it against): `parse_known_args`,
/// `_parse_known_args` (classification of every string first, so an ambiguous prefix is reported
/// before any action runs; then `consume_optional` in order; extras), `_parse_optional`,
/// `_get_option_tuples`, `_match_argument`, `_get_values`, `_get_value`, `_check_value`, the
/// mutually exclusive check (`argument_values is not action.default`) and the conversion of
/// string defaults at the end. CPython changed this code in patch releases, so the model has
/// revisions of behaviour (`Revision`), and a job's is the one proven for its `argparse.py`
/// (JobArgparse.provenFiles): 3.10, 3.11 and 3.12.0 behave alike here; 3.12.3 and 3.13.0 strip
/// a `--` only for positionals and split `-hx`; 3.13.5 reports an ambiguous prefix only when it
/// reaches it and counts every given option of a mutually exclusive group; 3.13.18 quotes the
/// choices in messages again.
public struct PythonArgparse: Sendable {
    /// How one `argparse.py` parses, as the CPython release that shipped it wrote it. Each
    /// case is named by the first release known to behave so and compared against real files
    /// by scripts/differential/argparse_differential.py (`--argparse-file PATH=MINOR:REVISION`, the
    /// case name).
    package enum Revision: String, Sendable, CaseIterable {
        /// 3.10, 3.11, 3.12.0-3.12.1 (the pyenv builds): every option's values lose their first
        /// `--` (`--opt=--` is `[]`), and `-hx` with no flag `-x` is "ignored explicit argument".
        case original
        /// 3.12.3 (Ubuntu 24.04) and 3.13.0: `_parse_optional` keeps the separator (`sep`), a
        /// `--` is stripped only for positionals, and `-hx` is `-h` plus an unrecognized `-x`.
        case separator
        /// 3.13.5 (Debian 13): an ambiguous prefix is an error only when parsing reaches it
        /// (an earlier `-h` or error wins), every given option of a mutually exclusive group
        /// counts (given its default value too), a single-dash prefix is split at `=`, and
        /// `invalid choice` lists the choices unquoted.
        case reachedAmbiguity
        /// 3.13.18 (Debian sid): as 3.13.5, with the choices quoted again (`repr(str(choice))`).
        case requotedChoices

        /// The revision of a minor version's first release envlock models (the pyenv builds).
        package init?(minor: Int) {
            switch minor {
            case 10, 11, 12: self = .original
            case 13: self = .separator
            default: return nil
            }
        }

        var keepsSeparator: Bool { self != .original }
        /// Ambiguity when reached, every given option counted, `-x=` split, str() in messages.
        var hasChangesOf3_13_5: Bool { self == .reachedAmbiguity || self == .requotedChoices }
    }

    /// `nargs`: how many strings an option consumes.
    package enum Nargs: String, Sendable, Equatable {
        /// `nargs=None`: exactly one.
        case single = "None"
        /// `nargs='?'`: the next string if it is an argument, else `const`.
        case optional = "?"
        /// `nargs='*'`.
        case zeroOrMore = "*"
        /// `nargs='+'`.
        case oneOrMore = "+"
        /// `nargs=0`: `store_const`, `store_true`, `help`.
        case zero = "0"
    }

    /// A Python `enum.Enum` class whose members' values are strings.
    package struct EnumClass: Sendable, Equatable {
        package var name: String
        /// `(member name, value)` in definition order.
        package var members: [(name: String, value: String)]

        package init(_ name: String, _ members: [(String, String)]) {
            self.name = name
            self.members = members.map { (name: $0.0, value: $0.1) }
        }

        package static func == (a: EnumClass, b: EnumClass) -> Bool {
            a.name == b.name && a.members.map(\.name) == b.members.map(\.name) && a.members.map(\.value) == b.members.map(\.value)
        }
    }

    /// `action=`.
    package enum Action: Sendable, Equatable {
        /// `store`: the converted value(s).
        case store
        /// `store_const` (and `store_true`, which is `store_const` with `const=True`).
        case storeConst
        /// `append`: a list, one item per occurrence.
        case append
        /// `help`: prints the help and exits 0 when taken.
        case help
        /// Fooocus' and ComfyUI's `EnumAction`: `type` popped (so no conversion), `choices` the
        /// members' values, `__call__` stores `Enum(values)`. The namespace holds the member's
        /// value as a string (`PythonValue` has no enum members); `holdsEnum` names the class.
        case enumAction(EnumClass)
    }

    /// `type=`: the callable `_get_value` applies to each string.
    package enum ValueType: Sendable, Equatable {
        /// No `type`: the string itself.
        case none
        case str
        /// `int(s)` in base 10, as CPython parses it (Unicode digits, `_`, spaces, 4300-digit limit).
        case int
        /// `float(s)`.
        case float
        /// An `Enum` class used as `type`: `E(s)`, a member by value, else ValueError.
        case enumeration(EnumClass)
        /// An app function that reads the machine (ComfyUI's `is_valid_directory`): answered by
        /// `Host.call`.
        case external(String)
    }

    /// A default: a value, or one the machine decides (`Host.machineDefault`).
    package enum Default: Sendable, Equatable {
        case value(PythonValue)
        /// argparse's `SUPPRESS` (the help action): nothing in the namespace.
        case suppress
        case machine(String)
    }

    /// One `add_argument` call.
    package struct Argument: Sendable, Equatable {
        package var flags: [String]
        package var dest: String
        package var action: Action
        package var nargs: Nargs
        package var const: PythonValue?
        package var `default`: Default
        package var type: ValueType
        package var choices: [String]?

        package init(_ flags: [String], dest: String? = nil, action: Action = .store, nargs: Nargs? = nil, const: PythonValue? = nil, default: Default = .value(.none), type: ValueType = .none, choices: [String]? = nil) {
            self.flags = flags
            // _get_optional_kwargs: the first long flag, else the first, without its leading
            // dashes, with '-' turned into '_'.
            let long = flags.first { $0.hasPrefix("--") } ?? flags[0]
            self.dest = dest ?? String(long.drop { $0 == "-" }).replacingDashes()
            self.action = action
            switch action {
            case .storeConst, .help: self.nargs = .zero
            default: self.nargs = nargs ?? .single
            }
            self.const = const
            self.default = action == .help ? .suppress : `default`
            self.type = type
            if case .enumAction(let enumClass) = action {
                self.choices = choices ?? enumClass.members.map(\.value)
            } else {
                self.choices = choices
            }
        }

        /// `action="store_true"`.
        package static func flag(_ name: String, default: Bool = false) -> Argument {
            Argument([name], action: .storeConst, const: .bool(true), default: .value(.bool(`default`)))
        }

        /// The enum class whose members this option's namespace value holds (as their values).
        package var holdsEnum: EnumClass? {
            if case .enumAction(let enumClass) = action { return enumClass }
            if case .enumeration(let enumClass) = type { return enumClass }
            return nil
        }

        /// `_get_action_name`: the flags joined by `/`.
        var displayName: String { flags.joined(separator: "/") }
    }

    /// How a parse ends.
    package enum Outcome: Sendable, Equatable {
        /// The namespace: each dest with its value after conversion and defaults.
        case parsed(namespace: [String: PythonValue])
        /// The process exits: 2 with argparse's error message (without the usage and the
        /// `prog: error:` prefix), 0 for help, 1 for an exception an action raised.
        case exits(status: Int32, message: String)
        /// envlock cannot say exactly what CPython does.
        case undetermined(reason: String)
    }

    /// What a `type=` function the app defines does with one string.
    package enum TypeCall: Sendable, Equatable {
        case returns(PythonValue)
        /// `raise argparse.ArgumentTypeError(message)`.
        case argumentTypeError(String)
        /// `raise ValueError` or `TypeError`: argparse says `invalid NAME value: 's'`.
        case valueError
        case undetermined(String)
    }

    /// What the parse needs from the machine: the app's own type functions and defaults that
    /// depend on where the app is. Resolve relative paths against the job's working directory.
    package struct Host: Sendable {
        package var call: @Sendable (_ function: String, _ argument: PythonString) -> TypeCall
        package var machineDefault: @Sendable (_ name: String) -> PythonValue?

        package init(call: @escaping @Sendable (String, PythonString) -> TypeCall, machineDefault: @escaping @Sendable (String) -> PythonValue?) {
            self.call = call
            self.machineDefault = machineDefault
        }

        /// A host that knows nothing: any external call or machine default is undetermined.
        package static let unknown = Host(call: { function, _ in .undetermined("\(function) reads the machine") }, machineDefault: { _ in nil })
    }

    /// The `add_argument` calls, in order (the help action first, as `add_help=True` adds it).
    package var arguments: [Argument]
    /// `add_mutually_exclusive_group()` groups, by dest.
    package var mutuallyExclusive: [[String]]
    /// `parser.set_defaults(...)`, in order.
    package var setDefaults: [(dest: String, value: PythonValue)]

    package init(arguments: [Argument], mutuallyExclusive: [[String]] = [], setDefaults: [(dest: String, value: PythonValue)] = []) {
        self.arguments = arguments
        self.mutuallyExclusive = mutuallyExclusive
        self.setDefaults = setDefaults
    }

    /// `add_help=True`'s action.
    package static let help = Argument(["-h", "--help"], action: .help)

    /// `parser.parse_args(arguments)` under CPython 3.`minor`'s first modelled release; any
    /// other minor is undetermined.
    package func parse(_ arguments: [String], python minor: Int, host: Host = .unknown) -> Outcome {
        parse(arguments.map { PythonString($0) }, python: minor, host: host)
    }

    /// As `parse(_:python:host:)` with arguments as Python strings (lone surrogates from
    /// `surrogateescape` included).
    package func parse(_ arguments: [PythonString], python minor: Int, host: Host = .unknown) -> Outcome {
        guard let revision = Revision(minor: minor) else {
            return .undetermined(reason: "argparse of Python 3.\(minor) is not modelled (3.10 to 3.13 are)")
        }
        return parse(arguments, revision: revision, host: host)
    }

    /// `parser.parse_args(arguments)` as an `argparse.py` of this revision runs it.
    package func parse(_ arguments: [String], revision: Revision, host: Host = .unknown) -> Outcome {
        parse(arguments.map { PythonString($0) }, revision: revision, host: host)
    }

    package func parse(_ arguments: [PythonString], revision: Revision, host: Host = .unknown) -> Outcome {
        var run = ArgparseRun(parser: self, revision: revision, host: host, strings: arguments.map(\.codePoints))
        do {
            return .parsed(namespace: try run.parseArgs())
        } catch {
            switch error {
            case .exit(let status, let message): return .exits(status: status, message: message)
            case .undetermined(let reason): return .undetermined(reason: reason)
            }
        }
    }
}

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}

/// How a parse stops early.
enum ArgparseStop: Error {
    case exit(Int32, String)
    case undetermined(String)
}

typealias CodePoints = [UInt32]

private let dash: UInt32 = 0x2D
private let equals: UInt32 = 0x3D

/// One `parse_args` call: the port of `_parse_known_args`.
struct ArgparseRun {
    let parser: PythonArgparse
    let revision: PythonArgparse.Revision
    let host: PythonArgparse.Host
    let strings: [CodePoints]
    let arguments: [PythonArgparse.Argument]
    /// `_option_string_actions`, in insertion order.
    let optionStrings: [(flag: CodePoints, action: Int)]
    var namespace: [String: PythonValue] = [:]
    var seen: Set<Int> = []
    var seenNonDefault: Set<Int> = []
    var extras: [CodePoints] = []
    /// Dests whose machine-dependent default the host could not give, with why.
    var unknownDefaults: [(dest: String, reason: String)] = []

    /// One classified string (`_parse_optional`'s tuple): nil action is an unknown option.
    struct OptionTuple {
        var action: Int?
        var optionString: CodePoints
        /// nil, "" or "=" (3.13's `sep`).
        var sep: CodePoints?
        var explicit: CodePoints?
        /// Every option the string abbreviates, when more than one: 3.13.5 reports this when
        /// parsing reaches the string, older releases when they classify it.
        var ambiguousMatches: [CodePoints] = []
    }

    init(parser: PythonArgparse, revision: PythonArgparse.Revision, host: PythonArgparse.Host, strings: [CodePoints]) {
        self.parser = parser
        self.revision = revision
        self.host = host
        self.strings = strings
        // set_defaults: every action with that dest takes the default.
        var arguments = parser.arguments
        for (dest, value) in parser.setDefaults {
            for index in arguments.indices where arguments[index].dest == dest {
                arguments[index].default = .value(value)
            }
        }
        self.arguments = arguments
        var optionStrings: [(flag: CodePoints, action: Int)] = []
        for (index, argument) in arguments.enumerated() {
            for flag in argument.flags {
                let points = PythonString(flag).codePoints
                // A later add_argument with the same flag would conflict (argparse raises):
                // the tables never do.
                optionStrings.append((points, index))
            }
        }
        self.optionStrings = optionStrings
    }

    func exact(_ string: CodePoints) -> Int? {
        optionStrings.first { $0.flag == string }?.action
    }

    func error(_ action: Int?, _ message: String) -> ArgparseStop {
        if let action { return .exit(2, "argument \(arguments[action].displayName): \(message)") }
        return .exit(2, message)
    }

    /// `parse_args`: defaults, `_parse_known_args`, then the unrecognized-arguments error.
    mutating func parseArgs() throws(ArgparseStop) -> [String: PythonValue] {
        for argument in arguments {
            switch argument.default {
            case .suppress: continue
            case .value(let value): namespace[argument.dest] = value
            case .machine(let name):
                // Unknown: an error exit does not depend on it, so decide at the end.
                guard let value = host.machineDefault(name) else {
                    unknownDefaults.append((argument.dest, "the default of \(argument.displayName) depends on the machine (\(name))"))
                    continue
                }
                namespace[argument.dest] = value
            }
        }
        for (dest, value) in parser.setDefaults where namespace[dest] == nil {
            namespace[dest] = value
        }
        try parseKnownArgs()
        if !extras.isEmpty {
            throw .exit(2, "unrecognized arguments: " + extras.map(Self.text).joined(separator: " "))
        }
        // An option given on the command line replaced the default that was not known.
        if let unknown = unknownDefaults.first(where: { namespace[$0.dest] == nil }) { throw .undetermined(unknown.reason) }
        return namespace
    }

    static func text(_ points: CodePoints) -> String { PythonString(codePoints: points).description }

    mutating func parseKnownArgs() throws(ArgparseStop) {
        // Classification of every string first: 'O', 'A', or '-' for the first '--'.
        var tuples: [Int: OptionTuple] = [:]
        var pattern: [UInt8] = []
        var index = 0
        while index < strings.count {
            let string = strings[index]
            if string == [dash, dash] {
                pattern.append(UInt8(ascii: "-"))
                pattern += Array(repeating: UInt8(ascii: "A"), count: strings.count - index - 1)
                break
            }
            if let tuple = try parseOptional(string) {
                tuples[index] = tuple
                pattern.append(UInt8(ascii: "O"))
            } else {
                pattern.append(UInt8(ascii: "A"))
            }
            index += 1
        }
        let maxOption = tuples.keys.max() ?? -1
        var start = 0
        while start <= maxOption {
            var next = start
            while next <= maxOption, tuples[next] == nil { next += 1 }
            // consume_positionals matches nothing: this parser has no positionals.
            if tuples[start] == nil {
                extras += strings[start..<next]
                start = next
            }
            start = try consumeOptional(start, tuple: tuples[start]!, pattern: pattern)
        }
        extras += strings[start...]
        // Defaults given as strings are converted when their action was not seen.
        for (index, argument) in arguments.enumerated() where !seen.contains(index) {
            if case .string(let text)? = namespace[argument.dest], isDefaultObject(argument) {
                namespace[argument.dest] = try value(index, text.codePoints).value
            }
        }
    }

    /// Whether the namespace still holds the action's own default object (`action.default is
    /// getattr(namespace, dest)`), true for a string default nothing replaced.
    func isDefaultObject(_ argument: PythonArgparse.Argument) -> Bool {
        // An EnumAction's default is an enum member, not a string.
        if argument.holdsEnum != nil { return false }
        switch argument.default {
        case .value(.string), .machine: return true
        default: return false
        }
    }

    // MARK: - _parse_optional and _get_option_tuples

    func parseOptional(_ string: CodePoints) throws(ArgparseStop) -> OptionTuple? {
        guard let first = string.first, first == dash else { return nil }
        if let action = exact(string) { return OptionTuple(action: action, optionString: string) }
        if string.count == 1 { return nil }
        if let cut = string.firstIndex(of: equals) {
            let option = Array(string[..<cut])
            if let action = exact(option) {
                return OptionTuple(action: action, optionString: option, sep: [equals], explicit: Array(string[(cut + 1)...]))
            }
        }
        let tuples = optionTuples(string)
        if tuples.count > 1 {
            if revision.hasChangesOf3_13_5 {
                return OptionTuple(action: tuples[0].action, optionString: string, ambiguousMatches: tuples.map(\.optionString))
            }
            throw Self.ambiguity(string, tuples.map(\.optionString))
        }
        if let only = tuples.first { return only }
        if try PythonUnicode.looksLikeNegativeNumber(string), !hasNegativeNumberOptionals { return nil }
        if string.contains(0x20) { return nil }
        return OptionTuple(action: nil, optionString: string)
    }

    static func ambiguity(_ string: CodePoints, _ matches: [CodePoints]) -> ArgparseStop {
        .exit(2, "ambiguous option: \(text(string)) could match \(matches.map(text).joined(separator: ", "))")
    }

    /// The apps' option strings are ASCII table entries, which the matcher decides without the
    /// Unicode tables that can make it throw; `try?` loses nothing here.
    var hasNegativeNumberOptionals: Bool {
        optionStrings.contains { (try? PythonUnicode.looksLikeNegativeNumber($0.flag)) == true }
    }

    func optionTuples(_ string: CodePoints) -> [OptionTuple] {
        var result: [OptionTuple] = []
        if string[1] == dash {
            // allow_abbrev=True: split at the first '=' and match the prefix.
            var prefix = string
            var sep: CodePoints?
            var explicit: CodePoints?
            if let cut = string.firstIndex(of: equals) {
                prefix = Array(string[..<cut])
                sep = [equals]
                explicit = Array(string[(cut + 1)...])
            }
            for (flag, action) in optionStrings where flag.starts(with: prefix) {
                result.append(OptionTuple(action: action, optionString: flag, sep: sep, explicit: explicit))
            }
        } else {
            let short = Array(string[..<2])
            let shortExplicit = Array(string[2...])
            // 3.13.5 matches the prefix before an '=' and carries what follows it.
            var prefix = string
            var sep: CodePoints?
            var explicit: CodePoints?
            if revision.hasChangesOf3_13_5, let cut = string.firstIndex(of: equals) {
                prefix = Array(string[..<cut])
                sep = [equals]
                explicit = Array(string[(cut + 1)...])
            }
            for (flag, action) in optionStrings {
                if flag == short {
                    result.append(OptionTuple(action: action, optionString: flag, sep: [], explicit: shortExplicit))
                } else if flag.starts(with: prefix) {
                    result.append(OptionTuple(action: action, optionString: flag, sep: sep, explicit: explicit))
                }
            }
        }
        return result
    }

    // MARK: - consume_optional

    func matchArgument(_ action: Int, _ pattern: ArraySlice<UInt8>) throws(ArgparseStop) -> Int {
        let leading = pattern.prefix { $0 == UInt8(ascii: "A") }.count
        switch arguments[action].nargs {
        case .single:
            guard leading >= 1 else { throw error(action, "expected one argument") }
            return 1
        case .optional: return min(leading, 1)
        case .zeroOrMore: return leading
        case .oneOrMore:
            guard leading >= 1 else { throw error(action, "expected at least one argument") }
            return leading
        case .zero: return 0
        }
    }

    mutating func consumeOptional(_ start: Int, tuple: OptionTuple, pattern: [UInt8]) throws(ArgparseStop) -> Int {
        if !tuple.ambiguousMatches.isEmpty { throw Self.ambiguity(strings[start], tuple.ambiguousMatches) }
        var action = tuple.action
        var optionString = tuple.optionString
        var sep = tuple.sep
        var explicit = tuple.explicit
        var taken: [(action: Int, strings: [CodePoints])] = []
        var stop = start + 1
        while true {
            guard let current = action else {
                extras.append(strings[start])
                return start + 1
            }
            if let argument = explicit {
                let count = try matchArgument(current, [UInt8(ascii: "A")])
                if count == 0, optionString[1] != dash, !argument.isEmpty {
                    let ignored = error(current, "ignored explicit argument \(PythonRepr.messageString(argument))")
                    if revision.keepsSeparator, (sep.map { !$0.isEmpty } ?? false) || argument[0] == dash { throw ignored }
                    taken.append((current, []))
                    optionString = [optionString[0], argument[0]]
                    let rest = Array(argument.dropFirst())
                    if let next = exact(optionString) {
                        action = next
                        if revision.keepsSeparator {
                            if rest.isEmpty {
                                sep = nil
                                explicit = nil
                            } else if rest[0] == equals {
                                sep = [equals]
                                explicit = Array(rest.dropFirst())
                            } else {
                                sep = []
                                explicit = rest
                            }
                        } else {
                            explicit = rest.isEmpty ? nil : rest
                        }
                    } else if revision.keepsSeparator {
                        extras.append([optionString[0]] + argument)
                        stop = start + 1
                        break
                    } else {
                        throw ignored
                    }
                } else if count == 1 {
                    stop = start + 1
                    taken.append((current, [argument]))
                    break
                } else {
                    throw error(current, "ignored explicit argument \(PythonRepr.messageString(argument))")
                }
            } else {
                let first = start + 1
                let count = try matchArgument(current, pattern[min(first, pattern.count)...])
                stop = first + count
                taken.append((current, Array(strings[first..<stop])))
                break
            }
        }
        for (current, values) in taken {
            try takeAction(current, values)
        }
        return stop
    }

    // MARK: - take_action, _get_values, _get_value, _check_value

    /// A value and whether it is an object the action's default could be (for the `is` test).
    struct Values {
        var value: PythonValue
        /// nil: a fresh object, never the default; else the default it may be identical to.
        var identity: Identity
    }

    enum Identity {
        case fresh
        /// From `int()`: identical to an equal default between -5 and 256 (CPython's cache).
        case int
        /// A string from argv or a slice of it: identical to an equal default only when it
        /// is CPython's empty or one-character Latin-1 singleton.
        case string
        /// `const`, or an enum member: the same object as an equal default.
        case singleton
    }

    func isDefault(_ values: Values, of action: Int) -> Bool {
        guard case .value(let wanted) = arguments[action].default else { return false }
        guard values.value == wanted else { return false }
        switch values.identity {
        case .fresh: return false
        case .int:
            guard case .int(let int) = wanted, let small = int.exactInt else { return false }
            return (-5...256).contains(small)
        case .string:
            guard case .string(let text) = wanted else { return false }
            return text.codePoints.count == 0 || (text.codePoints.count == 1 && text.codePoints[0] < 256)
        case .singleton:
            switch wanted {
            case .none, .bool: return true
            case .int(let int): return int.exactInt.map { (-5...256).contains($0) } ?? false
            default: return true
            }
        }
    }

    mutating func takeAction(_ action: Int, _ strings: [CodePoints]) throws(ArgparseStop) {
        seen.insert(action)
        let values = try getValues(action, strings)
        // 3.13.5 counts every option given (`action.option_strings or argument_strings`).
        if revision.hasChangesOf3_13_5 || !isDefault(values, of: action) {
            seenNonDefault.insert(action)
            for other in conflictsOf(action) where seenNonDefault.contains(other) {
                throw error(action, "not allowed with argument \(arguments[other].displayName)")
            }
        }
        let argument = arguments[action]
        switch argument.action {
        case .store: namespace[argument.dest] = values.value
        case .storeConst: namespace[argument.dest] = argument.const ?? PythonValue.none
        case .append:
            var items: [PythonValue]
            switch namespace[argument.dest] {
            case .none?, nil: items = []
            case .list(let list)?: items = list
            default: throw .undetermined("append to a default that is not a list")
            }
            items.append(values.value)
            namespace[argument.dest] = .list(items)
        case .help:
            throw .exit(0, "help")
        case .enumAction(let enumClass):
            // self._enum(values): a member by value; anything else raises ValueError, which
            // argparse does not catch: a traceback and exit status 1.
            guard case .string(let text) = values.value, enumClass.members.contains(where: { PythonString($0.value) == text }) else {
                throw .exit(1, "ValueError: \(PythonRepr.messageValue(values.value)) is not a valid \(enumClass.name)")
            }
            namespace[argument.dest] = values.value
        }
    }

    func conflictsOf(_ action: Int) -> [Int] {
        var result: [Int] = []
        for group in parser.mutuallyExclusive {
            let members = group.compactMap { dest in arguments.firstIndex { $0.dest == dest } }
            if members.contains(action) { result += members.filter { $0 != action } }
        }
        return result
    }

    func getValues(_ action: Int, _ given: [CodePoints]) throws(ArgparseStop) -> Values {
        let argument = arguments[action]
        var strings = given
        // The original revision strips the first '--' for every action but PARSER and
        // REMAINDER; later ones only for positionals.
        if !revision.keepsSeparator, let at = strings.firstIndex(of: [dash, dash]) { strings.remove(at: at) }
        if strings.isEmpty, argument.nargs == .optional {
            let const = argument.const ?? PythonValue.none
            if case .string(let text) = const {
                let converted = try value(action, text.codePoints)
                try check(action, converted.value)
                return Values(value: converted.value, identity: .singleton)
            }
            return Values(value: const, identity: .singleton)
        }
        if strings.count == 1, argument.nargs == .single || argument.nargs == .optional {
            let converted = try value(action, strings[0])
            try check(action, converted.value)
            return converted
        }
        var items: [PythonValue] = []
        for string in strings { items.append(try value(action, string).value) }
        for item in items { try check(action, item) }
        return Values(value: .list(items), identity: .fresh)
    }

    func value(_ action: Int, _ string: CodePoints) throws(ArgparseStop) -> Values {
        let argument = arguments[action]
        let python = PythonString(codePoints: string)
        switch argument.type {
        case .none, .str: return Values(value: .string(python), identity: .string)
        case .int:
            switch try PythonNumbers.int(string) {
            case .some(let int): return Values(value: .int(int), identity: .int)
            case .none: throw error(action, "invalid int value: \(PythonRepr.messageString(string))")
            }
        case .float:
            guard let double = try PythonNumbers.float(string) else { throw error(action, "invalid float value: \(PythonRepr.messageString(string))") }
            return Values(value: .float(double), identity: .fresh)
        case .enumeration(let enumClass):
            guard enumClass.members.contains(where: { PythonString($0.value) == python }) else {
                throw error(action, "invalid \(enumClass.name) value: \(PythonRepr.messageString(string))")
            }
            return Values(value: .string(python), identity: .singleton)
        case .external(let name):
            switch host.call(name, python) {
            case .returns(let value): return Values(value: value, identity: value == .string(python) ? .string : .fresh)
            case .argumentTypeError(let message): throw error(action, message)
            case .valueError: throw error(action, "invalid \(name) value: \(PythonRepr.messageString(string))")
            case .undetermined(let reason): throw .undetermined(reason)
            }
        }
    }

    func check(_ action: Int, _ value: PythonValue) throws(ArgparseStop) {
        guard let choices = arguments[action].choices else { return }
        if case .string(let text) = value, choices.contains(where: { PythonString($0) == text }) { return }
        // 3.13.5 formats `str(value)` with %r and joins `str(choice)`; 3.13.18 quotes them again.
        // str and repr agree for the non-string values a typed option converts to.
        let shown: String
        switch (revision.hasChangesOf3_13_5, value) {
        case (true, .string), (false, _): shown = PythonRepr.messageValue(value)
        case (true, _): shown = PythonRepr.messageString(PythonString(PythonRepr.messageValue(value)).codePoints)
        }
        let listed = choices.map { revision == .reachedAmbiguity ? $0 : PythonRepr.messageString(PythonString($0).codePoints) }.joined(separator: ", ")
        throw error(action, "invalid choice: \(shown) (choose from \(listed))")
    }
}

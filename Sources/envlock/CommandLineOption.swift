import ArgumentParser

/// One option of envlock's command line, declared once. A group's options are the cases of one
/// enum (its raw value is the long name): ArgumentParser's property wrappers take their names and
/// help from the case (`@Option(ProbeOption.root) var root = …`), and `DirectCommandLine` builds
/// its grammar from the enum's cases (`Grammar(ProbeOption.self, …)`), so the two readers of a
/// command line cannot disagree on which options exist, how they are spelled, or what they take.
/// `CommandLineTests` compare each hot command's grammar with ArgumentParser's own declaration.
protocol CommandLineOption: CaseIterable where RawValue == String, Self: RawRepresentable {
    /// What the option takes: `@Flag` for `.flag`, `@Option` of one value for `.value`, and of an
    /// array for `.repeatedValue` (the initializers below assert it).
    var kind: DirectCommandLine.Kind { get }
    /// The short alias (`o` for `-o`), or nil.
    var shortName: Character? { get }
    var help: ArgumentHelp { get }
}

extension CommandLineOption {
    var shortName: Character? { nil }

    /// `--root`.
    var spelling: String { "--" + rawValue }

    /// `-o`, or nil.
    var shortSpelling: String? { shortName.map { "-" + String($0) } }

    /// The names ArgumentParser accepts, in the order its help lists them.
    var names: NameSpecification {
        guard let shortName else { return [.customLong(rawValue)] }
        return [.customLong(rawValue), .customShort(shortName)]
    }
}

extension Option where Value: ExpressibleByArgument {
    /// The option `declared` names and describes, with a default value.
    init(wrappedValue: Value, _ declared: some CommandLineOption) {
        assert(declared.kind == .value, "\(declared.spelling) is declared \(declared.kind), not a single value")
        self.init(wrappedValue: wrappedValue, name: declared.names, help: declared.help)
    }
}

extension Option {
    /// The option `declared` names and describes, nil when absent.
    init<Element: ExpressibleByArgument>(_ declared: some CommandLineOption) where Value == Element? {
        assert(declared.kind == .value, "\(declared.spelling) is declared \(declared.kind), not a single value")
        self.init(name: declared.names, help: declared.help)
    }

    /// The repeatable option `declared` names and describes, its values in order.
    init<Element: ExpressibleByArgument>(wrappedValue: [Element], _ declared: some CommandLineOption) where Value == [Element] {
        assert(declared.kind == .repeatedValue, "\(declared.spelling) is declared \(declared.kind), not repeatable")
        self.init(wrappedValue: wrappedValue, name: declared.names, help: declared.help)
    }
}

extension Flag where Value == Bool {
    /// The flag `declared` names and describes.
    init(wrappedValue: Bool, _ declared: some CommandLineOption) {
        assert(declared.kind == .flag, "\(declared.spelling) is declared \(declared.kind), not a flag")
        self.init(wrappedValue: wrappedValue, name: declared.names, help: declared.help)
    }
}

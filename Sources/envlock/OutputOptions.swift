#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import EnvLock

/// Output formats; not every command offers every one.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, yaml, markdown
}

/// `--format` (`FormatOptions`).
enum FormatOption: String, CommandLineOption {
    case format

    var kind: DirectCommandLine.Kind { .value }
    var help: ArgumentHelp { "Output format: text, json, yaml or markdown." }
}

/// `--format`, text unless given: the commands whose results have every format.
struct FormatOptions: ParsableArguments {
    static let defaultFormat = OutputFormat.text

    @Option(FormatOption.format) var format: OutputFormat = FormatOptions.defaultFormat

    /// `--format`'s value in `line`.
    static func format(_ line: DirectCommandLine) throws -> OutputFormat {
        try line.value(FormatOption.format, as: OutputFormat.self) ?? defaultFormat
    }
}

/// `--output FILE` and `--replace-protected` (`OutputOptions`).
enum OutputOption: String, CommandLineOption {
    case output
    case replaceProtected = "replace-protected"

    var kind: DirectCommandLine.Kind {
        switch self {
        case .output: .value
        case .replaceProtected: .flag
        }
    }

    var shortName: Character? { self == .output ? "o" : nil }

    var help: ArgumentHelp {
        switch self {
        case .output: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")
        case .replaceProtected: "Replace an --output file that holds a private key or that its owner may not write (never a file the command read)."
        }
    }
}

/// `--output FILE`: write the result to a file (atomically) instead of standard output.
struct OutputOptions: ParsableArguments {
    @Option(OutputOption.output) var output: String?
    @Flag(OutputOption.replaceProtected) var replaceProtected = false

    var destination: OutputDestination { OutputDestination(path: output, replaceProtected: replaceProtected) }

    static func destination(_ line: DirectCommandLine) -> OutputDestination {
        OutputDestination(path: line.value(OutputOption.output), replaceProtected: line.flag(OutputOption.replaceProtected))
    }
}

/// Where a command's result goes: a file (`--output`, written atomically) or standard output.
struct OutputDestination: Equatable {
    var path: String?
    var replaceProtected = false

    /// Writes `text` to the file (never onto a file the command read), or to standard output.
    func emit(_ text: String) throws {
        guard let path else {
            try StandardOutput.emit(text)
            return
        }
        try writeOutput(Array(text.utf8), to: path, replaceProtected: replaceProtected)
    }
}

/// Writes a command's output file atomically, refusing to destroy a protected file or any
/// file the command read (`CommandInputs.current`, which `exitStatus` binds for the command).
/// `option` names the destination in a refusal.
func writeOutput(_ bytes: [UInt8], to output: String, replaceProtected: Bool, option: String = "--output") throws {
    guard let inputs = CommandInputs.current else {
        // Only a command body run outside `exitStatus` gets here: its inputs are unknown, and
        // writing could destroy one.
        throw Failure.io("envlock does not know which files this command read, so it will not write \(output); this is a bug in envlock, please report it")
    }
    do {
        try AtomicFile.write(bytes, to: output, protection: AtomicFile.Protection(inputs: inputs, replaceProtected: replaceProtected))
    } catch {
        throw Failure.io(error.description(option: option))
    }
}

/// `--all` (`ListingOptions`).
enum ListingOption: String, CommandLineOption {
    case all

    var kind: DirectCommandLine.Kind { .flag }
    var help: ArgumentHelp { "List the passing rules too in text and Markdown (JSON and YAML always list every rule)." }
}

/// `--all`: text and Markdown reports list the passing rules too, not only their count
/// (JSON and YAML always list every rule). The word `diff` uses for its folded differences.
struct ListingOptions: ParsableArguments {
    @Flag(ListingOption.all) var all = false

    static func all(_ line: DirectCommandLine) -> Bool { line.flag(ListingOption.all) }
}

extension StandardStream {
    /// The width a report for people fits when written here: `$COLUMNS` when this stream is a
    /// terminal, else 100 (a log, a pipe, a bug report).
    func reportWidth(environment: [String: String]) -> Int {
        TextWrap.width(columns: environment["COLUMNS"], isTerminal: isatty(descriptor) == 1)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import EnvLock

/// Output formats; not every command offers every one.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, yaml, markdown

    /// The `--format` option for `DirectCommandLine`.
    static let grammar = DirectCommandLine.Grammar(options: ["--format": .value])

    /// `--format`'s value in `line` (text when absent), or nil for a value that is not a format.
    static func format(_ line: DirectCommandLine) -> OutputFormat? {
        line.value("--format").map(OutputFormat.init(rawValue:)) ?? .text
    }
}

/// `--output FILE`: write the result to a file (atomically) instead of standard output.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?
    @Flag(name: .customLong("replace-protected"), help: "Replace an --output file that holds a private key or that its owner may not write (never a file the command read).")
    var replaceProtected = false

    var destination: OutputDestination { OutputDestination(path: output, replaceProtected: replaceProtected) }

    /// These options for `DirectCommandLine`.
    static let grammar = DirectCommandLine.Grammar(options: ["--output": .value, "--replace-protected": .flag], aliases: ["-o": "--output"])

    static func destination(_ line: DirectCommandLine) -> OutputDestination {
        OutputDestination(path: line.value("--output"), replaceProtected: line.flag("--replace-protected"))
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

/// `--all`: text and Markdown reports list the passing rules too, not only their count
/// (JSON and YAML always list every rule). The word `diff` uses for its folded differences.
struct ListingOptions: ParsableArguments {
    @Flag(help: "List the passing rules too in text and Markdown (JSON and YAML always list every rule).")
    var all = false

    /// This option for `DirectCommandLine`.
    static let grammar = DirectCommandLine.Grammar(options: ["--all": .flag])

    static func all(_ line: DirectCommandLine) -> Bool { line.flag("--all") }
}

extension StandardStream {
    /// The width a report for people fits when written here: `$COLUMNS` when this stream is a
    /// terminal, else 100 (a log, a pipe, a bug report).
    func reportWidth(environment: [String: String]) -> Int {
        TextWrap.width(columns: environment["COLUMNS"], isTerminal: isatty(descriptor) == 1)
    }
}

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
    @Flag(name: .customLong("replace-protected"), help: "Replace an --output file that holds a private key or that its owner may not write (never one of the command's inputs).")
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

    /// Writes `text` to the file (never onto one of `inputs`), or to standard output.
    func emit(_ text: String, inputs: [String] = []) throws {
        guard let path else {
            try StandardOutput.emit(text)
            return
        }
        try writeOutput(Array(text.utf8), to: path, inputs: inputs, replaceProtected: replaceProtected)
    }
}

/// Writes a command's output file atomically, refusing to destroy its inputs or a protected file.
func writeOutput(_ bytes: [UInt8], to output: String, inputs: [String], replaceProtected: Bool) throws {
    do {
        try AtomicFile.write(bytes, to: output, protection: AtomicFile.Protection(inputs: inputs, replaceProtected: replaceProtected))
    } catch {
        throw Failure.io("\(error)")
    }
}

import ArgumentParser
import EnvLock

/// Output formats; not every command offers every one.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, yaml, markdown
}

/// `--output FILE`: write the result to a file (atomically) instead of standard output.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?
    @Flag(name: .customLong("replace-protected"), help: "Replace an --output file that holds a private key or that its owner may not write (never one of the command's inputs).")
    var replaceProtected = false

    /// Writes `text` to `--output` (never onto one of `inputs`), or to standard output.
    func emit(_ text: String, inputs: [String] = []) throws {
        guard let output else {
            try StandardOutput.emit(text)
            return
        }
        try writeOutput(Array(text.utf8), to: output, inputs: inputs, replaceProtected: replaceProtected)
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

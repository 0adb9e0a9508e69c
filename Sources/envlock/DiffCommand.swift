import ArgumentParser
import EnvLock
import Probe

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show which facts differ between two machines, ranked by how much each can change results, and why.",
        discussion: """
            Each side is a snapshot (JSON or YAML from probe), a lock, or - for a snapshot on standard input. With one side, it is compared with this machine. A lock records only the facts its rules name, so against a lock only those keys are compared. Differences come in three ranks (docs/FACTS.md): changes results, may change results, no effect; text and Markdown fold the last and long runs of one family (--all lists everything; JSON always does). Exit 0 when identical, 1 when different, 2 when a file cannot be read.
            """
    )

    @Argument(help: ArgumentHelp("The first snapshot or lock (A), or - for standard input.", valueName: "a")) var left: String
    @Argument(help: ArgumentHelp("The second snapshot or lock (B); this machine when omitted.", valueName: "b")) var right: String?
    @OptionGroup var formatOptions: FormatOptions
    @Flag(help: "List every difference in text and Markdown, folding none.") var all = false
    @OptionGroup var probeOptions: ProbeOptions

    func validate() throws {
        if left == Fleet.standardInputArgument && right == Fleet.standardInputArgument {
            throw ValidationError("only one side can be read from standard input")
        }
    }

    func run() async throws {
        try await reportingFailures {
            let report = try await DiffReport.compare(left, right, settings: try probeOptions.settings, environment: ProcessEnvironment.current())
            switch formatOptions.format {
            case .json: try StandardOutput.emit(JSONText.pretty(report.document))
            case .yaml: try StandardOutput.emit(YAMLWriter.write(report.document))
            case .text: try StandardOutput.emit(report.text(all: all, width: StandardStream.output.reportWidth(environment: ProcessEnvironment.current())))
            case .markdown: try StandardOutput.emit(report.markdown(all: all))
            }
            return report.isIdentical ? ExitStatus.ok : ExitStatus.drift
        }
    }
}

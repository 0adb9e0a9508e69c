import ArgumentParser
import EnvLock
import Probe

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show which facts differ between two machines, and why each difference matters.",
        discussion: "Each side is a snapshot (JSON or YAML from probe) or a lock. With one file, it is compared with this machine. Exit 0 when identical, 1 when different, 2 when a file cannot be read."
    )

    @Argument(help: ArgumentHelp("The first snapshot or lock.", valueName: "a")) var left: String
    @Argument(help: ArgumentHelp("The second snapshot or lock; this machine when omitted.", valueName: "b")) var right: String?
    @Option(help: "Output format: text, json, yaml or markdown.") var format: OutputFormat = .text
    @OptionGroup var probeOptions: ProbeOptions

    func run() async throws {
        try await reportingFailures {
            let leftFacts = try Documents.facts(left)
            let rightFacts: [String: String]
            let rightName: String
            if let right {
                rightFacts = try Documents.facts(right)
                rightName = right
            } else {
                rightFacts = await probeOptions.probe().facts
                rightName = "this machine"
            }
            let differences = FactDiff.compare(leftFacts, rightFacts)
            print(Render.diff(differences, left: left, right: rightName, as: format), terminator: "")
            return differences.isEmpty ? ExitStatus.ok : ExitStatus.drift
        }
    }
}

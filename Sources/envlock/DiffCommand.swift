import ArgumentParser
import EnvLock
import Probe

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show which facts differ between two machines, and why each difference matters.",
        discussion: "Each side is a snapshot (JSON or YAML from probe) or a lock. With one file, it is compared with this machine. A lock records only the facts its rules name, so against a lock only those keys are compared. Exit 0 when identical, 1 when different, 2 when a file cannot be read."
    )

    @Argument(help: ArgumentHelp("The first snapshot or lock.", valueName: "a")) var left: String
    @Argument(help: ArgumentHelp("The second snapshot or lock; this machine when omitted.", valueName: "b")) var right: String?
    @Option(help: "Output format: text, json, yaml or markdown.") var format: OutputFormat = .text
    @OptionGroup var probeOptions: ProbeOptions

    func run() async throws {
        try await reportingFailures {
            let leftDocument = try Documents.facts(left)
            let rightDocument: FactsDocument
            let rightName: String
            if let right {
                rightDocument = try Documents.facts(right)
                rightName = right
            } else {
                rightDocument = FactsDocument(facts: await probeOptions.probe().facts, lockRules: nil)
                rightName = "this machine"
            }
            let (leftFacts, rightFacts) = leftDocument.compared(with: rightDocument)
            let differences = FactDiff.compare(leftFacts, rightFacts)
            try StandardOutput.emit(Render.diff(differences, left: left, right: rightName, as: format))
            return differences.isEmpty ? ExitStatus.ok : ExitStatus.drift
        }
    }
}

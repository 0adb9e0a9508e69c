import ArgumentParser
import EnvLock
import Probe

struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Group many machines by the facts that change results, and show how each group differs from the largest.",
        discussion: """
            Inputs are snapshot files, folders of them (*.json, *.jsonl, *.yaml, *.yml), or - for snapshots as JSON on standard input, one after another (kubectl logs -l app=envlock-probe | envlock fleet -). Machines whose "changes results" facts (docs/FACTS.md) are identical form one group. Snapshots that cannot be read are listed with the reason. A file named more than once (another spelling, a link, a folder and a file in it, standard input) is one machine, listed as named again. With --lock, each machine is evaluated against the lock's error rules (its signature is not checked: use verify for that). Exit 0 when every snapshot was read and the fleet is one group (with --lock: every group matches), 1 otherwise, 2 when no snapshot could be read or the lock cannot be read.
            """
    )

    @Argument(help: ArgumentHelp("Snapshot files, folders of snapshots, or - for standard input.", valueName: "snapshot")) var inputs: [String]
    @Option(help: ArgumentHelp("A lock to check every group against.", valueName: "lock")) var lock: String?
    @Option(help: "Output format: text, json or markdown.") var format: OutputFormat = .text
    @Flag(help: "List every member in text and Markdown.") var all = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("name at least one snapshot, folder, or - for standard input") }
        if format == .yaml { throw ValidationError("fleet writes text, json or markdown") }
    }

    func run() async throws {
        try await reportingFailures {
            let report = try await Fleet.survey(inputs, lockPath: lock)
            switch format {
            case .json, .yaml: try StandardOutput.emit(JSONText.pretty(report.document))
            case .text: try StandardOutput.emit(report.text(all: all, width: StandardStream.output.reportWidth(environment: ProcessEnvironment.current())))
            case .markdown: try StandardOutput.emit(report.markdown(all: all))
            }
            if report.groups.isEmpty { return ExitStatus.untrusted }
            return report.isConsistent ? ExitStatus.ok : ExitStatus.drift
        }
    }
}

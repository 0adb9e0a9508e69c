import ArgumentParser
import EnvLock
import Probe

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration.subcommand(
        commandName: "probe",
        abstract: "Report what this machine has: driver, GPUs, CUDA, Python packages, OS and environment.",
        discussion: "Every detector is listed with its status: ok, absent (not installed here), failed (present but unreadable; the detail says why) or skipped. Exits 0 whenever a report was produced, also on a broken machine. With -- CMD…, also the job's facts (job.*) as lock, verify and run see them."
    )

    @OptionGroup var probeOptions: ProbeOptions
    @Option(help: "Output format: text, json, yaml or markdown.") var format: OutputFormat = .text
    @OptionGroup var output: OutputOptions
    @OptionGroup var job: JobOptions

    func run() async throws {
        try await reportingFailures {
            let request = JobRequest(command: job.command, progress: JobOptions.hashProgress)
            let snapshot = try await MachineProbe.snapshot(probeOptions.settings, environment: ProcessEnvironment.current(), job: request)
            let rendered = switch format {
            case .json: JSONText.pretty(snapshot.document)
            case .yaml: YAMLWriter.write(snapshot.document)
            case .text: snapshot.text
            case .markdown: snapshot.markdown
            }
            try output.emit(rendered, inputs: [probeOptions.python].compactMap { $0 })
            return ExitStatus.ok
        }
    }
}

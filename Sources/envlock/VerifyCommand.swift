import ArgumentParser
import EnvLock
import Probe

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration.subcommand(
        commandName: "verify",
        abstract: "Check that this machine matches a signed lock.",
        discussion: """
        Exit codes: 0 the machine matches (warnings allowed); 1 drift (an error rule fails); \
        2 the lock cannot be trusted or read (modified after signing, unsigned without --allow-unsigned, \
        signed by an untrusted key, expired, replayed, malformed); 64 usage. \
        With -- CMD…, the lock's job. rules are checked against that command without starting it.
        """
    )

    @Argument(help: ArgumentHelp("The lock file.", valueName: "lock")) var lockPath: String
    @OptionGroup var trustOptions: TrustOptions
    @Option(help: "Output format: text, json, yaml or markdown.") var format: OutputFormat = .text
    @OptionGroup var probeOptions: ProbeOptions
    @OptionGroup var job: JobOptions

    func validate() throws {
        if let minimum = trustOptions.minimumSerial, minimum < 0 { throw ValidationError("--min-serial must be zero or more") }
    }

    func run() async throws {
        try await reportingFailures {
            let environment = ProcessEnvironment.current()
            let report: VerificationReport
            do {
                report = try await MachineVerification.verify(
                    lockPath, requirements: trustOptions.requirements(environment: environment), settings: probeOptions.settings,
                    environment: environment, command: job.command, progress: JobOptions.hashProgress
                )
            } catch let failure as ProbeWorkflowError where format == .json || format == .yaml {
                // A program reading the report learns why there is no verdict.
                let document = VerificationReport.untrustedDocument(lock: lockPath, error: failure.description)
                try StandardOutput.emit(format == .json ? JSONText.pretty(document) : YAMLWriter.write(document))
                throw failure
            }
            switch format {
            case .json: try StandardOutput.emit(JSONText.pretty(report.document))
            case .yaml: try StandardOutput.emit(YAMLWriter.write(report.document))
            case .markdown: try StandardOutput.emit(report.markdown)
            case .text: try StandardOutput.emit(report.text)
            }
            return report.evaluation.hasErrors ? ExitStatus.drift : ExitStatus.ok
        }
    }
}

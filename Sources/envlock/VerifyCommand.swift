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
    @OptionGroup var listing: ListingOptions
    @OptionGroup var probeOptions: ProbeOptions
    @OptionGroup var job: JobOptions

    var invocation: VerifyInvocation {
        VerifyInvocation(lockPath: lockPath, trust: trustOptions.choices, format: format, all: listing.all, settings: probeOptions.settings, job: job.command)
    }

    func run() async throws {
        throw ExitCode(try await invocation.run())
    }
}

/// `envlock verify`, however its command line was read.
struct VerifyInvocation: Invocation, Equatable {
    var lockPath: String
    var trust: TrustChoices
    var format: OutputFormat
    var all: Bool
    var settings: ProbeSettings
    var job: [String]

    static let grammar = DirectCommandLine.Grammar(options: [:], positionals: 1)
        .adding(TrustOptions.grammar).adding(OutputFormat.grammar).adding(ListingOptions.grammar).adding(ProbeOptions.grammar)

    func run() async throws -> Int32 {
        try await exitStatus {
            let environment = ProcessEnvironment.current()
            let report: VerificationReport
            do {
                report = try await MachineVerification.verify(
                    lockPath, requirements: trust.requirements(environment: environment), settings: settings,
                    environment: environment, command: job, progress: JobOptions.hashProgress
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
            case .markdown: try StandardOutput.emit(report.markdown(all: all))
            case .text: try StandardOutput.emit(report.text(all: all, width: StandardStream.output.reportWidth(environment: environment)))
            }
            return report.evaluation.hasErrors ? ExitStatus.drift : ExitStatus.ok
        }
    }
}

extension VerifyInvocation {
    // In an extension, so that Swift still writes the memberwise initializer.

    /// The invocation `arguments` plainly give, or nil (see `DirectCommandLine`).
    init?(direct arguments: ArraySlice<String>) {
        guard let line = DirectCommandLine(arguments, grammar: Self.grammar), let trust = TrustOptions.choices(line),
              let format = OutputFormat.format(line), let settings = ProbeOptions.settings(line) else { return nil }
        self.init(lockPath: line.positionals[0], trust: trust, format: format, all: ListingOptions.all(line), settings: settings, job: line.afterTerminator)
    }
}

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
        With -- CMD…, the lock's job. rules are checked against that command without starting it. \
        With --publish, the verdict also goes to a scheduler (docs/SCHEDULERS.md); a verdict that cannot be published exits 2. \
        The lock may be a DSSE envelope written by lock --envelope; it is trusted only through --trust keys. \
        With --attest, a pass or drift verdict is also written as a signed statement (docs/FORMAT.md); one that cannot be written exits 2.
        """
    )

    @Argument(help: ArgumentHelp("The lock file.", valueName: "lock")) var lockPath: String
    @OptionGroup var trustOptions: TrustOptions
    @Option(help: "Output format: text, json, yaml or markdown.") var format: OutputFormat = .text
    @OptionGroup var listing: ListingOptions
    @OptionGroup var probeOptions: ProbeOptions
    @OptionGroup var publishOptions: PublishOptions
    @OptionGroup var attestOptions: AttestOptions
    @OptionGroup var job: JobOptions

    var invocation: VerifyInvocation {
        VerifyInvocation(lockPath: lockPath, trust: trustOptions.choices, format: format, all: listing.all, settings: probeOptions.settings, job: job.command, publication: publishOptions.publication, attestation: attestOptions.attestation)
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
    var publication: Publication?
    var attestation: Attestation?

    static let grammar = DirectCommandLine.Grammar(options: [:], positionals: 1)
        .adding(TrustOptions.grammar).adding(OutputFormat.grammar).adding(ListingOptions.grammar).adding(ProbeOptions.grammar).adding(PublishOptions.grammar).adding(AttestOptions.grammar)

    func run() async throws -> Int32 {
        try await exitStatus {
            let environment = ProcessEnvironment.current()
            // With --publish slurm, standard output carries only the node's features.
            // With --publish slurm standard output carries the feature alone; the report goes to standard error.
            let reportStream: StandardStream = publication?.takesStandardOutput == true ? .error : .output
            let emit: (String) throws -> Void = publication?.takesStandardOutput == true ? { printError($0) } : { try StandardOutput.emit($0) }
            let attestKey = try attestation?.readKey()
            let report: VerificationReport
            do {
                report = try await MachineVerification.verify(
                    lockPath, requirements: trust.requirements(environment: environment), settings: settings,
                    environment: environment, command: job, progress: JobOptions.hashProgress
                )
            } catch let failure as ProbeWorkflowError {
                if format == .json || format == .yaml {
                    // A program reading the report learns why there is no verdict.
                    let document = VerificationReport.untrustedDocument(lock: lockPath, error: failure.description)
                    try emit(format == .json ? JSONText.pretty(document) : YAMLWriter.write(document))
                }
                do { try publication?.publishUndetermined(lockPath: lockPath) } catch let unpublished as Failure {
                    printError("envlock: " + UntrustedText.terminal(unpublished.message))
                }
                throw failure
            }
            switch format {
            case .json: try emit(JSONText.pretty(report.document))
            case .yaml: try emit(YAMLWriter.write(report.document))
            case .markdown: try emit(report.markdown(all: all))
            case .text: try emit(report.text(all: all, width: reportStream.reportWidth(environment: environment)))
            }
            if let attestation, let attestKey { try attestation.write(report, lockPath: lockPath, key: attestKey) }
            try publication?.publish(report.lock.loaded.lock, conforms: !report.evaluation.hasErrors)
            return report.evaluation.hasErrors ? ExitStatus.drift : ExitStatus.ok
        }
    }
}

extension VerifyInvocation {
    // In an extension, so that Swift still writes the memberwise initializer.

    /// The invocation `arguments` plainly give, or nil (see `DirectCommandLine`).
    init?(direct arguments: ArraySlice<String>) {
        guard let line = DirectCommandLine(arguments, grammar: Self.grammar), let trust = TrustOptions.choices(line),
              let format = OutputFormat.format(line), let settings = ProbeOptions.settings(line),
              let publication = PublishOptions.publication(line), let attestation = AttestOptions.attestation(line) else { return nil }
        self.init(
            lockPath: line.positionals[0], trust: trust, format: format, all: ListingOptions.all(line), settings: settings, job: line.afterTerminator,
            publication: publication, attestation: attestation)
    }
}

import ArgumentParser
import EnvLock
import Probe

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: VerifyInvocation.commandName,
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

    @Argument(help: .lockFile) var lockPath: String
    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var formatOptions: FormatOptions
    @OptionGroup var listing: ListingOptions
    @OptionGroup var probeOptions: ProbeOptions
    @OptionGroup var publishOptions: PublishOptions
    @OptionGroup var attestOptions: AttestOptions
    @OptionGroup var job: JobOptions

    var invocation: VerifyInvocation {
        get throws {
            VerifyInvocation(
                lockPath: lockPath, trust: try trustOptions.choices, format: formatOptions.format, all: listing.all, settings: try probeOptions.settings,
                job: job.command, publication: try publishOptions.publication, attestation: try attestOptions.attestation)
        }
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

    static let commandName = "verify"
    static let grammar = DirectCommandLine.Grammar(
        positionals: 1, TrustOption.self, FormatOption.self, ListingOption.self, ProbeOption.self, PublishOption.self, AttestOption.self)

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

    /// The invocation `arguments` plainly give; declined otherwise (see `DirectCommandLine`).
    init(direct arguments: ArraySlice<String>) throws {
        let line = try DirectCommandLine(arguments, grammar: Self.grammar)
        self.init(
            lockPath: line.positionals[0], trust: try TrustOptions.choices(line), format: try FormatOptions.format(line), all: ListingOptions.all(line),
            settings: try ProbeOptions.settings(line), job: line.afterTerminator, publication: try PublishOptions.publication(line),
            attestation: try AttestOptions.attestation(line))
    }
}

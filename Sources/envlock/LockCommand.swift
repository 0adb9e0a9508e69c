import ArgumentParser
import EnvLock
import Probe

struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Write a signed lock from a profile and this machine's facts.",
        discussion: "Probes this machine, evaluates the profile, and refuses (exit 1, with the report) when an error rule fails, unless --force is given. Pins record this machine's values. With -- CMD…, the job's facts (job.*) are checked and recorded too."
    )

    @Option(help: ArgumentHelp("The profile to lock (YAML).", valueName: "file")) var profile: String
    @Option(help: ArgumentHelp("Ed25519 private key (PKCS#8 PEM) to sign with; without it the lock is unsigned.", valueName: "file")) var key: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the lock.", valueName: "file")) var output: String
    @Option(help: ArgumentHelp("Also write the lock as a signed in-toto statement in a DSSE envelope (JSON) to this file, for supply-chain tools; verify reads it as the lock. Needs --key.", valueName: "file")) var envelope: String?
    @Option(help: ArgumentHelp("The lock's serial number (overrides the profile's); verify --min-serial refuses older ones.", valueName: "n")) var serial: Int?
    @Flag(help: "Write the lock even if error rules fail on this machine.") var force = false
    @Flag(OutputOption.replaceProtected) var replaceProtected = false
    @OptionGroup var listing: ListingOptions
    @OptionGroup var probeOptions: ProbeOptions
    @OptionGroup var job: JobOptions

    func validate() throws {
        if let serial, serial < 0 { throw ValidationError("--serial must be zero or more") }
        if envelope != nil, key == nil { throw ValidationError("--envelope needs --key: an envelope is always signed") }
        if let envelope, envelope == output { throw ValidationError("--envelope and --output must name different files") }
    }

    func run() async throws {
        try await reportingFailures {
            let environment = ProcessEnvironment.current()
            let outcome = try await MachineLock.lock(
                profile: profile, key: key, serial: serial, force: force, envelope: envelope != nil, settings: try probeOptions.settings,
                environment: environment, command: job.command, progress: JobOptions.hashProgress
            )
            switch outcome {
            case .refused(let profile, let evaluation):
                printError(evaluation.text(header: "envlock lock: this machine does not satisfy profile '\(profile.name)'", all: listing.all, width: StandardStream.error.reportWidth(environment: environment)))
                printError("envlock: refusing to write \(output); fix the machine or pass --force")
                return ExitStatus.drift
            case .locked(let lock, let evaluation, let exported):
                try writeOutput(Array(lock.yaml.utf8), to: output, replaceProtected: replaceProtected)
                if let envelope, let exported {
                    try writeOutput(Array(exported.json.utf8), to: envelope, replaceProtected: replaceProtected, option: "--envelope")
                }
                if evaluation.hasErrors {
                    printError("envlock: warning: wrote \(output) with --force although \(evaluation.errorCount) error rule(s) fail on this machine")
                }
                let wrote = "wrote \(output)\(envelope.map { " and \($0)" } ?? "") (\(lock.facts.count) facts, \(lock.signature.map { "signed by key \($0.keyID)" } ?? "unsigned"), \(lock.fingerprint))"
                printError(TextWrap.lines(wrote, first: "envlock: ", rest: "  ", width: StandardStream.error.reportWidth(environment: environment)).joined(separator: "\n"))
                return ExitStatus.ok
            }
        }
    }
}

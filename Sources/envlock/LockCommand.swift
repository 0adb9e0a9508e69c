import ArgumentParser
import EnvLock
import Probe

struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration.subcommand(
        commandName: "lock",
        abstract: "Write a signed lock from a profile and this machine's facts.",
        discussion: "Probes this machine, evaluates the profile, and refuses (exit 1, with the report) when an error rule fails, unless --force is given. Pins record this machine's values. With -- CMD…, the job's facts (job.*) are checked and recorded too."
    )

    @Option(help: ArgumentHelp("The profile to lock (YAML).", valueName: "file")) var profile: String
    @Option(help: ArgumentHelp("Ed25519 private key (PKCS#8 PEM) to sign with; without it the lock is unsigned.", valueName: "file")) var key: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the lock.", valueName: "file")) var output: String
    @Option(help: ArgumentHelp("The lock's serial number (overrides the profile's); verify --min-serial refuses older ones.", valueName: "n")) var serial: Int?
    @Flag(help: "Write the lock even if error rules fail on this machine.") var force = false
    @Flag(name: .customLong("replace-protected"), help: "Replace an --output file that holds a private key or that its owner may not write (never the profile or the key).") var replaceProtected = false
    @OptionGroup var probeOptions: ProbeOptions
    @OptionGroup var job: JobOptions

    func validate() throws {
        if let serial, serial < 0 { throw ValidationError("--serial must be zero or more") }
    }

    func run() async throws {
        try await reportingFailures {
            let profile = try Documents.profile(self.profile)
            if let expires = profile.expires, expires <= currentTime() {
                throw Failure.untrusted("\(self.profile): error: the profile's expires (\(expires)) has passed, so a lock made from it would never verify; set a later expires and lock again")
            }
            var signingKey: SigningKey?
            if let key {
                do { signingKey = try KeyFiles.readPrivateKey(at: key) } catch { throw Failure.untrusted("\(error)") }
            }
            let context = try probeOptions.context()
            let snapshot = await Machine.probe(context, job: try job.invocation(wanted: profile.rules, environment: context.environment, process: context.process))
            let evaluation = Evaluator.evaluate(profile.rules, lockedFacts: nil, snapshot: snapshot)
            if evaluation.hasErrors && !force {
                printError(Render.evaluationText(evaluation, header: "envlock lock: this machine does not satisfy profile '\(profile.name)'"))
                printError("envlock: refusing to write \(output); fix the machine or pass --force")
                return ExitStatus.drift
            }
            var lock = Lock(
                profile: profile.name,
                description: profile.description,
                rules: profile.rules,
                run: profile.run,
                facts: Evaluator.factsToLock(for: profile.rules, from: snapshot.facts),
                created: currentTime(),
                host: snapshot.facts["host.name"] ?? "unknown",
                expires: profile.expires,
                serial: serial ?? profile.serial
            )
            if let signingKey {
                do { try lock.sign(with: signingKey) } catch { throw Failure.untrusted("\(error)") }
            }
            try writeOutput(Array(lock.yaml.utf8), to: output, inputs: [self.profile, key, probeOptions.python].compactMap { $0 }, replaceProtected: replaceProtected)
            if evaluation.hasErrors {
                printError("envlock: warning: wrote \(output) with --force although \(evaluation.errorCount) error rule(s) fail on this machine")
            }
            printError("envlock: wrote \(output) (\(lock.facts.count) facts, \(lock.signature == nil ? "unsigned" : "signed by key \(lock.signature!.keyID)"), \(lock.fingerprint))")
            return ExitStatus.ok
        }
    }
}

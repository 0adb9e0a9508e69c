import ArgumentParser
import EnvLock
import Probe

/// The options that decide whether a lock is trusted.
struct TrustOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A trusted Ed25519 public key (SPKI PEM); repeatable. ENVLOCK_TRUST adds a colon-separated list of key files.", valueName: "file"))
    var trust: [String] = []

    @Flag(name: .customLong("allow-unsigned"), help: "Accept a lock without a signature (its fingerprint is still checked).")
    var allowUnsigned = false

    @Option(name: .customLong("min-serial"), help: ArgumentHelp("Refuse locks whose serial is lower (replays of older locks).", valueName: "n"))
    var minimumSerial: Int?

    /// Loads the lock at `path` and checks its trust; a lock that fails is exit 2.
    func trustedLock(_ path: String, environment: [String: String]) throws -> (loaded: LoadedLock, verdict: TrustVerdict) {
        let loaded = try Documents.lock(path)
        let keys = try Documents.trustedKeys(trust, environment: environment)
        let policy = TrustPolicy(trustedKeys: keys, allowUnsigned: allowUnsigned, now: currentTime(), minimumSerial: minimumSerial)
        do {
            return (loaded, try loaded.checkTrust(policy))
        } catch {
            throw Failure.untrusted(error.description)
        }
    }
}

/// A lock that passed its trust checks, with the evaluation of this machine against it.
struct VerifiedMachine {
    var loaded: LoadedLock
    var trust: TrustVerdict
    var evaluation: Evaluation

    var header: String {
        "envlock verify: \(Render.text(loaded.path)) (profile \(UntrustedText.quoted(loaded.lock.profile)), \(Render.trustText(trust)))"
    }

    var contextMembers: [JSONValue.Member] {
        var trustMembers: [JSONValue.Member] = []
        switch trust {
        case .signed(let keyID):
            trustMembers = [.init("status", .string("signed")), .init("key_id", .string(keyID))]
        case .unsignedAllowed:
            trustMembers = [.init("status", .string("unsigned-allowed"))]
        }
        return [
            .init("lock", .string(loaded.path)),
            .init("profile", .string(loaded.lock.profile)),
            .init("fingerprint", .string(loaded.lock.fingerprint)),
            .init("trust", .object(trustMembers)),
        ]
    }

    /// Loads `path`, checks its trust (exit 2 on failure), probes this machine and evaluates.
    /// `command` is the job (empty: none), whose `job.` facts the lock's rules then see.
    static func check(_ path: String, trust options: TrustOptions, probe probeOptions: ProbeOptions, command: [String] = []) async throws -> VerifiedMachine {
        let context = try probeOptions.context()
        let (loaded, verdict) = try options.trustedLock(path, environment: context.environment)
        let job = try JobOptions.invocation(command, wanted: loaded.lock.rules, environment: context.environment, process: context.process)
        let snapshot = await Machine.probe(context, job: job)
        let evaluation = Evaluator.evaluate(loaded.lock.rules, lockedFacts: loaded.lock.facts, snapshot: snapshot)
        return VerifiedMachine(loaded: loaded, trust: verdict, evaluation: evaluation)
    }
}

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
            let verified: VerifiedMachine
            do {
                verified = try await VerifiedMachine.check(lockPath, trust: trustOptions, probe: probeOptions, command: job.command)
            } catch let failure as Failure where format == .json || format == .yaml {
                let document = JSONValue.object(["lock": .string(lockPath), "verdict": .string("untrusted"), "error": .string(failure.message)])
                try StandardOutput.emit(format == .json ? JSONText.pretty(document) : YAMLWriter.write(document))
                throw failure
            }
            switch format {
            case .json:
                try StandardOutput.emit(JSONText.pretty(Render.evaluationDocument(verified.evaluation, context: verified.contextMembers)))
            case .yaml:
                try StandardOutput.emit(YAMLWriter.write(Render.evaluationDocument(verified.evaluation, context: verified.contextMembers)))
            case .markdown:
                try StandardOutput.emit(Render.evaluationMarkdown(verified.evaluation, header: verified.header))
            case .text:
                try StandardOutput.emit(Render.evaluationText(verified.evaluation, header: verified.header))
            }
            return verified.evaluation.hasErrors ? ExitStatus.drift : ExitStatus.ok
        }
    }
}

import ArgumentParser
import EnvLock

/// The options that decide whether a lock is trusted.
struct TrustOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A trusted Ed25519 public key (SPKI PEM); repeatable. ENVLOCK_TRUST adds a colon-separated list of key files.", valueName: "file"))
    var trust: [String] = []

    @Flag(name: .customLong("allow-unsigned"), help: "Accept a lock without a signature (its fingerprint is still checked).")
    var allowUnsigned = false

    @Option(name: .customLong("min-serial"), help: ArgumentHelp("Refuse locks whose serial is lower (replays of older locks).", valueName: "n"))
    var minimumSerial: Int?

    func validate() throws {
        if let minimumSerial, minimumSerial < 0 { throw ValidationError("--min-serial must be zero or more") }
    }

    var choices: TrustChoices { TrustChoices(keys: trust, allowUnsigned: allowUnsigned, minimumSerial: minimumSerial) }

    /// These options for `DirectCommandLine`.
    static let grammar = DirectCommandLine.Grammar(options: ["--trust": .repeatedValue, "--allow-unsigned": .flag, "--min-serial": .value])

    /// The choices `line` gives, or nil for a `--min-serial` that is not a plain number.
    static func choices(_ line: DirectCommandLine) -> TrustChoices? {
        guard let minimumSerial = line.decimal("--min-serial", as: Int.self) else { return nil }
        return TrustChoices(keys: line.repeatedValues("--trust"), allowUnsigned: line.flag("--allow-unsigned"), minimumSerial: minimumSerial)
    }
}

/// What the command line says about trusting a lock.
struct TrustChoices: Equatable {
    var keys: [String]
    var allowUnsigned: Bool
    var minimumSerial: Int?

    /// The requirements, with `keys` and the keys of `ENVLOCK_TRUST` in `environment`.
    func requirements(environment: [String: String]) -> TrustRequirements {
        TrustRequirements(sources: TrustSources(flags: keys, environment: environment), allowUnsigned: allowUnsigned, minimumSerial: minimumSerial)
    }
}

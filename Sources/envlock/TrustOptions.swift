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

    /// The requirements, with the keys of `--trust` and of `ENVLOCK_TRUST` in `environment`.
    func requirements(environment: [String: String]) -> TrustRequirements {
        TrustRequirements(sources: TrustSources(flags: trust, environment: environment), allowUnsigned: allowUnsigned, minimumSerial: minimumSerial)
    }
}

import ArgumentParser
import EnvLock

/// The options that decide whether a lock is trusted (`TrustOptions`).
enum TrustOption: String, CommandLineOption {
    case trust
    case allowUnsigned = "allow-unsigned"
    case minimumSerial = "min-serial"

    var kind: DirectCommandLine.Kind {
        switch self {
        case .trust: .repeatedValue
        case .allowUnsigned: .flag
        case .minimumSerial: .value
        }
    }

    var help: ArgumentHelp {
        switch self {
        case .trust: ArgumentHelp("A trusted Ed25519 public key (SPKI PEM); repeatable. ENVLOCK_TRUST adds a colon-separated list of key files.", valueName: "file")
        case .allowUnsigned: "Accept a lock without a signature (its fingerprint is still checked)."
        case .minimumSerial: ArgumentHelp("Refuse locks whose serial is lower (replays of older locks).", valueName: "n")
        }
    }
}

/// The options that decide whether a lock is trusted.
struct TrustOptions: ParsableArguments {
    @Option(TrustOption.trust) var trust: [String] = []
    @Flag(TrustOption.allowUnsigned) var allowUnsigned = false
    @Option(TrustOption.minimumSerial) var minimumSerial: Int?

    func validate() throws {
        _ = try choices
    }

    var choices: TrustChoices {
        get throws(ValidationError) { try Self.choices(keys: trust, allowUnsigned: allowUnsigned, minimumSerial: minimumSerial) }
    }

    /// The one validation of these options, for ArgumentParser's `validate()` and for
    /// `DirectCommandLine`, which leaves a refused line to ArgumentParser.
    static func choices(keys: [String], allowUnsigned: Bool, minimumSerial: Int?) throws(ValidationError) -> TrustChoices {
        if let minimumSerial, minimumSerial < 0 { throw ValidationError("--min-serial must be zero or more") }
        return TrustChoices(keys: keys, allowUnsigned: allowUnsigned, minimumSerial: minimumSerial)
    }

    /// The choices `line` gives.
    static func choices(_ line: DirectCommandLine) throws -> TrustChoices {
        try choices(
            keys: line.repeatedValues(TrustOption.trust), allowUnsigned: line.flag(TrustOption.allowUnsigned),
            minimumSerial: line.value(TrustOption.minimumSerial, as: Int.self))
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

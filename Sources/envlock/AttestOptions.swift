#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import EnvLock

/// `verify`'s `--attest` and `--attest-key` (`AttestOptions`).
enum AttestOption: String, CommandLineOption {
    case attest
    case attestKey = "attest-key"

    var kind: DirectCommandLine.Kind { .value }

    var help: ArgumentHelp {
        switch self {
        case .attest:
            ArgumentHelp(
                "Also write the verdict (pass or drift) as a signed in-toto statement, a SLSA verification summary in a DSSE envelope, to this file. Needs --attest-key.",
                valueName: "file")
        case .attestKey: ArgumentHelp("Ed25519 private key (PKCS#8 PEM) that signs the --attest statement.", valueName: "file")
        }
    }
}

/// `verify`'s `--attest` and `--attest-key`: the verdict as a signed statement.
struct AttestOptions: ParsableArguments {
    @Option(AttestOption.attest) var attest: String?
    @Option(AttestOption.attestKey) var attestKey: String?

    func validate() throws {
        _ = try attestation
    }

    var attestation: Attestation? {
        get throws(ValidationError) { try Self.attestation(path: attest, keyPath: attestKey) }
    }

    /// The one validation of these options, for ArgumentParser's `validate()` and for
    /// `DirectCommandLine`, which leaves a refused line to ArgumentParser: the attestation asked
    /// for, or nil for none.
    static func attestation(path: String?, keyPath: String?) throws(ValidationError) -> Attestation? {
        if let message = Attestation.refusal(path: path, keyPath: keyPath) { throw ValidationError(message) }
        guard let path, let keyPath else { return nil }
        return Attestation(path: path, keyPath: keyPath)
    }

    /// The attestation `line` asks for, or nil for none.
    static func attestation(_ line: DirectCommandLine) throws -> Attestation? {
        try attestation(path: line.value(AttestOption.attest), keyPath: line.value(AttestOption.attestKey))
    }
}

/// Where `verify` writes its signed verdict, and the key that signs it.
struct Attestation: Equatable {
    var path: String
    var keyPath: String

    /// Why the options cannot be taken together, or nil.
    static func refusal(path: String?, keyPath: String?) -> String? {
        switch (path, keyPath) {
        case (.some, nil): "--attest needs --attest-key: the verdict is always signed"
        case (nil, .some): "--attest-key needs --attest"
        default: nil
        }
    }

    /// The signing key, read before the machine is probed so that a key that cannot be used
    /// stops verify at once.
    func readKey() throws -> SigningKey {
        do { return try KeyFiles.readPrivateKey(at: keyPath) } catch { throw WorkflowError.key(error) }
    }

    /// Writes the verdict of `report`, signed with `key`, atomically and never over a file
    /// verify read (the lock, a key, a job file).
    func write(_ report: VerificationReport, lockPath: String, key: SigningKey) throws {
        let summary = VerificationSummary(report: report, host: report.host ?? "unknown", lockURI: try Self.fileURI(lockPath), time: .now())
        let envelope: DSSEEnvelope
        do { envelope = try summary.envelope(signedWith: key) } catch { throw WorkflowError.signing(error) }
        try writeOutput(Array(envelope.json.utf8), to: path, replaceProtected: false, option: "--attest")
    }

    /// `file://` and the lock's absolute path (relative paths are taken from the working folder).
    static func fileURI(_ path: String) throws -> String {
        if path.hasPrefix("/") { return VerificationSummary.fileURI(absolutePath: path) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else {
            throw Failure.io("cannot name the lock in the attestation: the working folder is unknown (\(errnoDescription(errno))); pass the lock by its absolute path")
        }
        let folder = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return VerificationSummary.fileURI(absolutePath: folder == "/" ? "/" + path : folder + "/" + path)
    }
}

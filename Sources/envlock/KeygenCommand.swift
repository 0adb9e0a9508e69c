import ArgumentParser
import EnvLock

struct KeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 signing key (PKCS#8 PEM, mode 0600) and its public key (KEY.pub.pem, SPKI PEM).",
        discussion: "Refuses to overwrite existing files. Both files load with the openssl CLI; keys from `openssl genpkey -algorithm ed25519` work with envlock too."
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("The private key file to create, e.g. signing.pem.", valueName: "file")) var output: String

    func run() async throws {
        try await reportingFailures {
            let key = SigningKey.generate()
            do {
                try KeyFiles.writeKeyPair(key, privatePath: output)
            } catch {
                throw Failure.io("\(error)")
            }
            printError("envlock: wrote \(output) (private, mode 0600) and \(KeyFiles.publicKeyPath(forPrivateKeyAt: output)); key id \(key.verifyingKey.keyID)")
            return ExitStatus.ok
        }
    }
}

struct SignedBytesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signed-bytes",
        abstract: "Write the exact bytes a lock's signature covers to standard output.",
        discussion: """
        For checking a signature without envlock:
          envlock signed-bytes env.lock > bytes
          grep -A3 '^signature:' env.lock | sed -n 's/^ *value: "\\(.*\\)"/\\1/p' | base64 -d > sig
          openssl pkeyutl -verify -pubin -inkey KEY.pub.pem -rawin -in bytes -sigfile sig
        """
    )

    @Argument(help: .lockFile) var lockPath: String
    @Flag(help: "Write the canonical JSON (what the fingerprint hashes) instead of the signed message.") var canonical = false

    func run() async throws {
        try await reportingFailures {
            let loaded = try LoadedLock.load(at: lockPath)
            let bytes = canonical ? loaded.lock.canonicalBytes : loaded.signedMessage
            try StandardOutput.emit(bytes)
            return ExitStatus.ok
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EnvLock

/// envlock's keys and signatures against the `openssl` CLI (3.0), in both directions.
@Suite struct OpenSSLInteropTests {
    static let canonical = Array(#"{"envlock":"1","facts":{"host.os.id":"debian","python.packages.torch":"2.2.0"},"profile":"example"}"#.utf8)

    @Test func opensslReadsTheKeyPairEnvlockWrites() throws {
        try withScratchFolder { folder in
            let key = SigningKey.generate()
            try KeyFiles.writeKeyPair(key, privatePath: folder + "/KEY.pem")
            try OpenSSLCLI.succeed(["pkey", "-in", folder + "/KEY.pem", "-noout"], scratch: folder)
            try OpenSSLCLI.succeed(["pkey", "-pubin", "-in", folder + "/KEY.pub.pem", "-noout"], scratch: folder)
            let derived = try OpenSSLCLI.succeed(["pkey", "-in", folder + "/KEY.pem", "-pubout"], scratch: folder)
            #expect(derived == (try FileFixture.readText(folder + "/KEY.pub.pem")))
            let text = try OpenSSLCLI.succeed(["pkey", "-in", folder + "/KEY.pem", "-noout", "-text"], scratch: folder)
            #expect(text.contains("ED25519 Private-Key"))
        }
    }

    @Test func envlockReadsTheKeysOpensslGenerates() throws {
        try withScratchFolder { folder in
            try OpenSSLCLI.succeed(["genpkey", "-algorithm", "ed25519", "-out", folder + "/k.pem"], scratch: folder)
            // openssl creates private key files readable by their owner only, as envlock requires.
            #expect(FileFixture.mode(folder + "/k.pem") == 0o600)
            let key = try KeyFiles.readPrivateKey(at: folder + "/k.pem")
            let publicPEM = try OpenSSLCLI.succeed(["pkey", "-in", folder + "/k.pem", "-pubout"], scratch: folder)
            #expect(key.verifyingKey.pemRepresentation == publicPEM)
            #expect(key.pemRepresentation == (try FileFixture.readText(folder + "/k.pem")))
            try FileFixture.write(publicPEM, to: folder + "/k.pub.pem")
            #expect(try KeyFiles.readPublicKey(at: folder + "/k.pub.pem") == key.verifyingKey)
        }
    }

    @Test func opensslVerifiesAnEnvlockLockSignatureOverTheDocumentedBytes() throws {
        try withScratchFolder { folder in
            let key = SigningKey.generate()
            try KeyFiles.writeKeyPair(key, privatePath: folder + "/KEY.pem")
            let signature = try LockSignature.sign(canonical: Self.canonical, with: key)
            try FileFixture.write(SignedMessage.bytes(canonical: Self.canonical), to: folder + "/bytes")
            try FileFixture.write(Base64Codec.decode(signature.value)!, to: folder + "/sig")
            let verify = ["pkeyutl", "-verify", "-pubin", "-inkey", folder + "/KEY.pub.pem", "-rawin", "-in", folder + "/bytes", "-sigfile", folder + "/sig"]
            let output = try OpenSSLCLI.succeed(verify, scratch: folder)
            #expect(output.contains("Signature Verified Successfully"))

            // The same signature over the bare canonical bytes (no domain separation) fails in openssl too.
            try FileFixture.write(Self.canonical, to: folder + "/bytes")
            #expect(try OpenSSLCLI.run(verify, scratch: folder).status != 0)
        }
    }

    @Test func envlockVerifiesASignatureOpensslMade() throws {
        try withScratchFolder { folder in
            try OpenSSLCLI.succeed(["genpkey", "-algorithm", "ed25519", "-out", folder + "/k.pem"], scratch: folder)
            try OpenSSLCLI.succeed(["pkey", "-in", folder + "/k.pem", "-pubout", "-out", folder + "/k.pub.pem"], scratch: folder)
            try FileFixture.write(SignedMessage.bytes(canonical: Self.canonical), to: folder + "/bytes")
            try OpenSSLCLI.succeed(
                ["pkeyutl", "-sign", "-inkey", folder + "/k.pem", "-rawin", "-in", folder + "/bytes", "-out", folder + "/sig"],
                scratch: folder
            )
            let trusted = try KeyFiles.readPublicKey(at: folder + "/k.pub.pem")
            let signatureBytes = try FileFixture.read(folder + "/sig")
            #expect(signatureBytes.count == 64)
            let block = LockSignature(algorithm: "ed25519", keyID: trusted.keyID, value: Base64Codec.encode(signatureBytes))
            #expect(try block.verify(canonical: Self.canonical, trustedKeys: [trusted]) == trusted)
            // Ed25519 is deterministic, so envlock's own signature with the same key is byte-identical.
            #expect(try KeyFiles.readPrivateKey(at: folder + "/k.pem").signature(for: SignedMessage.bytes(canonical: Self.canonical)) == signatureBytes)
        }
    }

    struct GeneratedKind: CustomTestStringConvertible, Sendable {
        var genpkeyArguments: [String]
        var privateFound: String
        var publicFound: String
        var testDescription: String { privateFound }
    }

    static let otherKinds: [GeneratedKind] = [
        GeneratedKind(genpkeyArguments: ["-algorithm", "x25519"], privateFound: "an X25519 private key", publicFound: "an X25519 public key"),
        GeneratedKind(
            genpkeyArguments: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            privateFound: "an ECDSA P-256 private key", publicFound: "an ECDSA P-256 public key"
        ),
        GeneratedKind(
            genpkeyArguments: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            privateFound: "an RSA private key", publicFound: "an RSA public key"
        ),
        GeneratedKind(genpkeyArguments: ["-algorithm", "ed448"], privateFound: "an Ed448 private key", publicFound: "an Ed448 public key"),
    ]

    @Test(arguments: otherKinds)
    func keysOfOtherKindsFromOpensslAreNamed(_ kind: GeneratedKind) throws {
        try withScratchFolder { folder in
            let privatePath = folder + "/other.pem"
            let publicPath = folder + "/other.pub.pem"
            try OpenSSLCLI.succeed(["genpkey"] + kind.genpkeyArguments + ["-out", privatePath], scratch: folder)
            try OpenSSLCLI.succeed(["pkey", "-in", privatePath, "-pubout", "-out", publicPath], scratch: folder)
            #expect(throws: KeyFileError.unsupportedKey(path: privatePath, found: kind.privateFound, expected: .ed25519PrivateKey)) {
                try KeyFiles.readPrivateKey(at: privatePath)
            }
            #expect(throws: KeyFileError.unsupportedKey(path: publicPath, found: kind.publicFound, expected: .ed25519PublicKey)) {
                try KeyFiles.readPublicKey(at: publicPath)
            }
            // And each offered in the other role.
            #expect(throws: KeyFileError.unsupportedKey(path: publicPath, found: kind.publicFound, expected: .ed25519PrivateKey)) {
                try KeyFiles.readPrivateKey(at: publicPath)
            }
            #expect(throws: KeyFileError.unsupportedKey(path: privatePath, found: kind.privateFound, expected: .ed25519PublicKey)) {
                try KeyFiles.readPublicKey(at: privatePath)
            }
        }
    }

    @Test func aTraditionalECKeyFromOpensslIsNamedWithItsCurve() throws {
        try withScratchFolder { folder in
            try OpenSSLCLI.succeed(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", folder + "/p384.pem"], scratch: folder)
            try OpenSSLCLI.succeed(["ec", "-in", folder + "/p384.pem", "-out", folder + "/sec1.pem"], scratch: folder)
            chmod(folder + "/sec1.pem", 0o600)
            #expect(throws: KeyFileError.unsupportedKey(path: folder + "/sec1.pem", found: "an ECDSA P-384 private key", expected: .ed25519PrivateKey)) {
                try KeyFiles.readPrivateKey(at: folder + "/sec1.pem")
            }
        }
    }
}

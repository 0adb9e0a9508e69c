import Testing

/// A lock that cannot be forged or replayed, through the built binary.
@Suite struct TrustTests {
    typealias Fixture = (folder: TemporaryFolder, environment: [String: String])

    static func fixture(profileExtra: String = "") async throws -> Fixture {
        let folder = TemporaryFolder()
        folder.write("profile.yaml", LockVerifyTests.profile.replacing("rules:", with: profileExtra + "rules:"))
        var environment = Envlock.baseEnvironment()
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        _ = try await Envlock.run(["keygen", "--output", folder.file("key.pem")], environment: environment)
        let lock = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--key", folder.file("key.pem"), "--output", folder.file("env.lock")], environment: environment)
        #expect(lock.status == 0, "\(lock.stderr)")
        return (folder, environment)
    }

    static func verify(_ fixture: Fixture, _ lockName: String, _ extra: [String] = []) async throws -> ProgramResult {
        try await Envlock.run(["verify", fixture.folder.file(lockName), "--trust", fixture.folder.file("key.pub.pem")] + extra, environment: fixture.environment)
    }

    /// The lock's text with its signature block replaced by `block` (nil removes it).
    static func withSignature(_ text: String, _ block: String?) -> String {
        let head = text.split(separator: Character("\n"), omittingEmptySubsequences: false).prefix { !$0.hasPrefix("signature:") }.joined(separator: "\n")
        return head + "\n" + (block.map { "signature:\n" + $0 + "\n" } ?? "")
    }

    static func signatureValue(_ text: String) -> String {
        text.split(separator: Character("\n")).first { $0.hasPrefix("  value: ") }.map { String($0.dropFirst("  value: ".count)) } ?? ""
    }

    static func keyID(_ text: String) -> String {
        text.split(separator: Character("\n")).first { $0.hasPrefix("  key_id: ") }.map { String($0.dropFirst("  key_id: ".count)) } ?? ""
    }

    @Test func oneByteChangesOfSignedContentAreRejected() async throws {
        let fixture = try await Self.fixture()
        let original = Array(fixture.folder.read("env.lock").utf8)
        // Every 11th byte inside a double-quoted value, changed to another letter.
        var insideQuotes = false
        var positions: [Int] = []
        for (index, byte) in original.enumerated() {
            if byte == UInt8(ascii: "\"") { insideQuotes.toggle(); continue }
            if insideQuotes && byte != UInt8(ascii: "\\") { positions.append(index) }
        }
        #expect(positions.count > 200)
        for position in stride(from: 0, to: positions.count, by: 11).map({ positions[$0] }) {
            var mutated = original
            mutated[position] = mutated[position] == UInt8(ascii: "q") ? UInt8(ascii: "w") : UInt8(ascii: "q")
            fixture.folder.write("mutated.lock", String(decoding: mutated, as: UTF8.self))
            let result = try await Self.verify(fixture, "mutated.lock")
            #expect(result.status == 2, "byte \(position) changed, verify exited \(result.status): \(result.stderr)")
        }
    }

    @Test(arguments: [
        ("  algorithm: \"none\"\n  key_id: KEYID\n  value: VALUE", "algorithm: none"),
        ("  algorithm: \"rsa-pss\"\n  key_id: KEYID\n  value: VALUE", "accepts only ed25519"),
        ("  algorithm: \"ed25519\"\n  key_id: KEYID\n  value: \"\"", "exactly 64"),
        ("  algorithm: \"ed25519\"\n  key_id: KEYID", "no field 'value'"),
        ("  algorithm: \"ed25519\"\n  key_id: KEYID\n  value: \"AAAA\"", "exactly 64"),
        ("  algorithm: \"ed25519\"\n  key_id: KEYID\n  value: \"not base64!\"", "not valid base64"),
        ("  algorithm: \"ed25519\"\n  key_id: KEYID\n  value: VALUE\n  comment: \"extra\"", "comment"),
        ("  algorithm: \"ed25519\"\n  key_id: \"abc\"\n  value: VALUE", "64 lowercase hexadecimal"),
        ("  {}", "no field 'algorithm'"),
    ])
    func brokenSignatureBlocksAreRejectedEvenWithAllowUnsigned(block: String, message: String) async throws {
        let fixture = try await Self.fixture()
        let text = fixture.folder.read("env.lock")
        let filled = block.replacing("KEYID", with: Self.keyID(text)).replacing("VALUE", with: Self.signatureValue(text))
        fixture.folder.write("broken.lock", Self.withSignature(text, filled))
        for extra in [[], ["--allow-unsigned"]] {
            let result = try await Self.verify(fixture, "broken.lock", extra)
            #expect(result.status == 2, "\(block): \(result.stdout)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func unsupportedFormatVersionIsRejected() async throws {
        let fixture = try await Self.fixture()
        let text = fixture.folder.read("env.lock")
        fixture.folder.write("v2.lock", text.replacing("envlock: \"1\"", with: "envlock: \"2\""))
        let result = try await Self.verify(fixture, "v2.lock")
        #expect(result.status == 2)
        #expect(result.stderr.contains("v2.lock:1:10: error: unsupported format version 2"), "\(result.stderr)")
    }

    @Test func extraTopLevelFieldIsRejected() async throws {
        let fixture = try await Self.fixture()
        let text = fixture.folder.read("env.lock")
        fixture.folder.write("extra.lock", text.replacing("fingerprint:", with: "public_key: \"-----BEGIN PUBLIC KEY-----\"\nfingerprint:"))
        let result = try await Self.verify(fixture, "extra.lock")
        #expect(result.status == 2)
        #expect(result.stderr.contains("public_key"))
    }

    @Test func aLockSignedByItsOwnKeyProvesNothing() async throws {
        let fixture = try await Self.fixture()
        // The attacker re-locks with a key of their own and keeps it beside the lock.
        _ = try await Envlock.run(["keygen", "--output", fixture.folder.file("attacker.pem")], environment: fixture.environment)
        let forged = try await Envlock.run(["lock", "--profile", fixture.folder.file("profile.yaml"), "--key", fixture.folder.file("attacker.pem"), "--output", fixture.folder.file("forged.lock")], environment: fixture.environment)
        #expect(forged.status == 0)
        let result = try await Self.verify(fixture, "forged.lock")
        #expect(result.status == 2)
        #expect(result.stderr.contains("not trusted here"))
        // Claiming the trusted key's id does not help either.
        let text = fixture.folder.read("forged.lock")
        let trustedID = Self.keyID(fixture.folder.read("env.lock"))
        fixture.folder.write("claimed.lock", text.replacing(Self.keyID(text), with: trustedID))
        let claimed = try await Self.verify(fixture, "claimed.lock")
        #expect(claimed.status == 2)
    }

    @Test func signaturesForAnotherPurposeAreRejected() async throws {
        let fixture = try await Self.fixture()
        let folder = fixture.folder
        // The same trusted key signs the bare canonical bytes and a message with another type.
        let script = """
            set -e
            cd '\(folder.path)'
            '\(Envlock.binary)' signed-bytes --canonical env.lock > canonical
            openssl pkeyutl -sign -inkey key.pem -rawin -in canonical -out bare.sig
            len=$(wc -c < canonical | tr -d ' ')
            { printf 'DSSEv1 %d %s %d ' 27 'application/vnd.other+json' "$len"; cat canonical; } > other
            openssl pkeyutl -sign -inkey key.pem -rawin -in other -out other.sig
            base64 -w0 bare.sig > bare.b64
            base64 -w0 other.sig > other.b64
            """
        let made = try await runProgram("/bin/sh", ["-c", script], environment: Envlock.baseEnvironment())
        #expect(made.status == 0, "\(made.stderr)")
        let text = folder.read("env.lock")
        for name in ["bare", "other"] {
            let value = "\"" + folder.read("\(name).b64") + "\""
            folder.write("\(name).lock", text.replacing(Self.signatureValue(text), with: value))
            let result = try await Self.verify(fixture, "\(name).lock")
            #expect(result.status == 2, "\(name): \(result.stdout)")
        }
    }

    @Test func wrongKeyKindsAreNamed() async throws {
        let fixture = try await Self.fixture()
        let folder = fixture.folder
        let script = """
            set -e
            cd '\(folder.path)'
            openssl genpkey -algorithm x25519 -out x25519.pem
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
            chmod 600 x25519.pem p256.pem
            """
        let made = try await runProgram("/bin/sh", ["-c", script], environment: Envlock.baseEnvironment())
        #expect(made.status == 0, "\(made.stderr)")
        for (key, named) in [("x25519.pem", "X25519"), ("p256.pem", "ECDSA"), ("key.pub.pem", "public key")] {
            let result = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--key", folder.file(key), "--output", folder.file("k.lock")], environment: fixture.environment)
            #expect(result.status == 2, "\(key)")
            #expect(result.stderr.contains(named), "\(key): \(result.stderr)")
        }
        let privateAsTrust = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pem")], environment: fixture.environment)
        #expect(privateAsTrust.status == 2)
        #expect(privateAsTrust.stderr.contains("private key"), "\(privateAsTrust.stderr)")
    }

    @Test func expiredLockIsRejectedSayingWhen() async throws {
        // lock refuses a profile that has already expired ...
        let folder = TemporaryFolder()
        folder.write("old.yaml", LockVerifyTests.profile.replacing("rules:", with: "expires: \"2020-01-31T00:00:00Z\"\nrules:"))
        let refused = try await Envlock.run(["lock", "--profile", folder.file("old.yaml"), "--output", folder.file("old.lock")])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("has passed"), "\(refused.stderr)")
        #expect(!fileExists(folder.file("old.lock")))

        // ... so make a valid lock expire by editing it and re-signing it with the trusted key,
        // outside envlock, through the documented bytes.
        let fixture = try await Self.fixture(profileExtra: "expires: \"2999-01-01\"\n")
        #expect(try await Self.verify(fixture, "env.lock").status == 0)
        let text = fixture.folder.read("env.lock").replacing("2999-01-01T00:00:00Z", with: "2020-01-31T00:00:00Z")
        fixture.folder.write("expired.lock", text)
        let script = """
            set -e
            cd '\(fixture.folder.path)'
            fingerprint=$('\(Envlock.binary)' signed-bytes --canonical expired.lock | sha256sum | cut -d' ' -f1)
            sed -i "s/^fingerprint: .*/fingerprint: \\"sha256:$fingerprint\\"/" expired.lock
            '\(Envlock.binary)' signed-bytes expired.lock > bytes
            openssl pkeyutl -sign -inkey key.pem -rawin -in bytes -out sig
            value=$(base64 -w0 sig)
            sed -i "s|^  value: .*|  value: \\"$value\\"|" expired.lock
            """
        let resigned = try await runProgram("/bin/sh", ["-c", script], environment: Envlock.baseEnvironment())
        #expect(resigned.status == 0, "\(resigned.stderr)")
        let result = try await Self.verify(fixture, "expired.lock")
        #expect(result.status == 2)
        #expect(result.stderr.contains("expired at 2020-01-31T00:00:00Z"), "\(result.stderr)")
    }

    @Test func olderSerialIsRefusedAsAReplay() async throws {
        let fixture = try await Self.fixture(profileExtra: "serial: 4\n")
        #expect(try await Self.verify(fixture, "env.lock", ["--min-serial", "4"]).status == 0)
        let replay = try await Self.verify(fixture, "env.lock", ["--min-serial", "5"])
        #expect(replay.status == 2)
        #expect(replay.stderr.contains("serial 4 is lower than the required minimum 5"))
        let unserialized = try await Self.fixture()
        #expect(try await Self.verify(unserialized, "env.lock", ["--min-serial", "1"]).status == 2)
    }

    @Test func signedBytesCheckWithOpensslInBothDirections() async throws {
        let fixture = try await Self.fixture()
        let folder = fixture.folder
        // openssl signs envlock's documented bytes with an openssl-made key; envlock verifies.
        let script = """
            set -e
            cd '\(folder.path)'
            openssl genpkey -algorithm ed25519 -out ossl.pem
            chmod 600 ossl.pem
            openssl pkey -in ossl.pem -pubout -out ossl.pub.pem
            '\(Envlock.binary)' lock --profile profile.yaml --key ossl.pem --output ossl.lock
            '\(Envlock.binary)' signed-bytes ossl.lock > bytes
            openssl pkeyutl -sign -inkey ossl.pem -rawin -in bytes -out sig
            base64 -w0 sig
            """
        let made = try await runProgram("/bin/sh", ["-c", script], environment: fixture.environment)
        #expect(made.status == 0, "\(made.stderr)")
        // Ed25519 is deterministic: openssl's signature is the one envlock wrote.
        let text = folder.read("ossl.lock")
        #expect(Self.signatureValue(text) == "\"\(made.stdout)\"")
        let verify = try await Envlock.run(["verify", folder.file("ossl.lock"), "--trust", folder.file("ossl.pub.pem")], environment: fixture.environment)
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A command never destroys its own inputs or a key, however the output path is spelled.
@Suite struct OutputProtectionTests {
    static let profileText = "envlock: 1\nname: out\nrules:\n  host.arch: {pin: true}\n"

    /// A folder with a key pair and a profile, and a link to the folder for other spellings.
    static func setUp() async throws -> TemporaryFolder {
        let folder = TemporaryFolder()
        folder.write("p.yaml", profileText)
        let keygen = try await Envlock.run(["keygen", "--output", folder.file("k.pem")])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        symlink(folder.path, folder.file("alias"))
        return folder
    }

    /// (what, the output path relative to the folder, the file that must survive)
    static let inputSpellings: [(String, String, String)] = [
        ("profile", "p.yaml", "p.yaml"),
        ("profile via ./", "./p.yaml", "p.yaml"),
        ("profile via a linked folder", "alias/p.yaml", "p.yaml"),
        ("profile via ..", "alias/../%FOLDER%/p.yaml", "p.yaml"),
        ("key", "k.pem", "k.pem"),
        ("key via a linked folder", "alias/k.pem", "k.pem"),
    ]

    @Test(arguments: inputSpellings)
    func lockNeverWritesOntoItsInputs(what: String, output: String, survivor: String) async throws {
        let folder = try await Self.setUp()
        let before = folder.read(survivor)
        let output = output.replacing("%FOLDER%", with: folder.path.split(separator: "/").last.map(String.init) ?? "")
        for replace in [false, true] {
            let lock = try await Envlock.run(["lock", "--profile", folder.file("p.yaml"), "--key", folder.file("k.pem"), "--output", output] + (replace ? ["--replace-protected"] : []),
                                             workingDirectory: folder.path)
            #expect(lock.status == 2, "\(what): \(lock.stderr)")
            #expect(lock.stderr.contains("input"), "\(what): \(lock.stderr)")
            #expect(folder.read(survivor) == before, "\(what): \(survivor) changed")
        }
    }

    /// Files someone protected: a private key (envlock's or openssl's), a read-only lock.
    @Test(arguments: ["probe", "lock"])
    func protectedFilesNeedTheFlag(command: String) async throws {
        let folder = try await Self.setUp()
        let openssl = try await runProgram("openssl", ["genpkey", "-algorithm", "ed25519", "-out", folder.file("other.pem")], environment: Envlock.baseEnvironment())
        #expect(openssl.status == 0)
        folder.write("readonly.lock", "old\n", mode: 0o444)
        folder.write("rsa.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n")
        for target in ["k.pem", "other.pem", "readonly.lock", "rsa.key"] {
            let before = folder.read(target)
            let arguments = command == "probe"
                ? ["probe", "--format", "json", "--output", folder.file(target)]
                : ["lock", "--profile", folder.file("p.yaml"), "--output", folder.file(target)]
            let refused = try await Envlock.run(arguments)
            #expect(refused.status == 2, "\(command) onto \(target): \(refused.stderr)")
            #expect(refused.stderr.contains("--replace-protected"), "\(refused.stderr)")
            #expect(folder.read(target) == before, "\(target) changed")
            let replaced = try await Envlock.run(arguments + ["--replace-protected"])
            #expect(replaced.status == 0, "\(command) onto \(target) with the flag: \(replaced.stderr)")
            #expect(folder.read(target) != before)
        }
    }

    @Test(arguments: ["team.pub.pem", "team.pub"])
    func keygenRefusesAPublicKeyNameForThePrivateKey(name: String) async throws {
        let folder = TemporaryFolder()
        let keygen = try await Envlock.run(["keygen", "--output", folder.file(name)])
        #expect(keygen.status == 2, "\(keygen.stderr)")
        #expect(keygen.stderr.contains("public key's name"))
        #expect(!fileExists(folder.file(name)))
    }
}

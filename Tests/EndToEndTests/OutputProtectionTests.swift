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

/// `--output` never replaces a file the command read, whatever kind of input it is and however
/// the path is spelled: the same path, `./x/../x`, a hard link, a symbolic link to it; and
/// `--replace-protected` does not change that. The refusal names what the file was.
@Suite struct OutputNeverReplacesAnInputTests {
    /// One kind of input: what it is, its file (relative to the test folder), the words the
    /// refusal names it with, and the options that make the command read it.
    struct Kind: CustomTestStringConvertible, Sendable {
        var what: String
        var file: String
        var role: String
        var options: [String] = []
        /// The commands that read it: a profile is lock's alone.
        var commands: Set<String> = ["lock", "probe"]

        var testDescription: String { what }
    }

    static let kinds: [Kind] = [
        Kind(what: "profile", file: "child.yaml", role: "the profile", commands: ["lock"]),
        Kind(what: "extended profile", file: "base.yaml", role: "a profile the profile extends", commands: ["lock"]),
        Kind(what: "signing key", file: "k.pem", role: "the signing key", commands: ["lock"]),
        Kind(what: "job's script", file: "Fooocus/launch.py", role: "the job's script"),
        Kind(what: "config.txt", file: "Fooocus/config.txt", role: "the job's config file"),
        Kind(what: "default preset", file: "Fooocus/presets/default.json", role: "a preset of the job"),
        Kind(what: "--preset file", file: "Fooocus/presets/anime.json", role: "a preset of the job"),
        Kind(what: "checkpoint", file: "Fooocus/models/checkpoints/base.safetensors", role: "a model file of the job"),
        // The shipped rules forbid any LoRA instead of pinning its file, so lock does not hash it.
        Kind(what: "LoRA", file: "Fooocus/models/loras/style.safetensors", role: "a model file of the job", commands: ["probe"]),
        Kind(what: "style file", file: "Fooocus/sdxl_styles/sdxl_styles_fooocus.json", role: "a style file of the job"),
        Kind(what: "--python interpreter", file: "python-stand-in", role: "the Python interpreter", options: ["--python", "%FOLDER%/python-stand-in"]),
        Kind(what: "package METADATA", file: "site/demo-1.0.dist-info/METADATA", role: "a file", options: ["--site-packages", "%FOLDER%/site"]),
    ]

    /// A Fooocus checkout with a config.txt and a style file, a profile that extends another,
    /// a signing key, a stand-in interpreter and a site-packages folder.
    static func setUp() async throws -> FooocusCheckout {
        let checkout = try FooocusCheckout()
        let folder = checkout.folder
        // The job's rules, so that lock reads the job's files as it does for a real profile.
        folder.write("base.yaml", FooocusCheckout.jobProfile())
        folder.write("child.yaml", "envlock: 1\nname: child\nextends: base.yaml\n")
        folder.write("Fooocus/config.txt", #"{"default_cfg_scale": 4.0}"#)
        folder.write("Fooocus/sdxl_styles/sdxl_styles_fooocus.json", #"[{"name": "Fooocus Sharp", "prompt": "{prompt}"}]"#)
        folder.write("python-stand-in", "#!/bin/sh\nexit 3\n", mode: 0o755)
        folder.write("site/demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        let keygen = try await Envlock.run(["keygen", "--output", folder.file("k.pem")])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        #expect(symlink(folder.path, folder.file("alias")) == 0)
        return checkout
    }

    /// The ways to name `kind`'s file other than its path: `./x/../x`, through a linked folder,
    /// a hard link, a symbolic link (both made here).
    static func spellings(_ kind: Kind, in folder: TemporaryFolder) -> [String] {
        let target = folder.file(kind.file)
        #expect(link(target, folder.file("hard-link")) == 0)
        #expect(symlink(target, folder.file("soft-link")) == 0)
        return [target, "./Fooocus/../" + kind.file, "alias/" + kind.file, folder.file("hard-link"), folder.file("soft-link")]
    }

    static func arguments(_ command: String, _ kind: Kind, output: String, in checkout: FooocusCheckout, replaceProtected: Bool = false) -> [String] {
        let folder = checkout.folder
        let options = kind.options.map { $0.replacing("%FOLDER%", with: folder.path) } + (replaceProtected ? ["--replace-protected"] : [])
        let job = ["--"] + checkout.command("launch.py", FooocusCheckout.conformingOptions + ["--preset", "anime"])
        switch command {
        // --force: the anime preset enables a LoRA, which the shipped rules refuse.
        case "lock": return ["lock", "--profile", folder.file("child.yaml"), "--key", folder.file("k.pem"), "--force", "--output", output] + options + job
        default: return ["probe", "--format", "json", "--output", output] + options + job
        }
    }

    static let commands = ["lock", "probe"]

    @Test(arguments: commands, kinds)
    func theOutputIsNeverAnInput(command: String, kind: Kind) async throws {
        guard kind.commands.contains(command) else { return }
        let checkout = try await Self.setUp()
        let folder = checkout.folder
        let target = folder.file(kind.file)
        // The command works, and reads the file: writing elsewhere succeeds.
        let elsewhere = try await Envlock.run(Self.arguments(command, kind, output: folder.file("out"), in: checkout),
                                             environment: checkout.environment, workingDirectory: folder.path)
        #expect(elsewhere.status == 0, "\(command) with \(kind.what): \(elsewhere.stderr)")
        let before = readFile(target)
        for (index, spelled) in Self.spellings(kind, in: folder).enumerated() {
            // Every other spelling with --replace-protected, which never covers an input.
            let refused = try await Envlock.run(Self.arguments(command, kind, output: spelled, in: checkout, replaceProtected: index % 2 == 0),
                                                environment: checkout.environment, workingDirectory: folder.path)
            #expect(refused.status == 2, "\(command) --output \(spelled): \(refused.stderr)")
            #expect(refused.stderr.contains("--output \(spelled) is \(kind.role)"), "\(command) --output \(spelled): \(refused.stderr)")
            #expect(refused.stderr.contains("which this command read"), "\(refused.stderr)")
            #expect(readFile(target) == before, "\(command) --output \(spelled) changed \(kind.file)")
        }
        var status = stat()
        #expect(lstat(folder.file("soft-link"), &status) == 0 && status.st_mode & S_IFMT == S_IFLNK, "the link was replaced")
    }

    /// keygen reads nothing and writes only new files: no spelling of an existing file is taken.
    @Test(arguments: kinds)
    func keygenReplacesNoFile(kind: Kind) async throws {
        let checkout = try await Self.setUp()
        let folder = checkout.folder
        let target = folder.file(kind.file)
        let before = readFile(target)
        for spelled in Self.spellings(kind, in: folder) {
            let refused = try await Envlock.run(["keygen", "--output", spelled], workingDirectory: folder.path)
            #expect(refused.status == 2, "keygen --output \(spelled): \(refused.stderr)")
            #expect(readFile(target) == before, "keygen --output \(spelled) changed \(kind.file)")
        }
    }
}

import Testing

/// The foundation's promises, through the built binary: lock, verify, run, diff, keys.
@Suite struct LockVerifyTests {
    static let profile = """
        envlock: 1
        name: e2e
        description: "Profile used by the end-to-end tests."
        rules:
          host.os.id: {pin: true, why: "distribution libraries differ"}
          host.arch: {pin: true}
          env.CUBLAS_WORKSPACE_CONFIG: {one_of: [":4096:8", ":16:8"], why: "cuBLAS is deterministic only with a fixed workspace"}
          env.NVIDIA_TF32_OVERRIDE: {absent: true, severity: warning}
        run:
          require: ["--attention-pytorch"]
          forbid: ["--attention-split", "--attention-quad"]
        """

    /// A folder with a key pair, the profile and a signed lock made with CUBLAS_WORKSPACE_CONFIG=:4096:8.
    static func signedLock() async throws -> (TemporaryFolder, [String: String]) {
        let folder = TemporaryFolder()
        folder.write("profile.yaml", profile)
        var environment = Envlock.baseEnvironment()
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        let keygen = try await Envlock.run(["keygen", "--output", folder.file("key.pem")], environment: environment)
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let lock = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--key", folder.file("key.pem"), "--output", folder.file("env.lock")], environment: environment)
        #expect(lock.status == 0, "\(lock.stderr)")
        return (folder, environment)
    }

    @Test func lockThenVerifyMatches() async throws {
        let (folder, environment) = try await Self.signedLock()
        let verify = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem")], environment: environment)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("MATCH"))
        let viaEnvironment = try await Envlock.run(["verify", folder.file("env.lock")], environment: environment.merging(["ENVLOCK_TRUST": folder.file("key.pub.pem")]) { $1 })
        #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
    }

    @Test func everyStringInTheLockIsQuoted() async throws {
        let (folder, _) = try await Self.signedLock()
        let text = folder.read("env.lock")
        #expect(text.contains("fingerprint: \"sha256:"))
        #expect(text.contains("algorithm: \"ed25519\""))
        #expect(text.contains("env.CUBLAS_WORKSPACE_CONFIG: \":4096:8\""))
    }

    @Test func editedFactValueIsRejected() async throws {
        let (folder, environment) = try await Self.signedLock()
        let text = folder.read("env.lock")
        folder.write("edited.lock", text.replacing("\":4096:8\"\n  host", with: "\":16:8\"\n  host"))
        #expect(folder.read("edited.lock") != text)
        let verify = try await Envlock.run(["verify", folder.file("edited.lock"), "--trust", folder.file("key.pub.pem")], environment: environment)
        #expect(verify.status == 2)
        #expect(verify.stderr.contains("modified after it was signed"))
    }

    @Test func reformattedLockStaysValid() async throws {
        let (folder, environment) = try await Self.signedLock()
        let text = folder.read("env.lock")
        // Four-space indentation and single quotes: same content, other bytes.
        let reformatted = text.split(separator: Character("\n"), omittingEmptySubsequences: false).map { (line: Substring) -> String in
            let indent = line.prefix { $0 == " " }.count
            return String(repeating: " ", count: indent * 2) + line.dropFirst(indent)
        }.joined(separator: "\n").replacing("\"ed25519\"", with: "'ed25519'")
        folder.write("reformatted.lock", "# reformatted by hand\n" + reformatted)
        let verify = try await Envlock.run(["verify", folder.file("reformatted.lock"), "--trust", folder.file("key.pub.pem")], environment: environment)
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func missingSignatureNeedsAllowUnsigned() async throws {
        let (folder, environment) = try await Self.signedLock()
        let text = folder.read("env.lock")
        let unsigned = text.split(separator: Character("\n"), omittingEmptySubsequences: false)
            .prefix { !$0.hasPrefix("signature:") }.joined(separator: "\n")
        folder.write("unsigned.lock", unsigned)
        let refused = try await Envlock.run(["verify", folder.file("unsigned.lock"), "--trust", folder.file("key.pub.pem")], environment: environment)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("not signed"))
        let allowed = try await Envlock.run(["verify", folder.file("unsigned.lock"), "--allow-unsigned"], environment: environment)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("UNSIGNED"))
    }

    @Test func untrustedKeyIsRejected() async throws {
        let (folder, environment) = try await Self.signedLock()
        _ = try await Envlock.run(["keygen", "--output", folder.file("other.pem")], environment: environment)
        let verify = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("other.pub.pem")], environment: environment)
        #expect(verify.status == 2)
        #expect(verify.stderr.contains("not trusted here"))
    }

    @Test func violatedEnvironmentRuleIsDriftWithWhy() async throws {
        let (folder, environment) = try await Self.signedLock()
        var drifted = environment
        drifted["CUBLAS_WORKSPACE_CONFIG"] = ":0:0"
        let verify = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem")], environment: drifted)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("cuBLAS is deterministic only with a fixed workspace"))
        #expect(verify.stdout.contains("FAIL  env.CUBLAS_WORKSPACE_CONFIG"))
        let json = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--format", "json"], environment: drifted)
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"verdict\": \"drift\""))
    }

    @Test func warningRuleDoesNotFail() async throws {
        let (folder, environment) = try await Self.signedLock()
        var tf32 = environment
        tf32["NVIDIA_TF32_OVERRIDE"] = "1"
        let verify = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem")], environment: tf32)
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("WARN  env.NVIDIA_TF32_OVERRIDE"))
    }

    @Test func runRefusesForbiddenArgumentWithoutStartingTheCommand() async throws {
        let (folder, environment) = try await Self.signedLock()
        let marker = folder.file("started")
        let run = try await Envlock.run(["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--", "/bin/sh", "-c", "touch \(marker)", "--attention-pytorch", "--attention-split"], environment: environment)
        #expect(run.status == 1)
        #expect(run.stderr.contains("forbidden argument --attention-split"))
        #expect(!fileExists(marker))
        let missing = try await Envlock.run(["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--", "/bin/sh", "-c", "touch \(marker)"], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing required argument --attention-pytorch"))
        #expect(!fileExists(marker))
    }

    @Test func runExecsAnAllowedCommandAndKeepsItsExitCode() async throws {
        let (folder, environment) = try await Self.signedLock()
        // $$ is the shell's pid; exec keeps envlock's pid, so the shell reports it as its own parent's child.
        let run = try await Envlock.run(["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--", "/bin/sh", "-c", "echo ran; exit 7", "sh", "--attention-pytorch"], environment: environment)
        #expect(run.status == 7, "\(run.stderr)")
        #expect(run.stdout == "ran\n")
    }

    /// A warning does not stop the job; its line fits the report's width, long values wrapped
    /// onto indented lines, nothing cut.
    @Test func runWarnsInLinesThatFitAndStarts() async throws {
        let (folder, environment) = try await Self.signedLock()
        let long = (1...40).map { "part\($0)" }.joined(separator: " ")
        let run = try await Envlock.run(["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--", "/bin/sh", "-c", "echo ran", "sh", "--attention-pytorch"],
                                        environment: environment.merging(["NVIDIA_TF32_OVERRIDE": long]) { $1 })
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "ran\n")
        let warning = run.stderr.split(separator: "\n").drop { !$0.hasPrefix("envlock: warning: env.NVIDIA_TF32_OVERRIDE") }
        #expect(warning.count > 1, "one warning over several lines: \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").allSatisfy { $0.count <= 100 }, "\(run.stderr)")
        #expect(run.unwrappedStderr.contains(long), "\(run.stderr)")
    }

    @Test func runRefusesOnDrift() async throws {
        let (folder, environment) = try await Self.signedLock()
        var drifted = environment
        drifted["CUBLAS_WORKSPACE_CONFIG"] = ":0:0"
        let run = try await Envlock.run(["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--", "/bin/echo", "--attention-pytorch"], environment: drifted)
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
    }

    @Test func diffExitCodes() async throws {
        let folder = TemporaryFolder()
        var environment = Envlock.baseEnvironment()
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        // An empty site-packages: no interpreter runs, so a slow python3 shim cannot make two
        // probes of the same machine differ.
        let python = ["--site-packages", folder.path]
        _ = try await Envlock.run(["probe", "--format", "json", "--output", folder.file("a.json")] + python, environment: environment)
        _ = try await Envlock.run(["probe", "--format", "yaml", "--output", folder.file("b.yaml")] + python, environment: environment)
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":16:8"
        _ = try await Envlock.run(["probe", "--format", "json", "--output", folder.file("c.json")] + python, environment: environment)

        let same = try await Envlock.run(["diff", folder.file("a.json"), folder.file("b.yaml")])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let different = try await Envlock.run(["diff", folder.file("a.json"), folder.file("c.json")])
        #expect(different.status == 1)
        #expect(different.stdout.contains("~ env.CUBLAS_WORKSPACE_CONFIG: \":4096:8\" -> \":16:8\""))
        #expect(different.stdout.contains("why it matters"))
        let againstThisMachine = try await Envlock.run(["diff", folder.file("c.json")] + python, environment: environment)
        #expect(againstThisMachine.status == 0, "\(againstThisMachine.stdout)")
        let json = try await Envlock.run(["diff", folder.file("a.json"), folder.file("c.json"), "--format", "json"])
        #expect(json.stdout.contains("\"change\": \"changed\""))
        let unreadable = try await Envlock.run(["diff", folder.file("a.json"), folder.file("nothing.json")])
        #expect(unreadable.status == 2)
    }

    @Test(.enabled(if: fileExists("/usr/bin/python3"), "needs /usr/bin/python3"))
    func runChecksThePythonItWillStart() async throws {
        let folder = TemporaryFolder()
        folder.write("python.yaml", "envlock: 1\nname: py\nrules:\n  python.executable: {pin: true}\n")
        let lock = try await Envlock.run(["lock", "--profile", folder.file("python.yaml"), "--python", "/usr/bin/python3", "--output", folder.file("py.lock")])
        #expect(lock.status == 0, "\(lock.stderr)")
        #expect(folder.read("py.lock").contains("python.executable: \"/usr/bin/python3\""))
        let run = try await Envlock.run(["run", folder.file("py.lock"), "--allow-unsigned", "--", "/usr/bin/python3", "-c", "import sys; sys.exit(3)"])
        #expect(run.status == 3, "\(run.stderr)")
    }

    @Test func diffOfALockWithThisMachineComparesTheLockedKeysOnly() async throws {
        let (folder, environment) = try await Self.signedLock()
        let same = try await Envlock.run(["diff", folder.file("env.lock")], environment: environment)
        #expect(same.status == 0, "\(same.stdout)")
        var drifted = environment
        drifted["CUBLAS_WORKSPACE_CONFIG"] = ":16:8"
        let different = try await Envlock.run(["diff", folder.file("env.lock")], environment: drifted)
        #expect(different.status == 1)
        #expect(different.stdout.contains("1 difference"), "\(different.stdout)")
    }

    @Test(.enabled(if: fileExists("/dev/full"), "needs /dev/full"))
    func aFullDiskIsAnErrorNotATruncatedReport() async throws {
        let result = try await runProgram("/bin/sh", ["-c", "'\(Envlock.binary)' probe --format json --site-packages /nonexistent > /dev/full"], environment: Envlock.baseEnvironment())
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot write to standard output"))
    }

    @Test func noSubcommandIsAUsageError() async throws {
        let result = try await Envlock.run([])
        #expect(result.status == 64)
        #expect(result.stderr.contains("USAGE"))
    }

    @Test func opensslVerifiesTheSignatureOverTheDocumentedBytes() async throws {
        let (folder, _) = try await Self.signedLock()
        let script = """
            set -e
            cd '\(folder.path)'
            '\(Envlock.binary)' signed-bytes env.lock > bytes
            sed -n 's/^  value: "\\(.*\\)"$/\\1/p' env.lock | base64 -d > sig
            openssl pkeyutl -verify -pubin -inkey key.pub.pem -rawin -in bytes -sigfile sig
            """
        let result = try await runProgram("/bin/sh", ["-c", script], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Signature Verified Successfully"))
    }
}

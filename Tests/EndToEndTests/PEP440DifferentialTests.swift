import Testing

/// Thousands of generated version rules, evaluated by the built envlock (lock, then verify)
/// and by Python's `packaging` (`SpecifierSet(spec).contains(version, installed=True)`),
/// must agree on every one. The generator is `scripts/pep440-differential.py`.
@Suite struct PEP440DifferentialTests {
    static let script = SharedData.packageRoot + "/scripts/pep440-differential.py"

    /// Whether `python3` runs here with packaging 26 or later (the semantics envlock follows);
    /// the tests are skipped otherwise (`scripts/install-test-deps.sh` installs it).
    static func pythonHasPackaging() async -> Bool {
        let check = "import packaging, sys; sys.exit(0 if int(packaging.__version__.split('.')[0]) >= 26 else 1)"
        do {
            return try await runProgram("python3", ["-c", check], environment: Envlock.baseEnvironment()).status == 0
        } catch {
            return false
        }
    }

    @Test(
        "envlock's version rules agree with packaging on generated corner cases",
        .enabled("needs python3 with packaging 26 or later (scripts/install-test-deps.sh installs it)") { await pythonHasPackaging() },
        .timeLimit(.minutes(2))
    )
    func agreesWithPackaging() async throws {
        let result = try await runProgram("python3", [Self.script, Envlock.binary], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "pep440-differential.py exited \(result.status):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 disagreements"), "\(result.stdout)")
    }

    @Test(
        "the generator reaches every corner it is meant to",
        .enabled("needs python3 with packaging 26 or later (scripts/install-test-deps.sh installs it)") { await pythonHasPackaging() }
    )
    func generatorSelfCheck() async throws {
        let result = try await runProgram("python3", [Self.script, "--self-check", "--cases", "1500"], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("0 problems"))
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Thousands of generated command lines, read by envlock's argparse (the built
/// `envlock-differential argparse`) and by the real argparse of every CPython 3.10-3.13 on the
/// machine, must give the same exit status and namespace. The generator and the comparison are
/// `scripts/differential/argparse_differential.py`; it builds its parsers from the tables the
/// driver exports, so the two cannot drift apart.
@Suite struct ArgparseDifferentialTests {
    static let script = SharedData.packageRoot + "/scripts/differential/argparse_differential.py"

    /// `envlock-differential` sits beside `envlock`.
    static var driver: String {
        String(Envlock.binary.dropLast("envlock".count)) + "envlock-differential"
    }

    /// Fails, not skips, without a CPython 3.10-3.13: the script exits 1 and says so.
    @Test("envlock's argparse agrees with CPython 3.10-3.13 on generated command lines", .timeLimit(.minutes(3)))
    func agreesWithCPython() async throws {
        let result = try await runProgram("python3", [Self.script, Self.driver], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "argparse_differential.py exited \(result.status):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 disagreements"), "\(result.stdout)\n\(result.stderr)")
    }

    /// Debian 12's python3.11 ships an argparse.py of its own (3.11.2 with a Debian patch), which
    /// JobArgparse.provenFiles trusts: it is checked here, loaded in pyenv's 3.11, on every run.
    @Test("Debian 12's argparse.py agrees with envlock's 3.11 model", .timeLimit(.minutes(3)))
    func debiansArgparseAgrees() async throws {
        let debian = "/usr/lib/python3.11/argparse.py"
        try #require(access(debian, R_OK) == 0, "\(debian) is missing: this machine is not the Debian 12 image CI runs on")
        let result = try await runProgram("python3", [Self.script, Self.driver, "--cases", "3000", "--argparse-file", debian], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "argparse_differential.py exited \(result.status):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 disagreements") && result.stdout.contains("9cad2261a804a55d"), "\(result.stdout)\n\(result.stderr)")
    }
}

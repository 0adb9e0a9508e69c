import Testing

/// Thousands of generated `.pth` files, read by envlock's `PthFile.executableLines` (through the
/// built `envlock-differential pth`) and by `site.addpackage` in every CPython 3.10-3.13 on the
/// machine: every line any release executes must be one envlock finds (it may find more, being
/// stricter where releases split lines differently). The generator is
/// `scripts/differential/pth_differential.py`; it exits non-zero when no CPython is found.
@Suite struct PthDifferentialTests {
    static let script = SharedData.packageRoot + "/scripts/differential/pth_differential.py"

    @Test("envlock finds every .pth line site.py executes in every CPython 3.10-3.13", .timeLimit(.minutes(2)))
    func findsEveryLineCPythonRuns() async throws {
        for seed in ["22", "7"] {
            let result = try await runProgram("python3", [Self.script, LiteralDifferentialTests.driver, "--seed", seed], environment: Envlock.baseEnvironment())
            #expect(result.status == 0, "pth_differential.py exited \(result.status):\n\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("0 missed in all"), "\(result.stdout)")
            #expect(result.stdout.contains("interpreter 3."), "no CPython 3.10-3.13 ran:\n\(result.stdout)")
        }
    }
}

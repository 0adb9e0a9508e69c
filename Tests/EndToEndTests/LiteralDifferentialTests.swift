import Testing

/// Thousands of generated environment values, read by envlock's `PythonLiteralEvaluator` (through the
/// built `envlock-differential literal`) and by `ast.literal_eval` in every CPython 3.10-3.13 on
/// the machine, must agree on every one. The generator is
/// `scripts/differential/literal_differential.py`. Not skipped when no CPython is found: the
/// script then exits non-zero, and the gate's exactness would be unproven.
@Suite struct LiteralDifferentialTests {
    static let script = SharedData.packageRoot + "/scripts/differential/literal_differential.py"

    /// The driver that `swift build` puts beside `envlock`.
    static var driver: String {
        let folder = Envlock.binary.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return folder + "/envlock-differential"
    }

    @Test("envlock reads environment values as ast.literal_eval does in every CPython 3.10-3.13", .timeLimit(.minutes(2)))
    func agreesWithCPython() async throws {
        let result = try await runProgram("python3", [Self.script, Self.driver], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "literal_differential.py exited \(result.status):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 disagreements"), "\(result.stdout)")
        #expect(result.stdout.contains("interpreter 3."), "no CPython 3.10-3.13 ran:\n\(result.stdout)")
    }

    @Test("a second seed agrees too", .timeLimit(.minutes(2)))
    func agreesOnAnotherSeed() async throws {
        let result = try await runProgram("python3", [Self.script, Self.driver, "--seed", "7", "--cases", "3000"], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 disagreements"), "\(result.stdout)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Thousands of generated files, read by envlock (`envlock-differential json`, which calls
/// Probe's `PythonJSON` and `PythonRepr`) and by `json.load(open(path, encoding="utf-8"))` in
/// every CPython 3.10-3.13 on the machine, must give the same value, error or repr on every
/// one. The generator and the rules are `scripts/differential/json_differential.py`.
///
/// Not skipped when no CPython 3.10-3.13 is found: the script then exits non-zero and this
/// fails, since a gate whose JSON reading went unchecked must not pass CI quietly.
@Suite struct JSONDifferentialTests {
    static let script = SharedData.packageRoot + "/scripts/differential/json_differential.py"

    /// The driver, which `swift build` links beside `envlock`.
    static let driver: String = {
        let folder = Envlock.binary.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return folder + "/envlock-differential"
    }()

    @Test("envlock reads JSON files as every CPython 3.10-3.13 does", .timeLimit(.minutes(3)))
    func agreesWithEveryCPython() async throws {
        // pyenv's interpreters are found through HOME (and PYENV_ROOT, when set).
        var environment = Envlock.baseEnvironment()
        if let root = Self.variable("PYENV_ROOT") { environment["PYENV_ROOT"] = root }
        let result = try await runProgram("python3", [Self.script, Self.driver], environment: environment)
        #expect(result.status == 0, "json_differential.py exited \(result.status):\n\(result.stdout.suffix(6000))\n\(result.stderr.suffix(3000))")
        #expect(result.stdout.contains(" interpreters, 0 disagreements"), "\(result.stdout.suffix(6000))")
    }

    static func variable(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}

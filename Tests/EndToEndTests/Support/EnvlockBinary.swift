import Subprocess
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// What one run of a program printed and how it ended.
struct ProgramResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard output with every line that a report wrapped to fit 100 columns joined back
    /// onto the line it continues (an indented line after its line), for tests that look
    /// for a whole sentence; the width itself is ReportWidthTests' and GoldenOutputTests' concern.
    var unwrappedStdout: String { Self.unwrapped(stdout) }
    /// Standard error, unwrapped as `unwrappedStdout`.
    var unwrappedStderr: String { Self.unwrapped(stderr) }

    static func unwrapped(_ text: String) -> String {
        text.replacing(/\n +/, with: " ")
    }
}

/// Runs the built `envlock` binary the way a user does, in a controlled environment.
enum Envlock {
    /// The binary that `swift build` put beside this test bundle.
    static let binary: String = {
        let testBinary = CommandLine.arguments[0]
        let folder = testBinary.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return folder + "/envlock"
    }()

    /// A minimal environment: PATH and HOME from the test process, nothing that would
    /// change envlock's findings unless a test adds it.
    static func baseEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["PATH", "HOME", "LANG"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        // The interpreter cache goes to this test run's own folder, not the user's home.
        environment["XDG_CACHE_HOME"] = cacheFolder
        return environment
    }

    static let cacheFolder = TemporaryFolder().path

    /// Runs envlock with `arguments`; `environment` replaces the whole environment.
    static func run(_ arguments: [String], environment: [String: String]? = nil, workingDirectory: String? = nil) async throws -> ProgramResult {
        try await runProgram(binary, arguments, environment: environment ?? baseEnvironment(), workingDirectory: workingDirectory)
    }
}

/// Runs any program by path or name (looked up on PATH) with a fresh environment.
func runProgram(_ program: String, _ arguments: [String], environment: [String: String], workingDirectory: String? = nil, input: String? = nil) async throws -> ProgramResult {
    var keyed: [Environment.Key: String] = [:]
    for (key, value) in environment { keyed[Environment.Key(stringLiteral: key)] = value }
    let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
    let result = try await Subprocess.run(
        executable,
        arguments: Arguments(arguments),
        environment: .custom(keyed),
        workingDirectory: workingDirectory.map { FilePath($0) },
        input: .string(input ?? ""),
        output: .string(limit: 64 << 20),
        error: .string(limit: 64 << 20)
    )
    let status: Int32
    switch result.terminationStatus {
    case .exited(let code): status = code
    case .signaled(let signal): status = 128 + signal
    }
    return ProgramResult(status: status, stdout: result.standardOutput, stderr: result.standardError)
}

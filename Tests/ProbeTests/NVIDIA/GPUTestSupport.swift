import Testing
@testable import Probe
#if canImport(Glibc)
import Glibc
#endif

/// The fake NVIDIA libraries, built once per test process by `scripts/build-fakes.sh`
/// (which does nothing when they are up to date), so that a fresh clone needs no extra step.
enum GPUFakes {
    static let libraryRoot = SharedData.packageRoot + "/Tests/Fakes/lib"
    static let nvidiaSMIRoot = SharedData.packageRoot + "/Tests/Fakes/nvidia-smi"

    private static let build = Task { () -> String? in
        var environment: [String: String] = [:]
        for name in ["PATH", "HOME", "CC"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        let outcome = await SubprocessCommandRunner().run("/bin/sh", arguments: [SharedData.packageRoot + "/scripts/build-fakes.sh"], environment: environment, timeout: .seconds(300))
        guard case .exited(0, _, _, _) = outcome else { return "scripts/build-fakes.sh failed: \(outcome)" }
        return nil
    }

    /// The folder of scenario `name` (a folder of Tests/Fakes/scenarios), built if needed.
    static func folder(_ name: String) async throws -> String {
        if let failure = await build.value { throw GPUTestFailure(failure) }
        let folder = libraryRoot + "/" + name
        guard FileSystem.isDirectory(folder) else { throw GPUTestFailure("no fake scenario \(name) in \(libraryRoot)") }
        return folder
    }

    /// A context whose libraries come from the fake scenario `name` only.
    static func context(_ name: String, environment: [String: String] = [:], commandTimeout: Duration = .seconds(3)) async throws -> HostContext {
        HostContext(environment: environment, libraries: FolderLibraryLoader(folder: try await folder(name)), commands: GPUScriptedCommands(), commandTimeout: commandTimeout)
    }
}

struct GPUTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A command runner that answers from a script of canned outcomes, keyed by the first
/// argument (exactly, else the longest key it starts with; "" for no arguments). An
/// unscripted command is not found.
struct GPUScriptedCommands: CommandRunner {
    var answers: [String: [String: CommandOutcome]] = [:]

    init(_ answers: [String: [String: CommandOutcome]] = [:]) {
        self.answers = answers
    }

    func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
        let name = command.split(separator: "/").last.map(String.init) ?? command
        guard let byArgument = answers[name] else { return .notFound(command: command) }
        let key = arguments.first ?? ""
        if let exact = byArgument[key] { return exact }
        let prefixes = byArgument.filter { !$0.key.isEmpty && key.hasPrefix($0.key) }
        if let longest = prefixes.max(by: { $0.key.count < $1.key.count }) { return longest.value }
        return .notFound(command: command)
    }

    /// An outcome of a command that printed `text` and exited with `status`.
    static func printed(_ text: String, status: Int32 = 0) -> CommandOutcome {
        .exited(status: status, stdout: Array(text.utf8), stderr: [], truncated: false)
    }
}

/// A temporary folder tree used as `--root`, removed when the test ends.
struct GPUTestTree: ~Copyable {
    let root: String

    init() throws {
        root = try TestFiles.scratchFolder(prefix: "envlock-gpu-test")
    }

    deinit {
        TestFiles.removeTree(root)
    }

    /// Writes `contents` to `absolute` under the tree, making its folders.
    func write(_ absolute: String, _ contents: String) throws {
        try write(absolute, bytes: Array(contents.utf8))
    }

    func write(_ absolute: String, bytes: [UInt8]) throws {
        try TestFiles.write(bytes, to: root + absolute)
    }

    /// Makes an empty file, as the libraries a folder listing sees.
    func touch(_ absolute: String) throws {
        try write(absolute, bytes: [])
    }

    /// Makes an empty executable file, as a program that a PATH search finds.
    func makeExecutable(_ absolute: String) throws {
        try touch(absolute)
        guard chmod(root + absolute, 0o755) == 0 else { throw GPUTestFailure("chmod \(root + absolute): errno \(errno)") }
    }

    /// A context reading this tree, with `commands` answering external commands.
    func context(commands: any CommandRunner = GPUScriptedCommands()) -> HostContext {
        HostContext(root: root, environment: [:], libraries: FolderLibraryLoader(folder: root + "/no-libraries"), commands: commands)
    }
}

/// Reads a shared fixture file in place.
func realFixture(_ relative: String) throws -> String {
    try FileSystem.readBytes(SharedData.realFixtures + "/" + relative).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
}

/// The file names in a shared fixture folder, for tests that must cover every file.
func realFixtureNames(_ folder: String) throws -> [String] {
    try FileSystem.listDirectory(SharedData.realFixtures + "/" + folder)
}

#if canImport(Glibc)
import Glibc
#endif
@testable import Probe

/// A fresh folder under /tmp that a test fills with a fixture tree.
struct PythonTree {
    let path: String

    init() {
        do {
            path = try TestFiles.scratchFolder(prefix: "envlock-python")
        } catch {
            preconditionFailure("\(error)")
        }
    }

    func at(_ relative: String) -> String { path + "/" + relative }

    /// Creates a folder and its parents.
    @discardableResult
    func folder(_ relative: String) -> String {
        TestFiles.makeFolders(at(relative))
        return at(relative)
    }

    @discardableResult
    func write(_ relative: String, _ text: String) -> String {
        write(relative, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ relative: String, bytes: [UInt8]) -> String {
        let target = at(relative)
        do {
            try TestFiles.write(bytes, to: target)
        } catch {
            preconditionFailure("\(error)")
        }
        return target
    }

    /// Copies a file byte for byte (shared real fixtures into a tree).
    @discardableResult
    func copy(_ source: String, to relative: String) -> String {
        write(relative, bytes: readBytes(source))
    }

    func symlink(_ relative: String, pointingTo target: String) {
        if let slash = relative.lastIndex(of: "/") { folder(String(relative[..<slash])) }
        precondition(Glibc.symlink(target, at(relative)) == 0, "symlink failed")
    }

    /// A dist-info folder with a minimal METADATA.
    func distInfo(_ site: String, _ folderName: String, name: String, version: String) {
        write("\(site)/\(folderName)/METADATA", "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n\nLong description.\n")
    }
}

/// A whole file's bytes; the test fails loudly on a missing fixture.
func readBytes(_ path: String) -> [UInt8] {
    do {
        return try TestFiles.bytes(path)
    } catch {
        preconditionFailure("\(error)")
    }
}

func readText(_ path: String) -> String {
    String(decoding: readBytes(path), as: UTF8.self)
}

/// A command runner that answers from a table and records what it was asked.
struct ScriptedCommandRunner: CommandRunner {
    var answer: @Sendable (_ command: String, _ arguments: [String]) -> CommandOutcome

    func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
        answer(command, arguments)
    }

    /// Fails the test if anything is run.
    static let forbidden = ScriptedCommandRunner { command, _ in
        Issue.record("no command may run, but \(command) was")
        return .notFound(command: command)
    }
}

import Testing

/// A context for the Python detectors over real paths (root `/`).
func pythonContext(
    environment: [String: String] = [:], executable: String? = nil, sitePackages: [String] = [],
    commands: any CommandRunner = ScriptedCommandRunner.forbidden, root: String = "/"
) -> HostContext {
    HostContext(root: root, environment: environment, commands: commands, python: PythonSelection(executable: executable, sitePackages: sitePackages))
}

/// Runs the python detector, then `detectors` in order, each seeing all earlier outcomes.
func runPythonChain(_ context: HostContext, _ detectors: [any Detector]) async -> [String: DetectorOutcome] {
    var outcomes: [String: DetectorOutcome] = [:]
    outcomes["python"] = await PythonDetector().detect(in: context, earlier: [:])
    for detector in detectors {
        outcomes[detector.name] = await detector.detect(in: context, earlier: outcomes)
    }
    return outcomes
}

/// A real command runner for tests, over popen: runs the command with this process's
/// environment (the environment argument is not applied) and no deadline.
struct PopenCommandRunner: CommandRunner {
    func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
        let line = ([command] + arguments).map(shellQuoted).joined(separator: " ")
        let (status, output) = shellOutputBytes(line)
        return .exited(status: status, stdout: output, stderr: [], truncated: false)
    }
}

func shellQuoted(_ word: String) -> String {
    "'" + word.replacing("'", with: "'\\''") + "'"
}

/// The real virtual environments of scripts/make-test-venvs.sh, built once (the script
/// caches them in .test-venvs/ and serializes concurrent callers with a lock).
enum TestVenvs {
    static let names = ["wheels", "editable", "eggs", "system", "records"]

    static let folder: Result<String, TestVenvError> = {
        let script = SharedData.packageRoot + "/scripts/make-test-venvs.sh"
        let (status, output) = shellOutput(shellQuoted(script) + " 2>&1")
        guard status == 0 else { return .failure(TestVenvError(output: output)) }
        return .success(String(output.split(separator: "\n").last ?? ""))
    }()

    struct TestVenvError: Error, CustomStringConvertible {
        var output: String
        var description: String { "scripts/make-test-venvs.sh failed (see .test-venvs/build.log):\n\(output)" }
    }

    /// What importlib.metadata reports for `interpreter`: normalized name → version, the first
    /// distribution of each name winning, as `importlib.metadata.version(name)` decides.
    static func importlibView(_ interpreter: String) -> [String: String] {
        let (status, output) = shellOutput(shellQuoted(interpreter) + " -c " + shellQuoted(oracle))
        precondition(status == 0, "the importlib.metadata one-liner failed for \(interpreter)")
        var view: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            view[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return view
    }

    /// Drops the current folder that `-c` puts first, as envlock does.
    static let oracle = """
        import sys
        if sys.path and sys.path[0] == '': sys.path.pop(0)
        import importlib.metadata as m, re
        seen = {}
        for d in m.distributions():
            key = re.sub(r'[-_.]+', '-', d.metadata['Name']).lower()
            seen.setdefault(key, d.version)
        for key in sorted(seen): print(key + '\\t' + seen[key])
        """
}

/// `python.packages.*` of a facts map, without the prefix.
func packages(_ facts: [String: String]) -> [String: String] {
    var result: [String: String] = [:]
    for (key, value) in facts where key.hasPrefix("python.packages.") {
        result[String(key.dropFirst("python.packages.".count))] = value
    }
    return result
}

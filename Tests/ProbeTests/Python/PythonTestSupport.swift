#if canImport(Glibc)
import Glibc
#endif
@testable import Probe

/// A fresh folder under /tmp that a test fills with a fixture tree.
struct FixtureTree {
    let path: String

    init() {
        var template = Array("/tmp/envlock-python-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: created!)
    }

    func at(_ relative: String) -> String { path + "/" + relative }

    /// Creates a folder and its parents.
    @discardableResult
    func folder(_ relative: String) -> String {
        var current = path
        for part in relative.split(separator: "/") {
            current += "/" + part
            mkdir(current, 0o755)
        }
        return current
    }

    @discardableResult
    func write(_ relative: String, _ text: String) -> String {
        write(relative, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ relative: String, bytes: [UInt8]) -> String {
        if let slash = relative.lastIndex(of: "/") { folder(String(relative[..<slash])) }
        let target = at(relative)
        let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0, "cannot create \(target)")
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
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
    let descriptor = open(path, O_RDONLY)
    precondition(descriptor >= 0, "cannot read \(path)")
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return bytes
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
    outcomes["python"] = await PythonEnvironmentDetector().detect(in: context, earlier: [:])
    for detector in detectors {
        outcomes[detector.name] = await detector.detect(in: context, earlier: outcomes)
    }
    return outcomes
}

/// Runs a shell command line and returns its standard output (tests only; Glibc popen).
func shellOutput(_ commandLine: String) -> (status: Int32, output: String) {
    guard let pipe = popen(commandLine, "r") else { return (-1, "") }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, pipe)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    let status = pclose(pipe)
    return ((status >> 8) & 0xFF, String(decoding: bytes, as: UTF8.self))
}

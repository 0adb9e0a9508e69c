#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// `envlock probe` on real virtual environments that pip built (scripts/make-test-venvs.sh):
/// `python.packages.*` equals what importlib.metadata reports for the same interpreter, name by
/// name and version by version, in both directions.
@Suite(.serialized) struct PythonProbeTests {
    static let venvNames = ["wheels", "editable", "eggs", "system"]

    /// Builds the venvs once (cached and locked by the script itself); pip needs this process's
    /// whole environment (index, proxy and certificate settings).
    static func venvFolder() async throws -> String {
        let script = SharedData.packageRoot + "/scripts/make-test-venvs.sh"
        let result = try await runProgram("/bin/bash", [script], environment: processEnvironment())
        #expect(result.status == 0, "make-test-venvs.sh failed:\n\(result.stderr)")
        return String(result.stdout.split(separator: "\n").last ?? "")
    }

    static func processEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return environment
    }

    /// importlib.metadata's view: normalized Name → version, the first of each name winning.
    static func importlibView(_ interpreter: String) async throws -> [String: String] {
        let oracle = """
            import sys
            if sys.path and sys.path[0] == '': sys.path.pop(0)
            import importlib.metadata as m, re
            seen = {}
            for d in m.distributions():
                seen.setdefault(re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(), d.version)
            for key in sorted(seen): print(key + '\\t' + seen[key])
            """
        let result = try await runProgram(interpreter, ["-c", oracle], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "\(result.stderr)")
        var view: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            view[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return view
    }

    static func envlockView(_ arguments: [String], environment: [String: String] = Envlock.baseEnvironment()) async throws -> (packages: [String: String], snapshot: Snapshot) {
        let result = try await Envlock.run(["probe", "--format", "json"] + arguments, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
        var packages: [String: String] = [:]
        for (key, value) in snapshot.facts where key.hasPrefix("python.packages.") {
            packages[String(key.dropFirst("python.packages.".count))] = value
        }
        return (packages, snapshot)
    }

    static func expectSame(_ envlock: [String: String], _ importlib: [String: String], _ label: String) {
        let missing = importlib.filter { envlock[$0.key] == nil }
        let extra = envlock.filter { importlib[$0.key] == nil }
        let different = envlock.filter { importlib[$0.key] != nil && importlib[$0.key] != $0.value }
        #expect(missing.isEmpty, "\(label): importlib.metadata lists these, envlock does not: \(missing)")
        #expect(extra.isEmpty, "\(label): envlock lists these, importlib.metadata does not: \(extra)")
        #expect(different.isEmpty, "\(label): versions differ: \(different)")
        #expect(!importlib.isEmpty, "\(label): importlib.metadata saw nothing")
    }

    @Test(arguments: venvNames)
    func pythonOptionMatchesImportlibMetadata(name: String) async throws {
        let folder = try await Self.venvFolder()
        let interpreter = "\(folder)/\(name)/bin/python"
        let (packages, snapshot) = try await Self.envlockView(["--python", interpreter])
        Self.expectSame(packages, try await Self.importlibView(interpreter), "--python \(name)")
        #expect(snapshot.facts["python.executable"] == interpreter)
        #expect(snapshot.detector(named: "site-packages")?.diagnostics == [])
    }

    @Test(arguments: venvNames)
    func virtualEnvVariableMatchesImportlibMetadata(name: String) async throws {
        let folder = try await Self.venvFolder()
        var environment = Envlock.baseEnvironment()
        environment["VIRTUAL_ENV"] = "\(folder)/\(name)"
        let (packages, snapshot) = try await Self.envlockView([], environment: environment)
        Self.expectSame(packages, try await Self.importlibView("\(folder)/\(name)/bin/python"), "VIRTUAL_ENV \(name)")
        #expect(snapshot.facts["python.prefix"] == "\(folder)/\(name)")
    }

    @Test func sitePackagesOptionReadsTheFolderWithoutAnInterpreter() async throws {
        let folder = try await Self.venvFolder()
        let (packages, snapshot) = try await Self.envlockView(["--site-packages", "\(folder)/wheels/lib/python3.11/site-packages"])
        Self.expectSame(packages, try await Self.importlibView("\(folder)/wheels/bin/python"), "--site-packages wheels")
        #expect(snapshot.facts["python.version"] == nil)
    }

    @Test func baseInterpreterIsAskedForItsSysPath() async throws {
        let folder = try await Self.venvFolder()
        let config = readFile("\(folder)/wheels/pyvenv.cfg")
        let home = try #require(config.split(separator: "\n").first { $0.hasPrefix("home") }?.split(separator: "=").last)
        let interpreter = String(home.filter { $0 != " " }) + "/python3"
        let (packages, snapshot) = try await Self.envlockView(["--python", interpreter])
        Self.expectSame(packages, try await Self.importlibView(interpreter), "base interpreter")
        #expect(snapshot.detector(named: "python")?.detail?.contains("running") == true)
    }
}

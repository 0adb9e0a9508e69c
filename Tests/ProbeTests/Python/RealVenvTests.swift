import Testing
import EnvLock
@testable import Probe

/// envlock's view of real virtual environments built by pip (scripts/make-test-venvs.sh)
/// equals importlib.metadata's, name by name and version by version, in both directions.
@Suite(.serialized) struct RealVenvTests {
    static func compare(_ mine: [String: String], _ theirs: [String: String]) {
        let missing = theirs.filter { mine[$0.key] == nil }
        let extra = mine.filter { theirs[$0.key] == nil }
        let different = mine.filter { theirs[$0.key] != nil && theirs[$0.key] != $0.value }
        #expect(missing.isEmpty, "importlib.metadata has these, envlock does not: \(missing)")
        #expect(extra.isEmpty, "envlock has these, importlib.metadata does not: \(extra)")
        #expect(different.isEmpty, "versions differ: \(different.map { "\($0.key): envlock \($0.value), importlib \(theirs[$0.key]!)" })")
    }

    @Test(arguments: TestVenvs.names)
    func venvThroughPythonOption(name: String) async throws {
        let folder = try TestVenvs.folder.get()
        let interpreter = "\(folder)/\(name)/bin/python"
        // pip's venvs hold only lines setuptools writes (distutils-precedence, editable
        // finders, nspkg), which leave sys.path alone, so envlock reads them without Python.
        // The "system" venv also sees the base interpreter's site-packages, where a machine may
        // keep .pth lines of its own that only the interpreter can evaluate; it is then asked.
        let commands: any CommandRunner = name == "system" ? SubprocessCommandRunner() : ScriptedCommandRunner.forbidden
        var context = pythonContext(executable: interpreter, commands: commands)
        // Starting Python on a test machine busy with the rest of the suite can take seconds.
        context.commandTimeout = .seconds(30)
        // On envlock's own threads, as the Prober runs detectors, so that the interpreter's
        // answer is read even while other tests of the suite hold every thread of Swift's
        // shared pool (it went unread for 30 s on a loaded 2-core machine); without the
        // Prober's waits, which a loaded machine's interpreter start can outlast.
        let probed = context
        let threads = DetectorThreads(timer: ProbeTimer.shared)
        defer { threads.finish() }
        let outcomes = await DetectorThreads.$current.withValue(threads) {
            await Task(executorPreference: threads) { await runPythonChain(probed, [SitePackagesDetector()]) }.value
        }
        let detail = outcomes["python"]?.detail ?? ""
        #expect(detail.contains("without running Python") || (name == "system" && detail.contains(".pth has a line Python executes")), "\(detail)")
        #expect(outcomes["site-packages"]?.diagnostics == [])
        let mine = packages(outcomes["site-packages"]?.facts ?? [:])
        Self.compare(mine, TestVenvs.importlibView(interpreter))
        #expect(mine.count >= 3, "python: \(outcomes["python"]?.detail ?? "no outcome"); site-packages: \(outcomes["site-packages"]?.detail ?? "no outcome")")
    }

    @Test(arguments: TestVenvs.names)
    func venvThroughVirtualEnvVariable(name: String) async throws {
        let folder = try TestVenvs.folder.get()
        var context = pythonContext(environment: ["VIRTUAL_ENV": "\(folder)/\(name)", "HOME": "/nonexistent-home"], commands: SubprocessCommandRunner())
        context.commandTimeout = .seconds(30)
        let outcomes = await runPythonChain(context, [SitePackagesDetector()])
        Self.compare(packages(outcomes["site-packages"]?.facts ?? [:]), TestVenvs.importlibView("\(folder)/\(name)/bin/python"))
    }

    @Test func theVenvsHoldWhatTheyShould() throws {
        let folder = try TestVenvs.folder.get()
        let wheels = TestVenvs.importlibView("\(folder)/wheels/bin/python")
        #expect(wheels["zope-interface"] == "6.1")
        #expect(wheels["typing-extensions"] == "4.9.0")
        #expect(wheels["jinja2"] == "3.1.3")
        let editable = TestVenvs.importlibView("\(folder)/editable/bin/python")
        #expect(editable["tiny-modern-editable"] == "0.1.0")
        #expect(editable["tiny-compat-editable"] == "0.2.0")
        let eggs = TestVenvs.importlibView("\(folder)/eggs/bin/python")
        #expect(eggs["tiny-legacy-develop"] == "0.3.0")
        #expect(eggs["tiny-egg-info-folder"] == "0.4.0")
        let system = TestVenvs.importlibView("\(folder)/system/bin/python")
        #expect(system["idna"] == "3.6")
        #expect(system["pip"] != nil)
    }

    @Test func baseInterpreterIsRunOnce() async throws {
        let folder = try TestVenvs.folder.get()
        // The base interpreter behind the venvs: not a venv, so envlock asks it for sys.path.
        let config = readText("\(folder)/wheels/pyvenv.cfg")
        let home = config.split(separator: "\n").first { $0.hasPrefix("home") }.map { String($0.split(separator: "=")[1].trimmingPythonSpaces()) }
        let interpreter = try #require(home) + "/python3"
        let outcomes = await runPythonChain(pythonContext(executable: interpreter, commands: PopenCommandRunner()), [SitePackagesDetector()])
        #expect(outcomes["python"]?.detail?.contains("running") == true)
        Self.compare(packages(outcomes["site-packages"]?.facts ?? [:]), TestVenvs.importlibView(interpreter))
    }
}

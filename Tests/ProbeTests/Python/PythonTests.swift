import Testing
@testable import Probe

/// Which Python is probed and the sys.path it gets, on fixture trees laid out as venv and
/// site.py lay them out.
@Suite struct PythonDetectorTests {
    /// A base interpreter prefix (pyenv layout) and a venv made from it.
    struct VenvTree {
        let tree = PythonTree()
        var base: String { tree.at("pyenv/versions/3.11.7") }
        var venv: String { tree.at("venv") }
        var venvSite: String { venv + "/lib/python3.11/site-packages" }
        var baseSite: String { base + "/lib/python3.11/site-packages" }

        init(includeSystem: Bool?, pth: String = "") {
            tree.write("pyenv/versions/3.11.7/lib/python3.11/os.py", "")
            tree.write("pyenv/versions/3.11.7/bin/python3.11", "")
            tree.folder("pyenv/versions/3.11.7/lib/python3.11/lib-dynload")
            tree.distInfo("pyenv/versions/3.11.7/lib/python3.11/site-packages", "basepkg-1.0.dist-info", name: "basepkg", version: "1.0")
            tree.distInfo("pyenv/versions/3.11.7/lib/python3.11/site-packages", "Shared-2.0.dist-info", name: "Shared", version: "2.0")
            var config = "home = \(tree.at("pyenv/versions/3.11.7/bin"))\nversion = 3.11.7\n"
            if let includeSystem { config += "include-system-site-packages = \(includeSystem)\n" }
            tree.write("venv/pyvenv.cfg", config)
            tree.write("venv/bin/python", "")
            tree.distInfo("venv/lib/python3.11/site-packages", "shared-1.0.dist-info", name: "shared", version: "1.0")
            tree.write("venv/lib/python3.11/site-packages/extra.pth", pth)
            tree.distInfo("extra", "extra_pkg-3.0.dist-info", name: "extra.pkg", version: "3.0")
        }
    }

    static let packages: [any Detector] = [SitePackagesDetector()]

    @Test func venvIsResolvedFromItsFilesWithoutRunningPython() async {
        let layout = VenvTree(includeSystem: false, pth: "# a comment\nimport _virtualenv\n../../../../extra\n/does/not/exist\n")
        let outcomes = await runPythonChain(pythonContext(executable: layout.venv + "/bin/python"), Self.packages)
        let python = outcomes["python"]!
        #expect(python.status == .ok)
        #expect(python.detail?.contains("without running Python") == true)
        #expect(PythonInstallation.sysPath(from: python.facts) == [
            layout.base + "/lib/python311.zip", layout.base + "/lib/python3.11", layout.base + "/lib/python3.11/lib-dynload",
            layout.venvSite, layout.tree.at("extra"),
        ])
        #expect(python.facts["python.version"] == "3.11.7")
        #expect(python.facts["python.implementation"] == "cpython")
        #expect(python.facts["python.executable"] == layout.venv + "/bin/python")
        #expect(python.facts["python.prefix"] == layout.venv)
        #expect(python.facts["python.base_prefix"] == layout.base)
        #expect(outcomes["site-packages"]?.facts == ["python.packages.shared": "1.0", "python.packages.extra-pkg": "3.0"])
    }

    @Test func systemSitePackagesComeAfterTheVenvsAndTheUserSite() async {
        let layout = VenvTree(includeSystem: true)
        layout.tree.distInfo("home/.local/lib/python3.11/site-packages", "userpkg-0.1.dist-info", name: "userpkg", version: "0.1")
        let context = pythonContext(environment: ["HOME": layout.tree.at("home")], executable: layout.venv + "/bin/python")
        let outcomes = await runPythonChain(context, Self.packages)
        #expect(PythonInstallation.sysPath(from: outcomes["python"]!.facts).suffix(3) == [
            layout.venvSite, layout.tree.at("home/.local/lib/python3.11/site-packages"), layout.baseSite,
        ])
        // The venv's shared 1.0 comes first on sys.path and wins over the base's 2.0.
        #expect(outcomes["site-packages"]?.facts == ["python.packages.shared": "1.0", "python.packages.basepkg": "1.0", "python.packages.userpkg": "0.1"])
    }

    @Test func pythonNoUserSiteDropsTheUserSite() async {
        let layout = VenvTree(includeSystem: true)
        layout.tree.distInfo("home/.local/lib/python3.11/site-packages", "userpkg-0.1.dist-info", name: "userpkg", version: "0.1")
        let context = pythonContext(environment: ["HOME": layout.tree.at("home"), "PYTHONNOUSERSITE": "1"], executable: layout.venv + "/bin/python")
        let outcomes = await runPythonChain(context, Self.packages)
        #expect(outcomes["site-packages"]?.facts["python.packages.userpkg"] == nil)
        #expect(outcomes["site-packages"]?.facts["python.packages.basepkg"] == "1.0")
    }

    @Test func aConfigWithoutTheKeyIncludesSystemSitePackages() async {
        let layout = VenvTree(includeSystem: nil)
        let outcomes = await runPythonChain(pythonContext(executable: layout.venv + "/bin/python"), Self.packages)
        #expect(outcomes["site-packages"]?.facts["python.packages.basepkg"] == "1.0")
    }

    @Test func pythonPathEntriesComeFirst() async {
        let layout = VenvTree(includeSystem: false)
        layout.tree.distInfo("pp", "shared-9.0.dist-info", name: "shared", version: "9.0")
        let context = pythonContext(environment: ["PYTHONPATH": layout.tree.at("pp") + "::/nowhere"], executable: layout.venv + "/bin/python")
        let outcomes = await runPythonChain(context, Self.packages)
        #expect(PythonInstallation.sysPath(from: outcomes["python"]!.facts).prefix(2) == [layout.tree.at("pp"), "/nowhere"])
        #expect(outcomes["site-packages"]?.facts["python.packages.shared"] == "9.0")
    }

    @Test func virtualEnvVariableSelectsTheVenvAndPythonOptionBeatsIt() async {
        let layout = VenvTree(includeSystem: false)
        let fromVariable = await PythonDetector().detect(in: pythonContext(environment: ["VIRTUAL_ENV": layout.venv]), earlier: [:])
        #expect(fromVariable.facts["python.executable"] == layout.venv + "/bin/python")
        let other = VenvTree(includeSystem: false)
        let fromOption = await PythonDetector().detect(in: pythonContext(environment: ["VIRTUAL_ENV": layout.venv], executable: other.venv + "/bin/python"), earlier: [:])
        #expect(fromOption.facts["python.executable"] == other.venv + "/bin/python")
    }

    @Test func aMovedVirtualEnvFailsWithItsPath() async {
        let outcome = await PythonDetector().detect(in: pythonContext(environment: ["VIRTUAL_ENV": "/gone/venv"]), earlier: [:])
        #expect(outcome.status == .failed)
        #expect(outcome.detail?.contains("/gone/venv/bin/python") == true)
        #expect(outcome.detail?.contains("$VIRTUAL_ENV") == true)
    }

    @Test func noPythonAnywhereIsAbsent() async {
        let outcome = await PythonDetector().detect(in: pythonContext(environment: ["PATH": PythonTree().path]), earlier: [:])
        #expect(outcome.status == .absent)
        let dependent = await SitePackagesDetector().detect(in: pythonContext(), earlier: ["python": outcome])
        #expect(dependent.status == .absent)
    }

    /// What CPython 3.11 prints for `InterpreterQuery.script`.
    static func interpreterOutput(prefix: String, sysPath: [String]) -> [UInt8] {
        Array((["cpython", "3.11.7", prefix + "/bin/python3.11", prefix, prefix, ""] + sysPath).joined(separator: "\0").utf8)
    }

    @Test func condaPrefixRunsTheInterpreterOnce() async {
        let tree = PythonTree()
        tree.write("conda/bin/python", "")
        tree.distInfo("conda/lib/python3.11/site-packages", "numpy-1.26.4.dist-info", name: "numpy", version: "1.26.4")
        let site = tree.at("conda/lib/python3.11/site-packages")
        let runner = ScriptedCommandRunner { command, arguments in
            #expect(command == tree.at("conda/bin/python"))
            #expect(arguments == ["-c", InterpreterQuery.script])
            return .exited(status: 0, stdout: Self.interpreterOutput(prefix: tree.at("conda"), sysPath: [tree.at("conda/lib/python311.zip"), site]), stderr: [], truncated: false)
        }
        let outcomes = await runPythonChain(pythonContext(environment: ["CONDA_PREFIX": tree.at("conda")], commands: runner), Self.packages)
        #expect(outcomes["python"]?.detail?.contains("running") == true)
        #expect(PythonInstallation.sysPath(from: outcomes["python"]!.facts) == [tree.at("conda/lib/python311.zip"), site])
        #expect(outcomes["python"]?.facts["python.executable"] == tree.at("conda/bin/python3.11"))
        #expect(outcomes["site-packages"]?.facts == ["python.packages.numpy": "1.26.4"])
    }

    @Test func python3OnPathIsTheLastResort() async {
        let tree = PythonTree()
        tree.write("bin/python3", "")
        let runner = ScriptedCommandRunner { command, _ in
            #expect(command == tree.at("bin/python3"))
            return .exited(status: 0, stdout: Self.interpreterOutput(prefix: "/usr", sysPath: ["/usr/lib/python3/dist-packages"]), stderr: [], truncated: false)
        }
        let outcome = await PythonDetector().detect(in: pythonContext(environment: ["PATH": "/nonexistent:" + tree.at("bin")], commands: runner), earlier: [:])
        #expect(outcome.status == .ok)
        #expect(outcome.facts["python.path.0"] == "/usr/lib/python3/dist-packages")
        #expect(outcome.facts["python.path.1"] == nil)
    }

    @Test(arguments: [
        (CommandOutcome.timedOut(after: .seconds(3)), "--site-packages"),
        (.exited(status: 1, stdout: [], stderr: Array("SyntaxError: invalid syntax\n".utf8), truncated: false), "SyntaxError"),
        (.exited(status: 0, stdout: Array("Python 2.7".utf8), stderr: [], truncated: false), "Python 3"),
        (.signaled(signal: 9), "signal 9"),
        (.failedToStart(reason: "exec format error"), "exec format error"),
    ])
    func interpreterFailuresSayWhy(outcome: CommandOutcome, mention: String) async {
        let tree = PythonTree()
        tree.write("bin/python", "")
        let runner = ScriptedCommandRunner { _, _ in outcome }
        let result = await PythonDetector().detect(in: pythonContext(executable: tree.at("bin/python"), commands: runner), earlier: [:])
        #expect(result.status == .failed)
        #expect(result.detail?.contains(mention) == true, "\(result.detail ?? "")")
        #expect(result.detail?.contains(tree.at("bin/python")) == true)
    }

    @Test func sitePackagesOptionRunsNothing() async {
        let tree = PythonTree()
        tree.distInfo("one", "a-1.dist-info", name: "a", version: "1")
        tree.distInfo("two", "a-2.dist-info", name: "a", version: "2")
        tree.distInfo("two", "b-2.dist-info", name: "b", version: "2")
        tree.write("two/more.pth", "../three\n")
        tree.distInfo("three", "c-3.dist-info", name: "c", version: "3")
        let context = pythonContext(environment: ["VIRTUAL_ENV": "/ignored"], sitePackages: [tree.at("one"), tree.at("two"), tree.at("missing")])
        let outcomes = await runPythonChain(context, Self.packages)
        #expect(outcomes["python"]?.status == .ok)
        #expect(outcomes["python"]?.facts["python.version"] == nil)
        #expect(outcomes["python"]?.diagnostics == ["\(tree.at("missing")): --site-packages names no folder"])
        #expect(outcomes["site-packages"]?.facts == ["python.packages.a": "1", "python.packages.b": "2", "python.packages.c": "3"])
    }

    @Test func sitePackagesOptionWithNoFolderFails() async {
        let outcome = await PythonDetector().detect(in: pythonContext(sitePackages: ["/no/such/site-packages"]), earlier: [:])
        #expect(outcome.status == .failed)
        #expect(outcome.diagnostics.first?.contains("/no/such/site-packages") == true)
    }

    @Test func venvUnderAForeignRootIsResolvedThere() async {
        let layout = VenvTree(includeSystem: false)
        // Inside the tree, pyvenv.cfg names its home as the image sees it.
        layout.tree.write("venv/pyvenv.cfg", "home = /pyenv/versions/3.11.7/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n")
        let inside = String(layout.venv.dropFirst(layout.tree.path.count))
        let context = pythonContext(executable: inside + "/bin/python", root: layout.tree.path)
        let outcomes = await runPythonChain(context, Self.packages)
        #expect(outcomes["python"]?.facts["python.prefix"] == "/venv")
        #expect(outcomes["python"]?.facts["python.base_prefix"] == "/pyenv/versions/3.11.7")
        #expect(outcomes["site-packages"]?.facts == ["python.packages.shared": "1.0"])
    }

    @Test func nonVenvUnderAForeignRootIsNotRun() async {
        let tree = PythonTree()
        tree.write("usr/bin/python3", "")
        let outcome = await PythonDetector().detect(in: pythonContext(executable: "/usr/bin/python3", root: tree.path), earlier: [:])
        #expect(outcome.status == .failed)
        #expect(outcome.detail?.contains("--site-packages") == true)
    }

    @Test func debianBaseWithSystemSitePackagesAsksTheInterpreter() async {
        let tree = PythonTree()
        tree.write("usr/lib/python3.11/os.py", "")
        tree.folder("usr/lib/python3/dist-packages")
        tree.write("venv/pyvenv.cfg", "home = \(tree.at("usr/bin"))\ninclude-system-site-packages = true\nversion = 3.11.2\n")
        tree.write("venv/bin/python", "")
        let asked = ScriptedCommandRunner { _, _ in
            .exited(status: 0, stdout: Self.interpreterOutput(prefix: tree.at("venv"), sysPath: ["/usr/lib/python3/dist-packages"]), stderr: [], truncated: false)
        }
        let outcome = await PythonDetector().detect(in: pythonContext(executable: tree.at("venv/bin/python"), commands: asked), earlier: [:])
        #expect(outcome.detail?.contains("dist-packages") == true)
        #expect(outcome.facts["python.path.0"] == "/usr/lib/python3/dist-packages")
    }
}

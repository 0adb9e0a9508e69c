@testable import EnvLock
import Testing

/// The packages envlock checks are the ones the job imports: when start-up code that Python
/// runs (an executed `.pth` line, `sitecustomize`) can change sys.path, envlock asks the
/// interpreter, or says as a failed detector that it cannot know; it never reports another
/// sys.path.
@Suite struct SysPathTruthTests {
    static let python3Available = (try? PythonVenv.interpreterOnPath()) != nil

    /// A venv (made by `python -m venv`, no pip) whose site-packages has torch 2.2.0, and a
    /// folder elsewhere with torch 9.9.0 and xformers that start-up code may add.
    struct Fixture {
        let folder = TemporaryFolder()
        let python: String
        let sitePackages: String
        let elsewhere: String

        init() async throws {
            python = folder.file("venv/bin/python")
            let made = try await runProgram("python3", ["-m", "venv", "--without-pip", folder.file("venv")], environment: Envlock.baseEnvironment())
            #expect(made.status == 0, "\(made.stderr)")
            let asked = try await runProgram(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], environment: Envlock.baseEnvironment())
            sitePackages = asked.stdout.split(separator: "\n").first.map(String.init) ?? ""
            elsewhere = folder.file("elsewhere")
            PythonVenv.addDistribution(named: "torch", version: "2.2.0", in: sitePackages)
            PythonVenv.addDistribution(named: "torch", version: "9.9.0", in: elsewhere)
            PythonVenv.addDistribution(named: "xformers", version: "0.0.99", in: elsewhere)
        }

        func probe(_ extra: [String] = []) async throws -> (ProgramResult, Snapshot?) {
            let result = try await Envlock.run(["probe", "--format", "json"] + extra, environment: Envlock.baseEnvironment())
            return (result, try? Snapshot.load(Array(result.stdout.utf8), path: "stdout"))
        }
    }

    /// Start-up code that adds the other folder to sys.path, in each form Python runs, and
    /// the torch the job then imports (the other one when the folder goes first).
    static let startupCode: [(String, String, String, String)] = [
        ("pth-insert", "zz.pth", "import sys; sys.path.insert(0, %PATH%)\n", "9.9.0"),
        ("pth-addsitedir", "aa.pth", "import site; site.addsitedir(%PATH%)\n", "2.2.0"),
        ("pth-tab", "mm.pth", "# comment\nimport\tsys; sys.path[:0] = [%PATH%]\n", "9.9.0"),
        ("sitecustomize", "sitecustomize.py", "import sys\nsys.path.insert(0, %PATH%)\n", "9.9.0"),
    ]

    @Test(.enabled(if: python3Available, "needs python3 on PATH to make a venv"), arguments: startupCode)
    func startupCodeIsHonouredByAskingTheInterpreter(name: String, file: String, code: String, torch: String) async throws {
        let fixture = try await Fixture()
        fixture.folder.write(String(fixture.sitePackages.dropFirst(fixture.folder.path.count + 1)) + "/" + file,
                             code.replacing("%PATH%", with: "'\(fixture.elsewhere)'"))
        let (result, snapshot) = try await fixture.probe(["--python", fixture.python])
        #expect(result.status == 0, "\(name): \(result.stderr)")
        #expect(snapshot?.facts["python.packages.torch"] == torch, "\(name): \(result.stdout)")
        #expect(snapshot?.facts["python.packages.xformers"] == "0.0.99", "\(name): \(result.stdout)")
        let detail = snapshot?.detector(named: "python")?.detail ?? ""
        #expect(detail.contains("running"), "\(name): \(detail)")
        #expect(detail.contains(file), "\(name): \(detail)")

        // Without an interpreter to ask, the sys.path is unknowable: a failed detector, and
        // a lock pinning the torch the files show is not matched.
        let (offline, offlineSnapshot) = try await fixture.probe(["--site-packages", fixture.sitePackages])
        #expect(offline.status == 0)
        let python = offlineSnapshot?.detector(named: "python")
        #expect(python?.status == .failed, "\(name): \(offline.stdout)")
        #expect(python?.detail?.contains("cannot know sys.path") == true)
        #expect(offlineSnapshot?.facts["python.packages.torch"] == nil)
    }

    @Test(.enabled(if: python3Available, "needs python3 on PATH to make a venv"))
    func verifyRefusesTheTorchTheJobWouldNotImport() async throws {
        let fixture = try await Fixture()
        let profile = fixture.folder.write("profile.yaml", "envlock: 1\nname: t\nrules:\n  python.packages.torch: {version: \"==2.2.0\", why: \"the reference images were made with torch 2.2.0\"}\n")
        let lock = try await Envlock.run(["lock", "--profile", profile, "--python", fixture.python, "--output", fixture.folder.file("env.lock")])
        #expect(lock.status == 0, "\(lock.stderr)")
        fixture.folder.write(String(fixture.sitePackages.dropFirst(fixture.folder.path.count + 1)) + "/zz.pth", "import sys; sys.path.insert(0, '\(fixture.elsewhere)')\n")
        let verify = try await Envlock.run(["verify", fixture.folder.file("env.lock"), "--allow-unsigned", "--python", fixture.python])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("9.9.0"))
    }

    /// Lines that installers write and that leave sys.path alone keep the fast path.
    @Test(.enabled(if: python3Available, "needs python3 on PATH to make a venv"))
    func installerLinesKeepTheVenvResolvedWithoutPython() async throws {
        let fixture = try await Fixture()
        let relative = String(fixture.sitePackages.dropFirst(fixture.folder.path.count + 1))
        fixture.folder.write(relative + "/distutils-precedence.pth", "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
        fixture.folder.write(relative + "/__editable__.tiny-0.1.pth", "import __editable___tiny_0_1_finder; __editable___tiny_0_1_finder.install()")
        fixture.folder.write(relative + "/_virtualenv.pth", "import _virtualenv")
        let (result, snapshot) = try await fixture.probe(["--python", fixture.python])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(snapshot?.facts["python.packages.torch"] == "2.2.0")
        #expect(snapshot?.detector(named: "python")?.detail?.contains("without running Python") == true)
    }
}

/// Small helpers for tests that lay out Python environments by hand.
enum PythonVenv {
    static func interpreterOnPath() throws -> String? {
        let path = Envlock.baseEnvironment()["PATH"] ?? ""
        for folder in path.split(separator: ":") where fileExists("\(folder)/python3") { return "\(folder)/python3" }
        return nil
    }

    /// A minimal `NAME-VERSION.dist-info` with METADATA, as pip leaves it.
    static func addDistribution(named name: String, version: String, in folder: String) {
        let distInfo = "\(folder)/\(name)-\(version).dist-info"
        writeFile("\(distInfo)/METADATA", "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n\n")
    }
}

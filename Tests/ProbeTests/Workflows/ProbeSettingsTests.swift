@testable import EnvLock
import Testing
@testable import Probe
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ProbeSettingsTests {
    /// A root that is missing or a file would probe "nothing" and pass every absent rule.
    @Test func aRootMustBeAnExistingFolder() {
        let tree = PythonTree()
        tree.write("file", "")
        #expect(throws: Never.self) { try ProbeSettings.checkRoot(tree.path) }
        #expect(throws: ProbeSettings.RootError.missing(tree.at("missing"))) { try ProbeSettings.checkRoot(tree.at("missing")) }
        #expect(throws: ProbeSettings.RootError.notAFolder(tree.at("file"))) { try ProbeSettings.checkRoot(tree.at("file")) }
        // A root behind a link loop is there but cannot be looked at: not "does not exist".
        tree.symlink("loop", pointingTo: tree.at("loop"))
        #expect(throws: ProbeSettings.RootError.unreadable(tree.at("loop/image"), reason: errnoDescription(ELOOP))) {
            try ProbeSettings.checkRoot(tree.at("loop/image"))
        }
        #expect(ProbeSettings.RootError.missing("/x\ny").description == "--root \"/x\\ny\" does not exist: name the folder of an unpacked image or fixture tree")
        #expect(ProbeSettings.RootError.notAFolder("/etc/hostname").description == "--root \"/etc/hostname\" is not a folder: name the folder of an unpacked image or fixture tree")
    }

    @Test func theContextCarriesTheRootThePythonAndTheEnvironment() throws {
        let settings = ProbeSettings(root: "/srv/image", python: "/opt/venv/bin/python", sitePackages: ["/a", "/b"], useCaches: false)
        let context = try settings.context(environment: ["HOME": "/root"])
        #expect(context.root == "/srv/image")
        #expect(context.python.executable == "/opt/venv/bin/python")
        #expect(context.python.sitePackages == ["/a", "/b"])
        #expect(context.environment == ["HOME": "/root"])
        #expect(context.interpreterCache == nil)
        #expect(context.process == nil)
    }

    @Test func aProcessThatIsGoneStopsTheProbe() {
        // Above the kernel's largest pid (4194304), so no process can have it.
        let settings = ProbeSettings(pid: 2_000_000_000)
        #expect(throws: ProbeWorkflowError.process(.gone(pid: 2_000_000_000))) { try settings.context(environment: [:]) }
    }

    /// `run … -- python launch.py` checks the packages of the python the command will run.
    @Test func aPythonCommandNamesTheInterpreterUnlessOneWasGiven() {
        let tree = PythonTree()
        tree.write("bin/python3.10", "#!/bin/sh\n")
        chmod(tree.at("bin/python3.10"), 0o755)
        let environment = ["PATH": tree.at("bin")]
        #expect(ProbeSettings().forCommand(["python3.10", "launch.py"], environment: environment).python == tree.at("bin/python3.10"))
        #expect(ProbeSettings(python: "/usr/bin/python3").forCommand(["python3.10"], environment: environment).python == "/usr/bin/python3")
        #expect(ProbeSettings(sitePackages: ["/site"]).forCommand(["python3.10"], environment: environment).python == nil)
        #expect(ProbeSettings().forCommand(["bash", "launch.sh"], environment: environment).python == nil)
        #expect(ProbeSettings().forCommand(["python9"], environment: environment).python == nil)
    }
}

@Suite struct JobRequestTests {
    static func context(process: ProcessView? = nil) -> HostContext {
        var context = HostContext(environment: ["XDG_CACHE_HOME": "/nonexistent"], commands: SubprocessCommandRunner())
        context.process = process
        return context
    }

    @Test func noCommandAndNoProcessIsNoJob() throws {
        #expect(try JobRequest(command: []).invocation(in: Self.context()) == nil)
        // A process whose command line could not be read is no job either.
        #expect(try JobRequest(command: []).invocation(in: Self.context(process: ProcessView(pid: 7))) == nil)
    }

    /// A command given after -- starts in the current folder, as the shell would start it.
    @Test func aCommandStartsInTheCurrentFolder() throws {
        var buffer = [CChar](repeating: 0, count: 4097)
        let here = String(cString: getcwd(&buffer, buffer.count)!)
        let rules = [Rule(pattern: FactPattern("job.fooocus.model.base.sha256")!, check: .pin)]
        let job = try #require(try JobRequest(command: ["python", "launch.py"], wanted: rules).invocation(in: Self.context()))
        #expect(job.command == ["python", "launch.py"])
        #expect(job.workingDirectory == here)
        #expect(job.wantsDigest("job.fooocus.model.base.sha256"))
        #expect(!job.wantsDigest("job.fooocus.model.refiner.sha256"))
    }

    /// Without a command, a `--pid` process is the job: its command line, in its folder.
    @Test func withoutACommandTheProcessIsTheJob() throws {
        let process = ProcessView(pid: 7, arguments: ["python", "entry_with_update.py"], workingDirectory: "/srv/Fooocus")
        let job = try #require(try JobRequest(command: []).invocation(in: Self.context(process: process)))
        #expect(job.command == ["python", "entry_with_update.py"])
        #expect(job.workingDirectory == "/srv/Fooocus")
        #expect(job.wantsDigest("job.fooocus.model.base.sha256"))
        let given = try #require(try JobRequest(command: ["python", "other.py"]).invocation(in: Self.context(process: process)))
        #expect(given.command == ["python", "other.py"])
    }

    @Test func progressLinesSayHowFarHashingHasCome() {
        let running = HashProgress(path: "/models/sd\u{1b}.safetensors", bytesDone: 3 << 29, bytesTotal: 7 << 30, elapsed: 2.5, finished: false)
        #expect(running.text == "hashing /models/sd\\x1b.safetensors: 1.5/7.0 GiB (21%)")
        let done = HashProgress(path: "/m", bytesDone: 7 << 30, bytesTotal: 7 << 30, elapsed: 9.7, finished: true)
        #expect(done.text == "hashing /m: 7.0/7.0 GiB (100%), done in 9 s")
    }
}

@Suite struct MachineProbeTests {
    /// The complete snapshot: machine facts, the job detectors' reports and the cross-check
    /// findings, which the scheduler alone (`Prober().probe`) does not add.
    @Test func theSnapshotCarriesTheCrossCheckFindings() async throws {
        // xformers built for torch 2.2.2+cu121 beside the torch 2.2.2+cpu actually installed.
        let tree = PythonTree()
        let real = SharedData.realFixtures
        tree.distInfo("site", "torch-2.2.2+cpu.dist-info", name: "torch", version: "2.2.2+cpu")
        tree.write("site/torch/__init__.py", "")
        tree.copy(real + "/torch-version-py/torch-2.2.2+cpu_windows-venv_version.py", to: "site/torch/version.py")
        tree.copy(real + "/dist-info-metadata/xformers-0.0.25.post1.dist-info_METADATA", to: "site/xformers-0.0.25.post1.dist-info/METADATA")
        tree.write("site/xformers/__init__.py", "")
        tree.copy(real + "/xformers/xformers-0.0.25.post1_windows-venv_version.py", to: "site/xformers/version.py")
        tree.copy(real + "/xformers/xformers-0.0.25.post1_windows-venv_cpp_lib.json", to: "site/xformers/cpp_lib.json")
        // Under --root, site-packages folders are read inside the root, as the image has them.
        let settings = ProbeSettings(root: tree.path, sitePackages: ["/site"], useCaches: false)
        let snapshot = try await MachineProbe.snapshot(settings, environment: [:])
        #expect(snapshot.facts["xformers.build.torch"] == "2.2.2+cu121")
        #expect(snapshot.findings.map(\.code) == ["xformers-torch-mismatch"])
        #expect(snapshot.findings == CrossChecks.findings(snapshot.facts))
        #expect(snapshot.detector(named: "job-command")?.status == .skipped)
        #expect(snapshot.detector(named: "site-packages")?.status == .ok)
    }
}

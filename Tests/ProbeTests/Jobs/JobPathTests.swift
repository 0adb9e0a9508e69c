#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
@testable import Probe

/// The files a job names are the files the kernel and the app open: links followed where they
/// stand, and a `--pid` job read only through its own `/proc/PID/root` and environment.
@Suite struct JobPathTests {
    /// `python3 a/link/../Fooocus/launch.py`: the kernel follows `link` first, then climbs
    /// from its target. A lexical `..` would name `a/Fooocus/launch.py`, another file.
    @Test func aDotDotAfterALinkClimbsFromTheLinksTarget() async throws {
        let tree = try FixtureTree([
            "a/Fooocus/launch.py": "print('decoy')\n",
            "real/sub/placeholder": "",
            "real/Fooocus/launch.py": "print('runs')\n",
        ])
        #expect(symlink(tree.root + "/real/sub", tree.root + "/a/link") == 0)
        let job = JobInvocation(command: ["python3", "a/link/../Fooocus/launch.py"], workingDirectory: tree.root, digests: ModelDigest(cacheFolder: tree.root + "/cache"))
        let context = HostContext(root: "/", environment: [:], commands: NoCommands())
        let outcome = await JobCommandDetector(job: job).detect(in: context, earlier: [:])
        #expect(outcome.facts["job.command.script"] == tree.root + "/real/Fooocus/launch.py")
        #expect(outcome.facts["job.command.script_sha256"] == ModelDigest.text(of: Array("print('runs')\n".utf8)))
    }

    /// The same under `--root`: links resolve inside the tree, and the fact names the path of
    /// the probed system, not of this machine.
    @Test func underARootTheResolvedPathIsTheTreesOwn() throws {
        let tree = try FixtureTree(["srv/app/Fooocus/launch.py": "", "srv/other/x": ""])
        #expect(symlink("/srv/app", tree.root + "/srv/link") == 0)
        let context = HostContext(root: tree.root, environment: [:], commands: NoCommands())
        #expect(context.physicalPath("link/Fooocus/launch.py", from: "/srv") == "/srv/app/Fooocus/launch.py")
        #expect(context.physicalPath("/srv/link/../other/x", from: "/") == "/srv/other/x")
    }

    /// A job in a private mount namespace can see another config.txt at the same path: a
    /// `--pid` job is read through its `/proc/PID/root` and with its own environment, even when
    /// its `/` looks like ours.
    @Test func aPidJobIsReadThroughItsOwnRootAndEnvironment() async throws {
        let tree = try FixtureTree([
            "proc/4242/root/srv/Fooocus/launch.py": "",
            "proc/4242/root/srv/Fooocus/fooocus_version.py": "version = '2.5.5'\n",
            "proc/4242/root/srv/Fooocus/presets/default.json": #"{"default_sampler": "euler_ancestral", "default_styles": []}"#,
            "proc/4242/root/srv/Fooocus/config.txt": #"{"default_sampler": "dpmpp_2m_sde_gpu"}"#,
        ].merging(JobArgparseTests.python.map { ("proc/4242/root/" + $0.key, $0.value) }) { $1 })
        let process = ProcessView(pid: 4242, procFolder: tree.root + "/proc/4242", environment: ["default_cfg_scale": "3.0"],
                                  arguments: ["/py/bin/python3.11", "launch.py"], workingDirectory: "/srv/Fooocus", sharesFilesystem: true)
        var job = JobInvocation(command: process.arguments, workingDirectory: "/srv/Fooocus", digests: ModelDigest(cacheFolder: tree.root + "/cache"), process: process)
        job.provenArgparse = JobArgparseTests.proven
        let machine = HostContext(root: "/", environment: ["default_cfg_scale": "9.0"], commands: NoCommands())
        let snapshot = await JobDetectors.probe(job, in: machine)
        #expect(snapshot.facts["job.fooocus.config.sampler"] == "dpmpp_2m_sde_gpu")
        #expect(snapshot.facts["job.fooocus.config.cfg_scale"] == "3.0")
        #expect(snapshot.facts["job.command.script"] == "/srv/Fooocus/launch.py")
    }
}

/// A model file envlock cannot look at (here a link loop) is undetermined, never "missing":
/// Fooocus might see it, or choose another file.
@Suite struct FooocusModelLookupTests {
    @Test(arguments: ["base.safetensors", "sub/base.safetensors"])
    func aModelEnvlockCannotLookAtIsUndetermined(name: String) async throws {
        let tree = try FixtureTree([
            "Fooocus/launch.py": "",
            "Fooocus/fooocus_version.py": "version = '2.5.5'\n",
            "Fooocus/presets/default.json": #"{"default_model": "\#(name)", "default_loras": [], "default_styles": []}"#,
            "Fooocus/models/checkpoints/placeholder": "",
            "Fooocus/sdxl_styles/placeholder": "",
        ].merging(JobArgparseTests.python) { $1 })
        let folder = tree.root + "/Fooocus/models/checkpoints/" + (name.contains("/") ? "sub" : "")
        if name.contains("/") { #expect(mkdir(folder, 0o755) == 0) }
        #expect(symlink("loop", tree.root + "/Fooocus/models/checkpoints/" + name.replacing("base.safetensors", with: "loop")) == 0)
        #expect(symlink("loop", tree.root + "/Fooocus/models/checkpoints/" + name) == 0)
        var job = JobInvocation(command: [tree.root + "/py/bin/python3.11", tree.root + "/Fooocus/launch.py"], workingDirectory: "/", digests: ModelDigest(cacheFolder: tree.root + "/cache"))
        job.provenArgparse = JobArgparseTests.proven
        let outcome = await FooocusDetector(job: job).detect(in: HostContext(root: "/", environment: [:], commands: NoCommands()), earlier: [:])
        #expect(outcome.facts["job.fooocus.model.base.sha256"] == nil)
        #expect(outcome.unreadable["job.fooocus.model.base.sha256"]?.hasPrefix("undetermined: cannot look at") == true)
    }
}

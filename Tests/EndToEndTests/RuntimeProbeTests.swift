@testable import EnvLock
import Testing
#if canImport(Glibc)
import Glibc
#endif

// `envlock probe --pid` and `verify --pid` on a running process: Tests/Fakes/fake_job.c,
// built here, dlopens tiny shared objects laid out as the nvidia-*-cu12 wheels and torch lay
// them out, with a "system" cuDNN that LD_LIBRARY_PATH may put first, and sleeps until killed.

/// A fake venv and system library folder holding copies of one tiny shared object.
private struct FakeJobTree {
    let folder = TemporaryFolder()
    var site: String { folder.file("venv/lib/python3.10/site-packages") }
    var wheelCuDNNFolder: String { site + "/nvidia/cudnn/lib" }
    var systemFolder: String { folder.file("syslib") }
    var program: String { folder.file("fake-job") }
    /// What the job dlopens: torch's extension module and library, cuBLAS by path, and cuDNN
    /// by soname, so that LD_LIBRARY_PATH decides which copy the linker maps.
    var libraries: [String] {
        [site + "/torch/_C.cpython-310-x86_64-linux-gnu.so", site + "/torch/lib/libtorch_cuda.so", site + "/nvidia/cublas/lib/libcublas.so.12", "libcudnn.so.8"]
    }

    static func make() async throws -> FakeJobTree {
        let tree = FakeJobTree()
        let compiler = getenv("CC").map { String(cString: $0) } ?? "cc"
        let library = tree.folder.write("fake_library.c", "int fake_library_marker(void) { return 1; }\n")
        try await tree.compile(compiler, ["-shared", "-fPIC", "-o", tree.folder.file("fake.so"), library])
        try await tree.compile(compiler, ["-o", tree.program, SharedData.packageRoot + "/Tests/Fakes/fake_job.c", "-ldl"])
        for relative in ["nvidia/cudnn/lib/libcudnn.so.8", "nvidia/cublas/lib/libcublas.so.12", "torch/lib/libtorch_cuda.so", "torch/_C.cpython-310-x86_64-linux-gnu.so"] {
            try await tree.copyLibrary(to: tree.site + "/" + relative)
        }
        tree.folder.write("venv/lib/python3.10/site-packages/nvidia_cudnn_cu12-8.9.2.26.dist-info/RECORD", "nvidia/cudnn/lib/libcudnn.so.8,sha256=x,1\nnvidia_cudnn_cu12-8.9.2.26.dist-info/RECORD,,\n")
        tree.folder.write("venv/lib/python3.10/site-packages/nvidia_cublas_cu12-12.1.3.1.dist-info/RECORD", "nvidia/cublas/lib/libcublas.so.12,sha256=x,1\n")
        tree.folder.write("venv/lib/python3.10/site-packages/torch-2.2.0.dist-info/RECORD", "torch/_C.cpython-310-x86_64-linux-gnu.so,sha256=x,1\ntorch/lib/libtorch_cuda.so,sha256=x,1\n")
        // The system copy as distributions install it: the soname links to the versioned file.
        try await tree.copyLibrary(to: tree.systemFolder + "/libcudnn.so.8.9.7")
        try #require(symlink("libcudnn.so.8.9.7", tree.systemFolder + "/libcudnn.so.8") == 0)
        return tree
    }

    private func compile(_ compiler: String, _ arguments: [String]) async throws {
        let result = try await runProgram(compiler, arguments, environment: Envlock.baseEnvironment())
        try #require(result.status == 0, "\(compiler) \(arguments.joined(separator: " ")): \(result.stderr)")
    }

    private func copyLibrary(to target: String) async throws {
        makeFolders(String(target[..<target.lastIndex(of: "/")!]))
        let result = try await runProgram("/bin/cp", [folder.file("fake.so"), target], environment: Envlock.baseEnvironment())
        try #require(result.status == 0, "\(result.stderr)")
    }

    /// Starts the job with `libraryPath` as its LD_LIBRARY_PATH and waits until it has loaded
    /// every library.
    func start(libraryPath: String, environment extra: [String: String] = [:]) async throws -> BackgroundProgram {
        var environment = ["PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": libraryPath]
        for (key, value) in extra { environment[key] = value }
        let job = try BackgroundProgram(program, libraries, environment: environment)
        try await job.waitUntilMapped(["_C.cpython-310", "libtorch_cuda.so", "libcublas.so.12", "libcudnn.so.8"])
        return job
    }
}

@Suite(.serialized) struct RuntimeProbeTests {
    /// `--site-packages` of an empty folder keeps the file detectors from running an interpreter.
    static func probe(_ pid: pid_t, _ extra: [String] = [], environment: [String: String]? = nil) async throws -> ProgramResult {
        try await Envlock.run(["probe", "--pid", String(pid), "--site-packages", TemporaryFolder().path] + extra, environment: environment)
    }

    @Test func probeReportsEachLoadedLibraryWithVersionAndSourceAndTheProcessEnvironment() async throws {
        let tree = try await FakeJobTree.make()
        let job = try await tree.start(libraryPath: tree.systemFolder + ":" + tree.wheelCuDNNFolder, environment: ["CUBLAS_WORKSPACE_CONFIG": ":4096:8"])
        defer { job.stop() }
        var envlockEnvironment = Envlock.baseEnvironment()
        envlockEnvironment["CUBLAS_WORKSPACE_CONFIG"] = ":16:8"
        let result = try await Self.probe(job.pid, ["--format", "json"], environment: envlockEnvironment)
        try #require(result.status == 0, "\(result.stderr)")
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "probe output")
        let facts = snapshot.facts
        let site = tree.site
        #expect(facts["runtime.state"] == "loaded")
        // The linker chose the system copy earlier on LD_LIBRARY_PATH over the wheel's.
        #expect(facts["runtime.cudnn.path"] == tree.systemFolder + "/libcudnn.so.8.9.7")
        #expect(facts["runtime.cudnn.version"] == "8.9.7")
        #expect(facts["runtime.cudnn.source"] == "system " + tree.systemFolder + "/libcudnn.so.8.9.7")
        let diagnostics = snapshot.detectors.first { $0.name == "runtime-libraries" }?.diagnostics ?? []
        #expect(diagnostics.contains("cudnn: the linker chose the system copy \(tree.systemFolder)/libcudnn.so.8.9.7 over nvidia-cudnn-cu12 8.9.2.26's \(tree.wheelCuDNNFolder)/libcudnn.so.8 (a folder earlier on LD_LIBRARY_PATH, LD_PRELOAD or the system's library cache put it first)"), "\(diagnostics)")
        #expect(facts["runtime.cublas.version"] == "12.1.3.1")
        #expect(facts["runtime.cublas.source"] == "wheel nvidia-cublas-cu12 12.1.3.1")
        #expect(facts["runtime.torch.path"] == site + "/torch/_C.cpython-310-x86_64-linux-gnu.so")
        #expect(facts["runtime.torch.version"] == "2.2.0")
        #expect(facts["runtime.torch_cuda.source"] == "wheel torch 2.2.0")
        #expect(facts["runtime.process.pid"] == String(job.pid))
        #expect(facts["runtime.process.executable"] == tree.program)
        // The job's environment, not envlock's.
        #expect(facts["env.CUBLAS_WORKSPACE_CONFIG"] == ":4096:8")

        let wheelFirst = try await tree.start(libraryPath: tree.wheelCuDNNFolder + ":" + tree.systemFolder)
        defer { wheelFirst.stop() }
        let text = try await Self.probe(wheelFirst.pid)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("wheel nvidia-cudnn-cu12 8.9.2.26"), "\(text.stdout)")
        #expect(text.stdout.contains(tree.wheelCuDNNFolder + "/libcudnn.so.8"), "\(text.stdout)")
    }

    @Test func verifyFailsWhenTheSystemCuDNNReplacesTheWheelsAndWaitsForAStartingProcess() async throws {
        let tree = try await FakeJobTree.make()
        let profile = tree.folder.write("profile.yaml", """
            envlock: 1
            name: runtime
            rules:
              runtime.cudnn.source: {equals: "wheel nvidia-cudnn-cu12 8.9.2.26", why: "the cuDNN the images were tuned on"}
              runtime.cudnn.path: {pin: true}
            """)
        let lockPath = tree.folder.file("env.lock")
        let wheelFirst = try await tree.start(libraryPath: tree.wheelCuDNNFolder)
        defer { wheelFirst.stop() }
        let lock = try await Envlock.run(["lock", "--profile", profile, "--pid", String(wheelFirst.pid), "--site-packages", tree.folder.path, "--output", lockPath])
        try #require(lock.status == 0, "\(lock.stdout)\(lock.stderr)")
        let same = try await Envlock.run(["verify", lockPath, "--allow-unsigned", "--pid", String(wheelFirst.pid), "--site-packages", tree.folder.path])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")

        let systemFirst = try await tree.start(libraryPath: tree.systemFolder + ":" + tree.wheelCuDNNFolder)
        defer { systemFirst.stop() }
        let drifted = try await Envlock.run(["verify", lockPath, "--allow-unsigned", "--pid", String(systemFirst.pid), "--site-packages", tree.folder.path])
        #expect(drifted.status == 1, "\(drifted.stdout)\(drifted.stderr)")
        #expect(drifted.stdout.contains(tree.wheelCuDNNFolder + "/libcudnn.so.8"), "\(drifted.stdout)")
        #expect(drifted.stdout.contains(tree.systemFolder + "/libcudnn.so.8.9.7"), "\(drifted.stdout)")

        // A process that has loaded no CUDA library yet is still starting, not drifted.
        let starting = try BackgroundProgram("/bin/sleep", ["60"], environment: [:])
        defer { starting.stop() }
        try await starting.waitUntilMapped(["/sleep"])
        let early = try await Envlock.run(["verify", lockPath, "--allow-unsigned", "--pid", String(starting.pid), "--site-packages", tree.folder.path])
        #expect(early.status == 0, "\(early.stdout)\(early.stderr)")
        #expect(early.stdout.contains("has not loaded torch or any CUDA library yet"), "\(early.stdout)")
    }

    /// The example profile of examples/kubernetes/fooocus-runtime-check.yaml loads and locks
    /// against a running job (the fake job has no CUDA runtime or cuBLAS wheel to pin, hence --force).
    @Test func theExampleRuntimeProfileLocksARunningJob() async throws {
        let tree = try await FakeJobTree.make()
        let job = try await tree.start(libraryPath: tree.wheelCuDNNFolder, environment: ["CUBLAS_WORKSPACE_CONFIG": ":4096:8"])
        defer { job.stop() }
        let lockPath = tree.folder.file("runtime.lock")
        let lock = try await Envlock.run(["lock", "--profile", SharedData.packageRoot + "/examples/fooocus/runtime-profile.yaml", "--pid", String(job.pid),
                                          "--site-packages", tree.folder.path, "--output", lockPath, "--force"])
        #expect(lock.status == 0, "\(lock.stdout)\(lock.stderr)")
        #expect(readFile(lockPath).contains("wheel nvidia-cudnn-cu12 8.9.2.26"))
        #expect(readFile(lockPath).contains("runtime.torch.version"))
    }

    /// The Python detectors read the interpreter the job's command line names on the job's
    /// own PATH (here a link that envlock's PATH does not reach), and the job. facts come from
    /// its command line and working folder.
    @Test(.enabled(if: access("/usr/bin/python3", X_OK) == 0, "no /usr/bin/python3 to run a Python job with"))
    func aPythonJobIsProbedWithItsInterpreterAndItsCommandLine() async throws {
        let folder = TemporaryFolder()
        makeFolders(folder.file("bin"))
        try #require(symlink("/usr/bin/python3", folder.file("bin/python3")) == 0)
        let script = folder.write("app/sleeper.py", "import time\ntime.sleep(60)\n")
        // Started by name from its own folder, as a shell or launcher would.
        let job = try BackgroundProgram("/bin/sh", ["-c", "cd \(folder.file("app")) && exec python3 sleeper.py --steps 30"], environment: ["PATH": folder.file("bin") + ":/usr/bin:/bin"])
        defer { job.stop() }
        try await job.waitUntilMapped(["/usr/bin/python3"])
        let result = try await Envlock.run(["probe", "--pid", String(job.pid), "--format", "json"])
        try #require(result.status == 0, "\(result.stderr)")
        let facts = try Snapshot.load(Array(result.stdout.utf8), path: "probe output").facts
        #expect(facts["python.executable"] == folder.file("bin/python3"), "\(facts.filter { $0.key.hasPrefix("python.") })")
        #expect(facts["runtime.state"] == "not-loaded-yet")
        #expect(facts["job.command.program"] == "python3")
        #expect(facts["job.command.script"] == script, "\(facts.filter { $0.key.hasPrefix("job.") })")
    }

    @Test func aProcessThatIsGoneExits2() async throws {
        let gone = try BackgroundProgram("/bin/true", [], environment: [:])
        gone.stop()
        let result = try await Self.probe(gone.pid)
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("process \(gone.pid) does not exist"), "\(result.stderr)")
    }

    /// Root can read every process, so as root the test runs the target as nobody and envlock
    /// as another unprivileged user (setpriv); otherwise it probes init, which root owns.
    static let otherUserSetup: String? = {
        if getuid() == 0 { return access("/usr/bin/setpriv", X_OK) == 0 ? nil : "running as root without /usr/bin/setpriv to drop privileges" }
        var info = stat()
        return stat("/proc/1", &info) == 0 && info.st_uid != getuid() ? nil : "no process of another user to probe"
    }()

    @Test(.enabled(if: otherUserSetup == nil, "\(otherUserSetup ?? "")"))
    func anotherUsersProcessExits2WithTheReason() async throws {
        let result: ProgramResult
        if getuid() == 0 {
            let target = try BackgroundProgram("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sleep", "60"], environment: [:])
            defer { target.stop() }
            try await target.waitUntilMapped(["/sleep"])
            result = try await runProgram("/usr/bin/setpriv", ["--reuid=1", "--regid=1", "--clear-groups", Envlock.binary, "probe", "--pid", String(target.pid)], environment: Envlock.baseEnvironment())
            #expect(result.stderr.contains("the process runs as uid 65534, envlock runs as uid 1,"), "\(result.stderr)")
            #expect(result.stderr.contains("run envlock as uid 65534 and gid 65534, or run envlock as root"), "\(result.stderr)")
        } else {
            result = try await Self.probe(1)
            #expect(result.stderr.contains("the process runs as uid 0"), "\(result.stderr)")
        }
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("permission denied: "), "\(result.stderr)")
    }

    /// Why root without CAP_SYS_PTRACE cannot be tested here, or nil.
    static let withoutPtraceSetup: String? = {
        guard getuid() == 0 else { return "not running as root" }
        guard access("/usr/bin/setpriv", X_OK) == 0, access("/usr/bin/python3", X_OK) == 0 else { return "no /usr/bin/setpriv or /usr/bin/python3" }
        let status = readFile("/proc/self/status").split(separator: "\n").first { $0.hasPrefix("CapEff:") }
        guard let mask = status.flatMap({ UInt64($0.dropFirst("CapEff:".count).trimmingPrefix { $0 == "\t" }, radix: 16) }), mask & (1 << 19) != 0 else {
            return "this test process has no CAP_SYS_PTRACE to drop"
        }
        return nil
    }()

    /// Root in a container without CAP_SYS_PTRACE (Docker's default) is refused like any
    /// user; the message names the real cause (the kernel's ptrace access check) for each way
    /// it refuses, never "run as root". The targets: a job run as another user, root's own
    /// process holding CAP_SYS_PTRACE (as PID 1 of a container granted it would), and a
    /// process that made itself not dumpable.
    @Test(.enabled(if: withoutPtraceSetup == nil, "\(withoutPtraceSetup ?? "")"), arguments: [
        (["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3"],
         "the process runs as uid 65534, envlock runs as root but without CAP_SYS_PTRACE"),
        (["/usr/bin/python3"], "the process holds capabilities envlock lacks (CAP_SYS_PTRACE)"),
        (["/usr/bin/setpriv", "--bounding-set=-sys_ptrace", "/usr/bin/python3", "-c", "import ctypes; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)"],
         "so the process is not dumpable"),
    ])
    func asRootWithoutPtraceTheRefusalNamesItsCause(target command: [String], cause: String) async throws {
        let folder = TemporaryFolder()
        let ready = folder.file("ready")
        // A Python that (after what `command` adds) says it is ready, then waits to be probed.
        let script = "import os, time; os.close(os.open('\(ready)', os.O_CREAT | os.O_WRONLY, 0o666)); time.sleep(60)"
        let program = command.last == "/usr/bin/python3" ? command + ["-c", script] : Array(command.dropLast()) + [command.last! + "; " + script]
        makeFolders(folder.path)
        chmod(folder.path, 0o777)
        let target = try BackgroundProgram(program[0], Array(program.dropFirst()), environment: [:])
        defer { target.stop() }
        for _ in 0..<400 where !fileExists(ready) { try await Task.sleep(for: .milliseconds(50)) }
        try #require(fileExists(ready), "the target never started")
        let result = try await runProgram("/usr/bin/setpriv", ["--bounding-set=-sys_ptrace", Envlock.binary, "probe", "--pid", String(target.pid), "--site-packages", folder.path], environment: Envlock.baseEnvironment())
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("permission denied: ") && result.stderr.contains(cause), "\(result.stderr)")
        #expect(result.stderr.contains("CAP_SYS_PTRACE"), "\(result.stderr)")
        #expect(!result.stderr.contains("run envlock as root"), "\(result.stderr)")
    }
}

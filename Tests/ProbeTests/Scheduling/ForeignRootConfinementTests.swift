import EnvLock
@testable import Probe
import Synchronization
import Testing

/// `--root` safety is the `Prober`'s, not each detector's: every detector, run through the
/// Prober under a foreign root, runs no program, loads no library and opens no file outside
/// the root, and those that read the running machine are skipped with their reason.
@Suite struct ForeignRootConfinementTests {
    /// A command runner and library loader that record every call and answer "not here".
    final class RecordingHost: CommandRunner, LibraryLoader {
        let commands = Mutex<[String]>([])
        let libraries = Mutex<[String]>([])

        func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
            commands.withLock { $0.append(([command] + arguments).joined(separator: " ")) }
            return .notFound(command: command)
        }

        func candidates(for name: String) -> [String] {
            libraries.withLock { $0.append(name) }
            return []
        }
    }

    /// A small image: OS and CPU files, a virtual environment with torch, a CUDA toolkit
    /// with nvcc but no version file, and a Hugging Face cache, so that the file-reading
    /// detectors each have something to read and each live detector a reason to try.
    static func makeTree(_ root: String) throws {
        let files: [String: String] = [
            "/etc/os-release": "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n",
            "/proc/cpuinfo": "processor\t: 0\nflags\t\t: fpu sse4_2 avx avx2\n",
            "/proc/driver/nvidia/version": "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n",
            "/venv/pyvenv.cfg": "home = /usr/bin\nversion = 3.11.4\ninclude-system-site-packages = false\n",
            "/venv/bin/python": "",
            "/usr/bin/python3.11": "",
            "/usr/lib/python3.11/os.py": "",
            "/venv/lib/python3.11/site-packages/torch/__init__.py": "",
            "/venv/lib/python3.11/site-packages/torch/version.py": "__version__ = '2.1.0+cu121'\ncuda = '12.1'\n",
            "/venv/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so": "",
            "/venv/lib/python3.11/site-packages/torch-2.1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0\n",
            "/usr/local/cuda/bin/nvcc": "",
            "/root/.cache/huggingface/hub/version.txt": "1\n",
        ]
        for (path, text) in files { try TestFiles.write(Array(text.utf8), to: root + path, mode: 0o755) }
    }

    @Test func everyDetectorUnderAForeignRootStaysInsideIt() async throws {
        let root = try TestFiles.scratchFolder(prefix: "envlock-foreign-root")
        defer { TestFiles.removeTree(root) }
        try Self.makeTree(root)
        let host = RecordingHost()
        // An environment that names things on this machine: none of it may lead out of the root.
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": "/root", "VIRTUAL_ENV": "/venv", "CUDA_HOME": "/usr/local/cuda",
            "HF_HOME": "/etc", "PYTHONPATH": "relative/folder", "CUDA_VISIBLE_DEVICES": "0",
        ]
        let context = HostContext(root: root, environment: environment, libraries: host, commands: host)
        let inputs = CommandInputs()
        let detectors = Detectors.all + JobDetectors.all(for: nil)
        let snapshot = await CommandInputs.$current.withValue(inputs) {
            await Prober(detectors: detectors).probe(context)
        }

        #expect(host.commands.withLock { $0 } == [], "a detector ran a program under --root")
        #expect(host.libraries.withLock { $0 } == [], "a detector asked for a library under --root")
        let outside = inputs.inputs.map(\.path).filter { !$0.hasPrefix(root + "/") }
        #expect(outside == [], "files opened outside --root \(root)")
        // The record is live: the files under the root were read through it.
        #expect(inputs.inputs.contains { $0.path == root + "/etc/os-release" })
        #expect(snapshot.facts["host.os.id"] == "ubuntu")
        #expect(snapshot.facts["python.packages.torch"] == "2.1.0", "the venv under the root was read without running it")
        // A relative PYTHONPATH entry is a path of that tree, not of this process's working folder.
        #expect(snapshot.facts["python.path.0"] == "relative/folder")

        // No detector even tried the confined runner: its refusal would show in a report.
        for report in snapshot.detectors {
            let text = ([report.detail ?? ""] + report.diagnostics).joined(separator: "\n")
            #expect(!text.contains("no program is run under --root"), "\(report.name) tried to run a program: \(text)")
        }
        let skipped = [
            "uname": "uname describes the running kernel, not that tree",
            "glibc": "the running glibc is this machine's, not that tree's",
            "environment": "this process's environment is not that tree's",
            "nvml": "live driver queries describe this machine, not that tree",
            "cuda-driver": "live driver queries describe this machine, not that tree",
            "nvidia-smi": "live driver queries describe this machine, not that tree",
        ]
        for (name, reason) in skipped {
            let report = snapshot.detector(named: name)
            #expect(report?.status == .skipped, "\(name)")
            #expect(report?.detail == "--root \(root): \(reason)", "\(name)")
        }
        #expect(snapshot.detectors.count == detectors.count)
    }

    /// The Prober's context under a foreign root runs nothing and loads nothing, whatever a
    /// detector asks; under `/` it is the context given.
    @Test func theConfinedContextRefusesProgramsAndLibraries() async throws {
        let host = RecordingHost()
        let foreign = HostContext(root: "/tmp/some-image", environment: [:], libraries: host, commands: host).confinedToRoot()
        let outcome = await foreign.commands.run("nvcc", arguments: ["--version"], environment: [:], timeout: .seconds(1))
        #expect(outcome == .failedToStart(reason: "no program is run under --root /tmp/some-image: nvcc would run on this machine, not that tree"))
        #expect(foreign.libraries.candidates(for: "libcuda.so.1") == [])
        #expect(foreign.workingDirectory == nil)
        #expect(!foreign.canRunPrograms)
        #expect(host.commands.withLock { $0 } == [] && host.libraries.withLock { $0 } == [])

        let local = HostContext(environment: [:], libraries: host, commands: host).confinedToRoot()
        _ = await local.commands.run("nvcc", arguments: [], environment: [:], timeout: .seconds(1))
        #expect(host.commands.withLock { $0 } == ["nvcc"])
        #expect(local.workingDirectory == local.processWorkingDirectory)
    }

    /// What detector code may name that reaches this machine past the context, file by file,
    /// with why. Anything else in the detector folders goes through `HostContext`, so a new
    /// `FileSystem.readText("/etc/…")` or `getenv` in a detector fails here before it ships.
    static let hostAccessAllowed: [String: (names: [String], why: String)] = [
        "Python/InterpreterCache.swift": (["FileSystem."], "envlock's interpreter cache, which the context names (`interpreterCache`)"),
        "Python/PythonFiles.swift": (["getcwd(", "POSIXFile.", "FileSystem."], "the working folder HostContext reads once; status and errors of descriptors the context opened"),
        "Runtime/RunningProcess.swift": (["FileSystem."], "/proc of the --pid process, read before probing"),
        "Runtime/ProcessAccess.swift": (["FileSystem."], "/proc of the --pid process"),
        "CUDACode/LibraryBytes.swift": (["POSIXFile."], "reads of a descriptor the context opened"),
        "Jobs/GitObjects.swift": (["POSIXFile."], "reads of a descriptor the context opened"),
        "Jobs/ModelDigest.swift": (["FileSystem.", "POSIXFile."], "model files at paths the caller mapped with hostPath, and envlock's digest cache"),
        "Jobs/JobInvocation.swift": (["isForeignRoot"], "the view of a --pid job, made before the Prober runs"),
    ]
    static let hostAccess = ["isForeignRoot", "FileSystem.", "POSIXFile.", "getcwd(", "getenv(", "dlopen(", "ProcessInfo", "Subprocess", "ProcessEnvironment."]

    @Test func detectorCodeReachesTheHostOnlyThroughTheContext() throws {
        let base = SharedData.packageRoot + "/Sources/Probe/"
        var found: [String] = []
        var scanned = 0
        for folder in ["Host", "NVIDIA", "Python", "Runtime", "CUDACode", "Jobs"] {
            var pending = [folder]
            while let relative = pending.popLast() {
                for name in try TestFiles.names(in: base + relative) {
                    let path = relative + "/" + name
                    guard name.hasSuffix(".swift") else {
                        if !name.contains(".") { pending.append(path) }
                        continue
                    }
                    scanned += 1
                    let allowed = Self.hostAccessAllowed[path]?.names ?? []
                    for (number, line) in try TestFiles.text(base + path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                        let code = line.drop { $0 == " " }
                        if code.hasPrefix("//") { continue }
                        for access in Self.hostAccess where !allowed.contains(access) && line.contains(access) {
                            found.append("Sources/Probe/\(path):\(number + 1): \(access)")
                        }
                    }
                }
            }
        }
        #expect(scanned > 50, "the detector folders were not found under \(base)")
        #expect(found == [], "detector code reaches the host past HostContext")
    }
}

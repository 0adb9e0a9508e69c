#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// The ready profiles of profiles/, each locked on a fixture machine that meets it and verified
/// there (exit 0), then on one that misses the rule the profile is there for (exit 1, naming it).
///
/// The fixture machine: the fake NVIDIA driver (an L4 on 535.104.05, CUDA 12.2), a
/// site-packages folder with the torch 2.2.0 + cu121 stack and the Hugging Face libraries, a
/// Hugging Face cache holding SDXL base 1.0, and the determinism variables set.
@Suite(.serialized) struct ProfileKitTests {
    static let profiles = SharedData.packageRoot + "/profiles/"
    static let sdxlCommit = "462165984030d82259a11f4367a4eed129e94a7b"
    static let sdxl = "models--stabilityai--stable-diffusion-xl-base-1.0"

    /// The software of the reference machine, laid out under `site` inside `folder`.
    static func writeStack(in folder: TemporaryFolder, site: String, torch: String = "2.2.0", xformers: String = "0.0.24", extra: [(String, String)] = []) {
        let stack: [(String, String)] = [
            ("torch", torch), ("torchvision", "0.17.0"), ("nvidia-cudnn-cu12", "8.9.2.26"), ("nvidia-cublas-cu12", "12.1.3.1"),
            ("nvidia-cuda-runtime-cu12", "12.1.105"), ("nvidia-nvjitlink-cu12", "12.3.101"),
        ]
        let given = Set(stack.map(\.0) + ["xformers"])
        let torchVersion = "__version__ = '\(torch)+cu121'\ndebug = False\ncuda = '12.1'\ngit_version = '8ac9b20d4b090c213799e81acf48a55ea8d437d6'\nhip = None\n"
        let visionVersion = "__version__ = '0.17.0+cu121'\ngit_version = 'b2383d44751bf85e58cfb9223bbf4e5961c09fa1'\nfrom torchvision.extension import _check_cuda_version\nif _check_cuda_version() > 0:\n    cuda = _check_cuda_version()\n"
        // Each distribution's own files, which its RECORD lists with their hashes, as pip writes it.
        let packageFiles: [String: [(String, String)]] = [
            "torch": [("torch/__init__.py", ""), ("torch/version.py", torchVersion)],
            "torchvision": [("torchvision/__init__.py", ""), ("torchvision/version.py", visionVersion)],
            "xformers": [
                ("xformers/__init__.py", ""), ("xformers/version.py", "# noqa: C801\n__version__ = \"\(xformers)\"\n"),
                ("xformers/cpp_lib.json", readFile(SharedData.realFixtures + "/xformers/xformers-0.0.24_pypi-wheel-cp310-manylinux2014_cpp_lib.json")),
            ],
        ]
        for (name, version) in stack + extra.filter({ !given.contains($0.0) }) + [("xformers", xformers)] {
            let distInfo = "\(name.replacing("-", with: "_"))-\(version).dist-info"
            let files = packageFiles[name, default: []] + [("\(distInfo)/METADATA", "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n")]
            for (path, text) in files { folder.write("\(site)/\(path)", text) }
            folder.write("\(site)/\(distInfo)/RECORD", files.map { RecordLines.line($0.0, $0.1) }.joined() + "\(distInfo)/RECORD,,\n")
        }
    }

    /// A Hugging Face cache whose SDXL `main` names `commit`.
    static func writeHubCache(in folder: TemporaryFolder, commit: String = sdxlCommit) -> String {
        folder.write("hub/\(sdxl)/refs/main", commit)
        folder.write("hub/\(sdxl)/snapshots/\(commit)/model_index.json", "{}")
        return folder.file("hub")
    }

    /// The fixture machine's environment: the fake L4, no real nvidia-smi, the determinism
    /// variables diffusers' enable_full_determinism sets, an offline hub.
    static func machine(hub: String) async throws -> [String: String] {
        var environment = Envlock.baseEnvironment()
        environment["LD_LIBRARY_PATH"] = try await GPUEndToEnd.scenario("l4")
        environment["PATH"] = GPUEndToEnd.pathWithoutNvidiaSMI()
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":16:8"
        environment["CUDA_LAUNCH_BLOCKING"] = "1"
        environment["HF_HUB_OFFLINE"] = "1"
        environment["HF_HUB_CACHE"] = hub
        return environment
    }

    /// The packages an application profile pins beyond the shared stack (`python.packages.NAME:
    /// "==V"` or `{version: "==V", …}` in its own file), so the fixture machine has them.
    static func pinnedPackages(_ profile: String) -> [(String, String)] {
        readFile(profiles + profile + ".yaml").split(separator: "\n").compactMap { line -> (String, String)? in
            guard line.hasPrefix("  python.packages."), let colon = line.firstIndex(of: ":"),
                  let start = line.firstRange(of: "\"==")?.upperBound, let end = line[start...].firstIndex(of: "\"") else { return nil }
            return (String(line[line.index(line.startIndex, offsetBy: 18)..<colon]), String(line[start..<end]))
        }
    }

    /// A fixture machine that meets `profile`: its site-packages in `site/`, the application
    /// checkout its job rules read, the lock made on it with the job's command after `--`.
    struct Fixture {
        var folder: TemporaryFolder
        var environment: [String: String]
        var lock: String
        /// The job's command (empty for profiles without job rules).
        var command: [String]
        /// Keeps the Fooocus checkout's folder alive.
        var fooocus: FooocusCheckout?
    }

    static let comfyUIOptions = ["--use-pytorch-cross-attention", "--deterministic", "--disable-xformers"]

    static func lockedMachine(_ profile: String) async throws -> Fixture {
        let folder = TemporaryFolder()
        writeStack(in: folder, site: "site", extra: pinnedPackages(profile))
        var environment = try await machine(hub: writeHubCache(in: folder))
        environment["PATH"] = linkProvenPython(in: folder) + ":" + (environment["PATH"] ?? "")
        var command: [String] = []
        var fooocus: FooocusCheckout?
        if profile.hasPrefix("fooocus") {
            let checkout = try FooocusCheckout()
            environment["XDG_CACHE_HOME"] = checkout.folder.file("cache")
            command = checkout.command()
            fooocus = checkout
        } else if profile.hasPrefix("comfyui") {
            makeFolders(folder.file("ComfyUI/comfy"))
            folder.write("ComfyUI/main.py", "pass\n")
            folder.write("ComfyUI/comfy/cli_args.py", "import argparse\n")
            folder.write("ComfyUI/comfyui_version.py", "__version__ = \"0.2.2\"\n")
            _ = try GitFixture.commitAll(in: folder.file("ComfyUI"))
            command = ["python3", folder.file("ComfyUI/main.py")] + comfyUIOptions
        } else if profile.hasPrefix("diffusers") {
            folder.write("generate.py", "print('an SDXL image')\n")
            command = ["python3", folder.file("generate.py")]
        }
        let lock = folder.file(profile + ".lock")
        let result = try await Envlock.run(["lock", "--profile", profiles + profile + ".yaml", "--output", lock, "--site-packages", folder.file("site")] + (command.isEmpty ? [] : ["--"] + command), environment: environment)
        #expect(result.status == 0, "lock \(profile): \(result.stderr)")
        return Fixture(folder: folder, environment: environment, lock: lock, command: command, fooocus: fooocus)
    }

    static func verify(_ fixture: Fixture, site: String? = nil, environment: [String: String]? = nil) async throws -> ProgramResult {
        let job = fixture.command.isEmpty ? [] : ["--"] + fixture.command
        return try await Envlock.run(["verify", fixture.lock, "--allow-unsigned", "--site-packages", site ?? fixture.folder.file("site")] + job, environment: environment ?? fixture.environment)
    }

    @Test(arguments: ["base-torch2.2.0-cu121", "fooocus-torch2.2.0-cu121", "comfyui-torch2.2.0-cu121", "diffusers-torch2.2.0-cu121"])
    func eachProfileLocksAndVerifiesOnAMachineThatMeetsIt(profile: String) async throws {
        let fixture = try await Self.lockedMachine(profile)
        let result = try await Self.verify(fixture)
        #expect(result.status == 0, "\(profile): \(result.stdout)\(result.stderr)")
    }

    /// Every job fact that changes results, as the app's detector reports it for the profile's
    /// own launch, is pinned by a rule of the shipped profile, or listed here with the rule
    /// that covers it another way. A fact without a rule lets its option change unseen (the
    /// hostile runs of issue 22: `--pytorch-deterministic`, `--dont-upcast-attention` and
    /// `--force-fp32` passed the shipped profiles).
    static let coveredOtherwise: [String: String] = [
        "job.command.script": "job.command.script_sha256 pins the script's bytes",
        "job.fooocus.preset": "what the preset sets is in the job.fooocus.config.* facts, read as Fooocus reads it (a missing or empty --preset falls back, so pinning its name refuses launches that run the same)",
        "job.command.arguments": "each argument's effect is a job.APP.* fact, and job.APP.option.* pins the rest",
        "job.fooocus.model.base.file": "job.fooocus.model.*.sha256 pins the file's bytes",
        "job.fooocus.model.refiner.file": "job.fooocus.model.*.sha256 pins the file's bytes",
        "job.fooocus.model.vae.file": "job.fooocus.model.*.sha256 pins the file's bytes",
        "job.fooocus.model.expansion.file": "job.fooocus.model.*.sha256 pins the file's bytes",
    ]

    @Test(arguments: ["fooocus-torch2.2.0-cu121", "comfyui-torch2.2.0-cu121"])
    func everyJobFactThatChangesResultsIsPinned(profile: String) async throws {
        let fixture = try await Self.lockedMachine(profile)
        let probe = try await Envlock.run(["probe", "--format", "json", "--site-packages", fixture.folder.file("site"), "--"] + fixture.command, environment: fixture.environment)
        try #require(probe.status == 0, "\(probe.stderr)")
        let facts = try Snapshot.load(Array(probe.stdout.utf8), path: "probe").facts
        let patterns = try Profile.load(at: Self.profiles + profile + ".yaml").rules.map(\.pattern)
        let jobKeys = facts.keys.filter { $0.hasPrefix("job.") && FactCatalog.impact(of: $0) == .changesResults }.sorted()
        #expect(jobKeys.count > 20, "\(jobKeys)")
        for key in jobKeys where Self.coveredOtherwise[key] == nil {
            #expect(patterns.contains { $0.matches(key) }, "\(profile): \(key) changes results and no rule of the profile pins it")
        }
    }

    /// A `.pth` file whose `import` line site.py runs at every start (appending `--always-cpu`
    /// to `sys.argv`, from the hostile runs of issue 22) is refused; a `.pth` of path lines alone
    /// is not. Read from files (`--site-packages`), the line leaves sys.path unknown, so every
    /// Python rule fails, `python.startup` among them; with an interpreter, `python.startup`
    /// itself differs (PythonStartupTests).
    @Test func startupCodeAddedAfterTheLockFailsVerify() async throws {
        let fixture = try await Self.lockedMachine("base-torch2.2.0-cu121")
        #expect(readFile(fixture.lock).contains("python.startup: \"[]\""), "\(readFile(fixture.lock))")
        fixture.folder.write("site/extra-paths.pth", "/opt/extra\n")
        let paths = try await Self.verify(fixture)
        #expect(paths.status == 0, "\(paths.stdout)\(paths.stderr)")
        fixture.folder.write("site/zz-hostile.pth", "import sys; sys.argv.append('--always-cpu')\n")
        let result = try await Self.verify(fixture)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL  python.startup"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("zz-hostile.pth has a line Python executes at start-up"), "\(result.stdout)")
    }

    /// A card of the locked model with other SMs (46 instead of an L4's 58, as a slice or a
    /// cut-down variant reports them) passes the GPU model but is warned about by its random
    /// grid; a MIG GPU, whose SMs NVML cannot count, still locks (the rule is a warning).
    @Test func anotherSMCountOfTheSameModelWarnsByTheRandomGrid() async throws {
        let fixture = try await Self.lockedMachine("base-torch2.2.0-cu121")
        #expect(readFile(fixture.lock).contains("gpu.0.torch_rng_threshold: \"89088\""), "\(readFile(fixture.lock))")
        var environment = fixture.environment
        environment["ENVLOCK_FAKE_GPUS"] = "NVIDIA L4:8.9:23034:cores=5888"
        let result = try await Self.verify(fixture, environment: environment)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("WARN  gpu.0.torch_rng_threshold"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("expected \"89088\"  found \"70656\""), "\(result.stdout)")

        var mig = fixture.environment
        mig["LD_LIBRARY_PATH"] = try await GPUEndToEnd.scenario("h100-mig")
        let folder = fixture.folder
        let lock = try await Envlock.run(["lock", "--profile", Self.profiles + "base-torch2.2.0-cu121.yaml", "--output", folder.file("mig.lock"), "--site-packages", folder.file("site")], environment: mig)
        #expect(lock.status == 0, "\(lock.stdout)\(lock.stderr)")
    }

    /// The shared stack refuses another torch; Fooocus, beyond it, an xformers not built for it.
    @Test(arguments: [("base-torch2.2.0-cu121", "2.1.2", "0.0.24", "FAIL  python.packages.torch"), ("fooocus-torch2.2.0-cu121", "2.2.0", "0.0.23.post1", "FAIL  python.packages.xformers")])
    func aStackProfileRefusesTheWrongPackage(profile: String, torch: String, xformers: String, failing: String) async throws {
        let fixture = try await Self.lockedMachine(profile)
        Self.writeStack(in: fixture.folder, site: "other", torch: torch, xformers: xformers, extra: Self.pinnedPackages(profile))
        let result = try await Self.verify(fixture, site: fixture.folder.file("other"))
        #expect(result.status == 1)
        #expect(result.stdout.contains(failing), "\(result.stdout)")
    }

    /// A torch file patched by hand after the lock keeps every version fact: verify names the
    /// file, and diff against the lock says which side runs code its wheel did not install.
    @Test func aFilePatchedAfterTheLockFailsVerifyByName() async throws {
        let fixture = try await Self.lockedMachine("base-torch2.2.0-cu121")
        #expect(readFile(fixture.lock).contains("python.packages.torch.files"), "\(readFile(fixture.lock))")
        fixture.folder.write("site/torch/__init__.py", "import os  # patched by hand\n")
        fixture.folder.write("site/torch/planted.py", "print('planted')\n")
        let result = try await Self.verify(fixture)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL  python.packages.torch.files"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("modified: 2 files: torch/__init__.py (29 bytes, RECORD says 0), torch/planted.py (not in RECORD)"), "\(result.stdout)")
        let diff = try await Envlock.run(["diff", fixture.lock, "--site-packages", fixture.folder.file("site")], environment: fixture.environment)
        #expect(diff.unwrappedStdout.contains("B runs torch files that are not what its wheel installed"), "\(diff.stdout)\(diff.stderr)")
    }

    @Test func comfyuiRefusesFastModesAndRunsWithoutThem() async throws {
        let fixture = try await Self.lockedMachine("comfyui-torch2.2.0-cu121")
        let run = ["run", fixture.lock, "--allow-unsigned", "--site-packages", fixture.folder.file("site"), "--"]
        let allowed = try await Envlock.run(run + fixture.command, environment: fixture.environment)
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        let fast = try await Envlock.run(run + fixture.command + ["--fast"], environment: fixture.environment)
        #expect(fast.status == 1)
        #expect(fast.stderr.contains("FAIL  job.comfyui.fast"), "\(fast.stdout)\(fast.stderr)")
        // --use-pytorch-cross-attention already sets XFORMERS_IS_AVAILABLE = False in ComfyUI's
        // model_management, so without --disable-xformers the job computes the same: it runs.
        let xformers = try await Envlock.run(run + fixture.command.filter { $0 != "--disable-xformers" }, environment: fixture.environment)
        #expect(xformers.status == 0, "\(xformers.stdout)\(xformers.stderr)")
        // With split attention, xformers may run if it imports: refused.
        let split = try await Envlock.run(run + [fixture.command[0], fixture.command[1], "--use-split-cross-attention", "--deterministic"], environment: fixture.environment)
        #expect(split.status == 1)
        #expect(split.stderr.contains("FAIL  job.comfyui.xformers"), "\(split.stdout)\(split.stderr)")
    }

    @Test func diffusersRefusesAnotherModelCommitAnOnlineHubAndAnEditedScript() async throws {
        let fixture = try await Self.lockedMachine("diffusers-torch2.2.0-cu121")
        var environment = fixture.environment
        let newer = TemporaryFolder()
        environment["HF_HUB_CACHE"] = Self.writeHubCache(in: newer, commit: "ffffffffffffffffffffffffffffffffffffffff")
        let moved = try await Self.verify(fixture, environment: environment)
        #expect(moved.status == 1)
        #expect(moved.stdout.contains("FAIL  hf.models.stabilityai/stable-diffusion-xl-base-1%2E0.main"), "\(moved.stdout)")
        environment["HF_HUB_CACHE"] = fixture.folder.file("hub")
        environment["HF_HUB_OFFLINE"] = nil
        let online = try await Self.verify(fixture, environment: environment)
        #expect(online.status == 1)
        #expect(online.stdout.contains("FAIL  hf.offline"), "\(online.stdout)")
        fixture.folder.write("generate.py", "print('an SDXL image')\nseed = 7\n")
        let edited = try await Self.verify(fixture)
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("FAIL  job.command.script_sha256"), "\(edited.stdout)")
    }

    @Test func requireCUDAPrintsTheFooocusExpressionAndAnOldDriverFailsIt() async throws {
        let fixture = try await Self.lockedMachine("fooocus-torch2.2.0-cu121")
        let (folder, lock) = (fixture.folder, fixture.lock)
        var environment = fixture.environment
        let printed = try await Envlock.run(["require-cuda", lock], environment: environment)
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout == "cuda>=12.1,arch=8.9\n")
        #expect(printed.stderr.contains("gpu.*.name is checked only by envlock"), "\(printed.stderr)")
        let met = try await Envlock.run(["require-cuda", "--check", "cuda>=12.1,arch=8.9", "--site-packages", folder.file("site")], environment: environment)
        #expect(met.status == 0, "\(met.stdout)\(met.stderr)")
        environment["ENVLOCK_FAKE_CUDA_VERSION"] = "12000"
        environment["NVIDIA_REQUIRE_CUDA"] = String(printed.stdout.dropLast())
        let old = try await Envlock.run(["require-cuda", "--from-environment", "--site-packages", folder.file("site")], environment: environment)
        #expect(old.status == 1)
        #expect(old.stdout.contains("unsatisfied condition: cuda >= 12.1"), "\(old.stdout)")
    }

    /// `verify --root` on a tree laid out as the Fooocus image of examples/fooocus/ lays it
    /// out (pip's dist-packages under /usr/local/lib/python3.10, /usr/local/cuda a link to
    /// the versioned toolkit folder): every software rule passes; the GPU, driver and
    /// environment rules, which only the node can answer, are what remains.
    @Test func verifyRootOnAFooocusImageTreePassesTheSoftwareRules() async throws {
        let fixture = try await Self.lockedMachine("fooocus-torch2.2.0-cu121")
        let image = TemporaryFolder()
        let dist = "rootfs/usr/local/lib/python3.10/dist-packages"
        Self.writeStack(in: image, site: dist, extra: Self.pinnedPackages("fooocus-torch2.2.0-cu121"))
        image.write("rootfs/usr/local/cuda-12.1/version.json", "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"12.1.0\"}}")
        #expect(symlink("/usr/local/cuda-12.1", image.file("rootfs/usr/local/cuda")) == 0)
        image.write("rootfs/etc/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n")
        let result = try await Envlock.run(
            ["verify", fixture.lock, "--allow-unsigned", "--root", image.file("rootfs"), "--site-packages", "/usr/local/lib/python3.10/dist-packages", "--format", "json"],
            environment: fixture.environment)
        #expect(result.status == 1, "the GPU rules cannot pass from an image: \(result.stderr)")
        let failing = Self.failingKeys(result.stdout)
        let software = failing.filter { key in ["python.packages.", "torch.", "torchvision.", "xformers.", "cuda.runtime", "cudnn.runtime", "cublas.runtime"].contains { key.hasPrefix($0) } }
        #expect(software.isEmpty, "software rules failed: \(software)")
        #expect(failing.contains("gpu.0.name"), "\(failing)")
        // Live sources --root skips: the driver and GPUs, this process's environment, uname and
        // the running glibc; and the job, which is checked with its command on the node.
        let liveOnly = ["cuda.driver_api", "nvidia.driver", "host.arch", "host.glibc"]
        #expect(failing.allSatisfy { $0.hasPrefix("gpu.") || $0.hasPrefix("env.") || $0.hasPrefix("job.") || liveOnly.contains($0) }, "\(failing)")
    }

    @Test func aMissingOrCyclicExtendsIsExitTwoWithItsPosition() async throws {
        let folder = TemporaryFolder()
        let missing = folder.write("app.yaml", "envlock: 1\nname: app\nextends: ../nowhere/base.yaml\n")
        let result = try await Envlock.run(["lock", "--profile", missing, "--output", folder.file("a.lock"), "--site-packages", folder.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("app.yaml:3:10: error: extends '../nowhere/base.yaml': cannot read \(folder.path)/../nowhere/base.yaml"), "\(result.stderr)")
        folder.write("a.yaml", "envlock: 1\nname: a\nextends: b.yaml\n")
        folder.write("b.yaml", "envlock: 1\nname: b\nextends: ./a.yaml\n")
        let cycle = try await Envlock.run(["lock", "--profile", folder.file("a.yaml"), "--output", folder.file("a.lock"), "--site-packages", folder.path])
        #expect(cycle.status == 2)
        #expect(cycle.stderr.contains("b.yaml:3:10: error: extends './a.yaml' makes a cycle"), "\(cycle.stderr)")
        #expect(!fileExists(folder.file("a.lock")))
    }

    /// The keys of the results whose verdict is "fail" in verify's JSON report.
    static func failingKeys(_ json: String) -> [String] {
        guard let document = try? MinimalJSON.parse(Array(json.utf8)), case .array(let items)? = document["results"] else {
            return ["<no results in: \(json.prefix(300))>"]
        }
        return items.compactMap { item -> String? in
            guard case .string("fail")? = item["verdict"], case .string(let key)? = item["key"] else { return nil }
            return key
        }
    }
}

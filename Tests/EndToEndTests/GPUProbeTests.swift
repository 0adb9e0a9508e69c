@testable import EnvLock
import Testing
#if canImport(Glibc)
import Glibc
#endif

// `envlock probe --format json` on fake GPU machines: the fake libnvidia-ml.so.1 and
// libcuda.so.1 of Tests/Fakes found through LD_LIBRARY_PATH exactly as the real ones are,
// and fake nvidia-smi scripts on PATH.
//
// The contract: the probe prints
//   {"schema":"envlock.snapshot/1","facts":{...},"detectors":[{"name":..,"status":..,"detail":..}]}
// and exits 0 whatever the GPU sources say.

private let gpuDetectors = ["nvml", "cuda-driver", "nvidia-proc", "nvidia-smi", "cuda-toolkit", "cudnn-system"]

/// What the probe printed, read back.
struct ProbeReport {
    var facts: [String: String]
    var detectors: [String: (status: String, detail: String?)]
    var diagnostics: [String: [String]]
    var seconds: Double
}

enum GPUEndToEnd {
    static let fakes = SharedData.packageRoot + "/Tests/Fakes"

    private static let build = Task { () -> String? in
        var environment = Envlock.baseEnvironment()
        if let compiler = getenv("CC") { environment["CC"] = String(cString: compiler) }
        do {
            let result = try await runProgram("/bin/sh", [SharedData.packageRoot + "/scripts/build-fakes.sh"], environment: environment)
            return result.status == 0 ? nil : "scripts/build-fakes.sh failed: \(result.stderr)"
        } catch {
            return "scripts/build-fakes.sh could not run: \(error)"
        }
    }

    /// The folder of the fake scenario `name`, built on first use.
    static func scenario(_ name: String) async throws -> String {
        if let failure = await build.value { throw ProbeTestFailure(failure) }
        return fakes + "/lib/" + name
    }

    /// Runs `envlock probe --format json` (and `arguments`) with `environment` added to the base one.
    static func probe(_ environment: [String: String], arguments: [String] = []) async throws -> ProbeReport {
        var full = Envlock.baseEnvironment()
        for (key, value) in environment { full[key] = value }
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await Envlock.run(["probe", "--format", "json"] + arguments, environment: full)
        let elapsed = clock.now - started
        guard result.status == 0 else {
            throw ProbeTestFailure("envlock probe exited \(result.status): \(result.stderr)")
        }
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "envlock probe output")
        var detectors: [String: (status: String, detail: String?)] = [:]
        var diagnostics: [String: [String]] = [:]
        for report in snapshot.detectors {
            detectors[report.name] = (report.status.rawValue, report.detail)
            diagnostics[report.name] = report.diagnostics
        }
        let facts = snapshot.facts
        let (seconds, attoseconds) = elapsed.components
        return ProbeReport(facts: facts, detectors: detectors, diagnostics: diagnostics, seconds: Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Whether this machine has a real NVIDIA driver, which the probe would find in the usual
    /// folders whatever LD_LIBRARY_PATH says; tests of the fallbacks cannot run there.
    static let realDriverPresent: Bool = {
        let folders = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib"]
        return access("/proc/driver/nvidia/version", F_OK) == 0
            || folders.contains { access($0 + "/libnvidia-ml.so.1", F_OK) == 0 || access($0 + "/libcuda.so.1", F_OK) == 0 }
    }()

    /// A PATH without any real nvidia-smi: the folders of the base PATH that do not hold one.
    static func pathWithoutNvidiaSMI(prepending folder: String? = nil) -> String {
        let base = (Envlock.baseEnvironment()["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        let kept = base.filter { access($0 + "/nvidia-smi", F_OK) != 0 }
        return ([folder].compactMap { $0 } + kept).joined(separator: ":")
    }
}

struct ProbeTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The issue's example: one torch build without sm_89 runs sm_86 kernels on the L4 and sm_80
/// kernels on the A30, read from the library's fat binaries once the GPU detectors answered.
@Test func eachGPURunsTheCodeOfItsOwnCapability() async throws {
    let root = try TestFiles.scratchFolder(prefix: "envlock-cuda-code-e2e")
    defer { TestFiles.removeTree(root) }
    try TestFiles.write([], to: root + "/torch/__init__.py")
    let library = CraftedELF(sections: [(".nv_fatbin", CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80), CraftedELF.entry(kind: 2, arch: 86), CraftedELF.entry(kind: 2, arch: 90)]))])
    try TestFiles.write(library.bytes, to: root + "/torch/lib/libtorch_cuda.so")
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("l4-a30"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()],
                                             arguments: ["--site-packages", root, "--no-cache"])
    #expect(report.detectors["cuda-code"]?.status == "ok", "\(String(describing: report.detectors["cuda-code"]))")
    #expect(report.facts["cuda_code.torch.sass"] == #"["sm_80","sm_86","sm_90"]"#)
    #expect(report.facts["cuda_code.torch.gpu.0"] == "sm_86")
    #expect(report.facts["cuda_code.torch.gpu.1"] == "sm_80")
}

@Test func probeReportsTheFakeL4AndA30() async throws {
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("l4-a30"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()])
    #expect(report.detectors["nvml"]?.status == "ok")
    #expect(report.facts["nvidia.driver"] == "535.104.05")
    #expect(report.facts["cuda.driver_api"] == "12.2")
    #expect(report.facts["gpu.count"] == "2")
    #expect(report.facts["gpu.0.name"] == "NVIDIA L4")
    #expect(report.facts["gpu.0.compute_capability"] == "8.9")
    #expect(report.facts["gpu.0.arch"] == "Ada")
    #expect(report.facts["gpu.1.name"] == "NVIDIA A30")
    #expect(report.facts["gpu.1.compute_capability"] == "8.0")
    #expect(report.facts["gpu.1.arch"] == "Ampere")
    #expect(report.detectors["cuda-driver"]?.status == "skipped")
    #expect(report.detectors["nvidia-smi"]?.status == "skipped")
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func libcudaAloneHonoursCUDAVisibleDevicesAndTheReportSaysSo() async throws {
    let report = try await GPUEndToEnd.probe([
        "LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("cuda-only"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI(), "CUDA_VISIBLE_DEVICES": "1",
    ])
    #expect(report.detectors["nvml"]?.status == "absent")
    #expect(report.detectors["cuda-driver"]?.status == "ok")
    #expect(report.facts["gpu.count"] == "1")
    #expect(report.facts["gpu.0.name"] == "NVIDIA A30")
    #expect(report.diagnostics["cuda-driver"]?.contains { $0.hasPrefix("CUDA_VISIBLE_DEVICES=1:") } == true)
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func libcudaNumbersTheGPUsInPCIOrderAsNVMLDoes() async throws {
    // l4-a30's libcuda lists the A30 first (fastest first); NVML lists the L4, on the lower
    // PCI bus, first. With NVML failing, cuda-driver must still call the L4 gpu.0.
    let report = try await GPUEndToEnd.probe([
        "LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("l4-a30"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI(), "ENVLOCK_FAKE_NVML_INIT_ERROR": "9",
    ])
    #expect(report.detectors["nvml"]?.status == "failed")
    #expect(report.detectors["cuda-driver"]?.status == "ok")
    #expect(report.facts["gpu.count"] == "2")
    #expect(report.facts["gpu.0.name"] == "NVIDIA L4")
    #expect(report.facts["gpu.1.name"] == "NVIDIA A30")
}

@Test func slowButHealthyNVMLIsWaitedForByTheFallbacks() async throws {
    // nvmlInit and cuInit take 2 s in nvml-slow: longer than the prober's usual 1.5 s
    // dependency wait, within NVML's 3 s deadline.
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("nvml-slow"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()])
    #expect(report.detectors["nvml"]?.status == "ok")
    #expect(report.detectors["cuda-driver"]?.status == "skipped")
    #expect(report.detectors["nvidia-smi"]?.status == "skipped")
    for name in ["nvml", "cuda-driver", "nvidia-smi"] {
        #expect(report.diagnostics[name]?.isEmpty != false, "\(name): \(report.diagnostics[name] ?? [])")
    }
    #expect(report.facts["gpu.0.name"] == "NVIDIA L4")
}

@Test func nvmlIgnoresCUDAVisibleDevices() async throws {
    let report = try await GPUEndToEnd.probe([
        "LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("l4-a30"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI(), "CUDA_VISIBLE_DEVICES": "1",
    ])
    #expect(report.facts["gpu.count"] == "2")
    #expect(report.facts["gpu.0.name"] == "NVIDIA L4")
}

@Test func probeReportsMIGOnTheFakeH100() async throws {
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("h100-mig"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()])
    #expect(report.facts["gpu.0.name"] == "NVIDIA H100 80GB HBM3")
    #expect(report.facts["gpu.0.mig"] == "enabled")
    #expect(report.facts["cuda.driver_api"] == "12.4")
}

@Test func probeNamesTheDriverLibraryMismatchAndExitsZero() async throws {
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("nvml-error-18"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()])
    let nvml = try #require(report.detectors["nvml"])
    #expect(nvml.status == "failed")
    #expect(nvml.detail?.contains("NVML_ERROR_LIB_RM_VERSION_MISMATCH (18)") == true)
    #expect(nvml.detail?.contains("reboot") == true)
    let cuda = try #require(report.detectors["cuda-driver"])
    #expect(cuda.status == "failed")
    #expect(cuda.detail?.contains("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803)") == true)
    // What libcuda could still say survives the failure.
    #expect(report.facts["cuda.driver_api"] == "12.2")
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func probeOfAMismatchedNvidiaSMIExplainsIt() async throws {
    let path = GPUEndToEnd.pathWithoutNvidiaSMI(prepending: GPUEndToEnd.fakes + "/nvidia-smi/mismatch")
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": "/nonexistent-envlock", "PATH": path])
    let smi = try #require(report.detectors["nvidia-smi"])
    #expect(smi.status == "failed")
    #expect(smi.detail?.contains("Driver/library version mismatch (NVML library 580.178)") == true)
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func probeFallsBackToNvidiaSMIWhenNoLibraryAnswers() async throws {
    let path = GPUEndToEnd.pathWithoutNvidiaSMI(prepending: GPUEndToEnd.fakes + "/nvidia-smi/l4")
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": "/nonexistent-envlock", "PATH": path])
    #expect(report.detectors["nvml"]?.status == "absent")
    #expect(report.detectors["nvidia-smi"]?.status == "ok")
    #expect(report.facts["nvidia.driver"] == "550.90.07")
    #expect(report.facts["cuda.driver_api"] == "12.4")
    #expect(report.facts["gpu.0.name"] == "NVIDIA L4")
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func probeReturnsInTimeWhenNvidiaSMIHangs() async throws {
    let path = GPUEndToEnd.pathWithoutNvidiaSMI(prepending: GPUEndToEnd.fakes + "/nvidia-smi/hang")
    var report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": "/nonexistent-envlock", "PATH": path])
    // About 3.1 s on an idle machine (nvidia-smi's 3 s deadline). The wall clock also counts
    // starting the binary, which a test machine shared by many builds can slow by seconds, so
    // a slow first run gets one more try; a probe that waited for the 60 s hang fails both.
    if report.seconds >= 5 {
        report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": "/nonexistent-envlock", "PATH": path])
    }
    #expect(report.seconds < 5, "probe took \(report.seconds) s")
    #expect(report.detectors["nvml"]?.status == "absent")
    let smi = try #require(report.detectors["nvidia-smi"])
    #expect(smi.status == "failed")
    #expect(smi.detail?.contains("did not answer within 3 s") == true, "\(smi.detail ?? "")")
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func probeWithoutAnyDriverListsTheGPUDetectorsAsAbsent() async throws {
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": "/nonexistent-envlock", "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()])
    for name in ["nvml", "nvidia-proc", "nvidia-smi"] {
        #expect(report.detectors[name]?.status == "absent", "\(name): \(String(describing: report.detectors[name]))")
    }
    #expect(["absent", "skipped"].contains(report.detectors["cuda-driver"]?.status ?? "missing"))
    for name in gpuDetectors {
        #expect(report.detectors[name]?.status != "failed", "\(name) failed: \(report.detectors[name]?.detail ?? "")")
    }
    #expect(!report.facts.keys.contains { $0.hasPrefix("gpu.") || $0.hasPrefix("nvidia.") })
    // Nothing waited for a driver that is not there: a detector that did would have been cut
    // off at the probe's deadline and reported failed above (idle, this probe takes 0.1 s).
}

@Test func lockFromTheL4MachineFailsOnTheA30MachineNamingBothFacts() async throws {
    let folder = TemporaryFolder()
    folder.write("profile.yaml", """
        envlock: 1
        name: gpu-model
        description: "Pins the GPU model, as images differ between an L4 and an A30."
        rules:
          gpu.*.name: {pin: true, why: "an L4 and an A30 give different images from one seed"}
          gpu.*.compute_capability: {pin: true}
        """)
    let path = GPUEndToEnd.pathWithoutNvidiaSMI()
    var onL4 = Envlock.baseEnvironment()
    onL4["PATH"] = path
    onL4["LD_LIBRARY_PATH"] = try await GPUEndToEnd.scenario("l4")
    var onA30 = onL4
    onA30["LD_LIBRARY_PATH"] = try await GPUEndToEnd.scenario("a30")

    let keygen = try await Envlock.run(["keygen", "--output", folder.file("key.pem")], environment: onL4)
    #expect(keygen.status == 0, "\(keygen.stderr)")
    let lock = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--key", folder.file("key.pem"), "--output", folder.file("env.lock")], environment: onL4)
    try #require(lock.status == 0, "\(lock.stderr)")

    let same = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem")], environment: onL4)
    #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
    let other = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem")], environment: onA30)
    #expect(other.status == 1, "\(other.stdout)\(other.stderr)")
    #expect(other.stdout.contains("gpu.0.name"))
    #expect(other.stdout.contains("gpu.0.compute_capability"))
    #expect(other.stdout.contains("NVIDIA A30"))
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func aGPURuleWithoutADriverSaysNoDriverWasFound() async throws {
    let folder = TemporaryFolder()
    folder.write("profile.yaml", """
        envlock: 1
        name: needs-a-gpu
        rules:
          gpu.0.compute_capability: {version: ">=8.0", why: "bf16 kernels need Ampere or newer"}
        """)
    var environment = Envlock.baseEnvironment()
    environment["PATH"] = GPUEndToEnd.pathWithoutNvidiaSMI()
    environment["LD_LIBRARY_PATH"] = "/nonexistent-envlock"
    let lock = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--output", folder.file("env.lock")], environment: environment)
    #expect(lock.status == 1)
    #expect(lock.unwrappedStderr.contains("no fact matches gpu.0.compute_capability: nvml absent"), "\(lock.stderr)")
    #expect(lock.unwrappedStderr.contains("no NVIDIA driver is installed"))
    #expect(lock.unwrappedStderr.contains("bf16 kernels need Ampere or newer"))
}

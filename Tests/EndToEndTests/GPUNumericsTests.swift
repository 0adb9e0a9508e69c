import Testing

// The numerics facts of the GPUs on the fake driver (Tests/Fakes): SMs from NVML's core count
// or libcuda's attribute, threads per SM, and PyTorch's random-grid threshold; and where a
// source cannot tell them, the diagnostic that says why instead of a guess.

@Test func nvmlCoresGiveSMsAndTheRandomGridOfEachGPU() async throws {
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("l4-a30"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()])
    #expect(report.detectors["nvml"]?.status == "ok")
    #expect(report.facts["gpu.0.sm_count"] == "58")
    #expect(report.facts["gpu.0.max_threads_per_sm"] == "1536")
    #expect(report.facts["gpu.0.torch_rng_threshold"] == "89088")
    #expect(report.facts["gpu.1.sm_count"] == "56")
    #expect(report.facts["gpu.1.max_threads_per_sm"] == "2048")
    #expect(report.facts["gpu.1.torch_rng_threshold"] == "114688")
    #expect(report.diagnostics["nvml"]?.isEmpty != false, "\(report.diagnostics["nvml"] ?? [])")
}

/// libcuda's own attributes are taken as they are: 46 SMs is no L4's core count, and libcuda
/// reports a MIG slice's SMs this way.
@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func libcudaAttributesAreTakenAsReported() async throws {
    let report = try await GPUEndToEnd.probe([
        "LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("cuda-only"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI(),
        "ENVLOCK_FAKE_GPUS": "NVIDIA L4:8.9:23034:sms=46:threads=1536,NVIDIA A30:8.0:24576:sms=56:threads=2048",
    ])
    #expect(report.detectors["cuda-driver"]?.status == "ok")
    #expect(report.facts["gpu.0.sm_count"] == "46")
    #expect(report.facts["gpu.0.torch_rng_threshold"] == String(46 * 6 * 256))
    #expect(report.facts["gpu.1.sm_count"] == "56")
    #expect(report.facts["gpu.1.torch_rng_threshold"] == "114688")
}

@Test(.disabled(if: GPUEndToEnd.realDriverPresent, "this machine has a real NVIDIA driver, which the probe would use")) func libcudaWithoutTheAttributesSaysSo() async throws {
    let report = try await GPUEndToEnd.probe([
        "LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("cuda-only"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI(),
        "ENVLOCK_FAKE_GPUS": "NVIDIA L4:8.9:23034",
    ])
    #expect(report.facts["gpu.0.name"] == "NVIDIA L4")
    #expect(report.facts["gpu.0.sm_count"] == nil)
    #expect(report.facts["gpu.0.torch_rng_threshold"] == nil)
    // The compute capability still fixes the threads per SM.
    #expect(report.facts["gpu.0.max_threads_per_sm"] == "1536")
    #expect(report.diagnostics["cuda-driver"]?.contains { $0.hasPrefix("GPU 0: cuDeviceGetAttribute(MULTIPROCESSOR_COUNT) returned CUDA_ERROR_INVALID_VALUE") } == true, "\(report.diagnostics["cuda-driver"] ?? [])")
}

/// Under MIG a job sees one MIG device as its GPU: the whole GPU's SMs are left out (NVML does
/// not count cores under MIG) and each MIG device reports its own SMs and threshold. The fake
/// H100 holds 1g (16 SMs), 1g, 2g (32), an empty slot and 3g (60).
@Test func migReportsEachMIGDevicesGridAndNotTheWholeGPUs() async throws {
    let report = try await GPUEndToEnd.probe(["LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("h100-mig"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI()])
    #expect(report.facts["gpu.0.mig"] == "enabled")
    #expect(report.facts["gpu.0.sm_count"] == nil)
    #expect(report.facts["gpu.0.torch_rng_threshold"] == nil)
    #expect(report.facts["gpu.0.max_threads_per_sm"] == "2048")
    #expect(report.diagnostics["nvml"]?.contains { $0.hasPrefix("GPU 0: MIG mode is on") && $0.contains("gpu.0.mig_device.M.sm_count") } == true, "\(report.diagnostics["nvml"] ?? [])")
    // Named by NVML's slot: slot 3 is empty, so the 3g device keeps its slot 4.
    let slices = [0: (16, 32_768), 1: (16, 32_768), 2: (32, 65_536), 4: (60, 122_880)]
    for (slot, (sms, threshold)) in slices {
        #expect(report.facts["gpu.0.mig_device.\(slot).sm_count"] == String(sms), "\(slot)")
        #expect(report.facts["gpu.0.mig_device.\(slot).torch_rng_threshold"] == String(threshold), "\(slot)")
        #expect(report.facts["gpu.0.mig_device.\(slot).uuid"]?.hasSuffix("00000000000\(slot)") == true, "\(slot)")
    }
    #expect(report.facts["gpu.0.mig_device.3.sm_count"] == nil)
    #expect(report.facts["gpu.0.mig_device.3.uuid"] == nil)
}

/// Each way NVML's core count cannot become SMs is named; none becomes a number.
@Test(arguments: [
    ("NVIDIA L4:8.9:23034", "GPU 0: nvmlDeviceGetNumGpuCores returned NVML_ERROR_NOT_SUPPORTED (3): this GPU or driver does not report its cores"),
    ("NVIDIA GeForce GTX 1080:6.1:8192:cores=2560", "GPU 0: NVML reports 2560 CUDA cores, but envlock does not know how many make an SM at compute capability 6.1"),
    ("NVIDIA B200:10.0:183359:cores=18944", "GPU 0: NVML reports 18944 CUDA cores, but envlock does not know how many make an SM at compute capability 10.0"),
    ("NVIDIA L4:8.9:23034:cores=7400", "GPU 0: NVML reports 7400 CUDA cores, not a whole number of 128-core SMs at compute capability 8.9"),
])
func coresThatCannotBecomeSMsAreNamed(gpus: String, diagnostic: String) async throws {
    let report = try await GPUEndToEnd.probe([
        "LD_LIBRARY_PATH": try await GPUEndToEnd.scenario("l4"), "PATH": GPUEndToEnd.pathWithoutNvidiaSMI(), "ENVLOCK_FAKE_GPUS": gpus,
    ])
    #expect(report.detectors["nvml"]?.status == "ok")
    #expect(report.facts["gpu.0.sm_count"] == nil)
    #expect(report.facts["gpu.0.torch_rng_threshold"] == nil)
    #expect(report.diagnostics["nvml"]?.contains { $0.hasPrefix(diagnostic) } == true, "\(report.diagnostics["nvml"] ?? [])")
}

/// `envlock diff` of the L4 machine and the A30 machine says above which size their CUDA noise
/// differs, in the issue's words.
@Test func diffOfTheL4AndTheA30NamesTheRandomGrids() async throws {
    let folder = TemporaryFolder()
    var environment = Envlock.baseEnvironment()
    environment["PATH"] = GPUEndToEnd.pathWithoutNvidiaSMI()
    for machine in ["l4", "a30"] {
        environment["LD_LIBRARY_PATH"] = try await GPUEndToEnd.scenario(machine)
        let probe = try await Envlock.run(["probe", "--format", "json", "--output", folder.file(machine + ".json")], environment: environment)
        try #require(probe.status == 0, "\(probe.stderr)")
    }
    let diff = try await Envlock.run(["diff", folder.file("l4.json"), folder.file("a30.json")], environment: environment)
    #expect(diff.status == 1, "\(diff.stdout)\(diff.stderr)")
    let text = diff.unwrappedStdout
    #expect(text.contains("gpu.0.torch_rng_threshold"))
    #expect(text.contains("B's 56 SMs (8 blocks of 256 threads each) draw different CUDA random numbers from A's 58 SMs (6 blocks of 256 threads each) above 89088 elements"), "\(text)")
}

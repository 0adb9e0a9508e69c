@testable import EnvLock
import Testing
@testable import Probe

// NVML and libcuda detectors against the fake libraries of Tests/Fakes (built on demand),
// loaded in-process through a FolderLibraryLoader; each scenario folder has its own
// fake-gpus.conf, so no test changes the process environment.

@Test func nvmlReportsEveryGPUOfAnL4PlusA30Machine() async throws {
    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("l4-a30"), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["nvidia.driver"] == "535.104.05")
    #expect(outcome.facts["cuda.driver_api"] == "12.2")
    #expect(outcome.facts["gpu.count"] == "2")
    #expect(outcome.facts["gpu.0.name"] == "NVIDIA L4")
    #expect(outcome.facts["gpu.0.compute_capability"] == "8.9")
    #expect(outcome.facts["gpu.0.arch"] == "Ada")
    #expect(outcome.facts["gpu.0.memory_mib"] == "23034")
    #expect(outcome.facts["gpu.0.mig"] == "disabled") // NVML: NOT_SUPPORTED on an L4
    #expect(outcome.facts["gpu.1.name"] == "NVIDIA A30")
    #expect(outcome.facts["gpu.1.compute_capability"] == "8.0")
    #expect(outcome.facts["gpu.1.arch"] == "Ampere")
    #expect(outcome.facts["gpu.1.memory_mib"] == "24576")
    #expect(outcome.facts["gpu.1.mig"] == "disabled")
    #expect(outcome.facts["gpu.0.uuid"]?.hasPrefix("GPU-") == true)
    #expect(outcome.facts["gpu.0.uuid"] != outcome.facts["gpu.1.uuid"])
    #expect(outcome.diagnostics.isEmpty)
}

@Test func nvmlReportsMIGModeOfAnH100() async throws {
    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("h100-mig"), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["gpu.count"] == "1")
    #expect(outcome.facts["gpu.0.name"] == "NVIDIA H100 80GB HBM3")
    #expect(outcome.facts["gpu.0.arch"] == "Hopper")
    #expect(outcome.facts["gpu.0.mig"] == "enabled")
    #expect(outcome.facts["cuda.driver_api"] == "12.4")
    #expect(outcome.facts["nvidia.driver"] == "550.54.15")
}

@Test func nvmlVersionMismatchIsReportedByNameWithWhatToDo() async throws {
    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("nvml-error-18"), earlier: [:])
    #expect(outcome.status == .failed)
    let detail = try #require(outcome.detail)
    #expect(detail.contains("nvmlInit_v2 returned NVML_ERROR_LIB_RM_VERSION_MISMATCH (18)"))
    #expect(detail.contains("Driver/library version mismatch"))
    #expect(detail.contains("reboot"))
    #expect(outcome.facts.isEmpty)
}

@Test func nvmlDriverNotLoadedIsReportedByName() async throws {
    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("nvml-error-9"), earlier: [:])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains("NVML_ERROR_DRIVER_NOT_LOADED (9)") == true)
}

@Test func nvmlWithNoDevicesCountsZero() async throws {
    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("no-devices"), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["gpu.count"] == "0")
    #expect(outcome.facts["nvidia.driver"] == "535.104.05")
    #expect(!outcome.facts.keys.contains { $0.hasPrefix("gpu.0.") })
}

@Test func nvmlFallsBackToUnversionedSymbols() async throws {
    let folder = try await GPUFakes.folder("no-v2")
    let library = try DynamicLibrary.open("libnvidia-ml.so.1", from: FolderLibraryLoader(folder: folder))
    #expect(library.function("nvmlInit_v2", as: (@convention(c) () -> Int32).self) == nil)
    let nvml = try #require(NVMLLibrary(library))
    #expect(nvml.initSymbol == "nvmlInit")

    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("no-v2"), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["gpu.count"] == "1")
    #expect(outcome.facts["gpu.0.name"] == "NVIDIA L4")
}

@Test func nvmlIsShutDownAfterEverySuccessfulInit() async throws {
    let folder = try await GPUFakes.folder("nvml-shutdown-check")
    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("nvml-shutdown-check"), earlier: [:])
    #expect(outcome.status == .ok)
    // The same file is already loaded, so this returns the detector's copy of the fake.
    let library = try DynamicLibrary.open("libnvidia-ml.so.1", from: FolderLibraryLoader(folder: folder))
    let openSessions = try #require(library.function("envlock_fake_nvml_open_sessions", as: (@convention(c) () -> Int32).self))
    #expect(openSessions() == 0)
}

@Test func nvmlAbsentWhenNoLibraryExists() async throws {
    let context = HostContext(environment: [:], libraries: FolderLibraryLoader(folder: "/nonexistent-envlock-folder"), commands: GPUScriptedCommands())
    let outcome = await NVMLDetector().detect(in: context, earlier: [:])
    #expect(outcome.status == .absent)
    #expect(outcome.detail?.contains("libnvidia-ml.so.1 not found") == true)
}

@Test func nvmlThatIsNotALibraryFailsWithTheLoaderMessage() async throws {
    let tree = try GPUTestTree()
    try tree.write("/libs/libnvidia-ml.so.1", "not an ELF file")
    let context = HostContext(environment: [:], libraries: FolderLibraryLoader(folder: tree.root + "/libs"), commands: GPUScriptedCommands())
    let outcome = await NVMLDetector().detect(in: context, earlier: [:])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains("exists but could not be loaded") == true)
}

@Test func hungNVMLInitFailsAtTheDeadlineNamingIt() async throws {
    let context = try await GPUFakes.context("nvml-hang", commandTimeout: .milliseconds(300))
    let clock = ContinuousClock()
    let started = clock.now
    let outcome = await NVMLDetector().detect(in: context, earlier: [:])
    #expect(clock.now - started < .seconds(10)) // the fake nvmlInit sleeps 60 s
    #expect(outcome.status == .failed)
    // A slow init is common on a healthy machine without nvidia-persistenced: no "hung GPU".
    #expect(outcome.detail == "nvmlInit did not return within 300 ms (a slow or hung driver; nvidia-persistenced keeps initialisation fast)")
}

@Test func hungCUInitFailsAtTheDeadlineWithoutCallingTheGPUHung() async throws {
    let context = try await GPUFakes.context("nvml-hang", commandTimeout: .milliseconds(300))
    let clock = ContinuousClock()
    let started = clock.now
    let outcome = await CUDADriverDetector().detect(in: context, earlier: ["nvml": .failed("test")])
    #expect(clock.now - started < .seconds(10)) // the fake cuInit sleeps 60 s
    #expect(outcome.status == .failed)
    #expect(outcome.detail == "cuInit did not return within 300 ms (a slow or hung driver; nvidia-persistenced keeps initialisation fast)")
}

@Test func nvmlFallsBackToTheV1CUDAVersionWhenLibcudaIsNotLoadable() async throws {
    // NVIDIA_DRIVER_CAPABILITIES=utility: _v2 answers NVML_ERROR_LIBRARY_NOT_FOUND.
    let outcome = await NVMLDetector().detect(in: try await GPUFakes.context("nvml-utility"), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["cuda.driver_api"] == "12.2")
    #expect(outcome.facts["nvidia.driver"] == "535.104.05")
    #expect(outcome.diagnostics.isEmpty)
}

@Test func libraryNotFoundFromTheCUDAVersionQueryDoesNotSayReinstall() {
    for function in ["nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"] {
        let text = NVMLCallError(function: function, result: NVMLReturn(12)).description
        #expect(text.hasPrefix("\(function) returned NVML_ERROR_LIBRARY_NOT_FOUND (12): "))
        #expect(!text.contains("reinstall"), "\(text)")
        #expect(text.contains("NVIDIA_DRIVER_CAPABILITIES=utility"))
    }
    // Elsewhere NVML failing to load its own libraries is still a broken installation.
    #expect(NVMLCallError(function: "nvmlInit_v2", result: NVMLReturn(12)).description.contains("reinstall the NVIDIA driver"))
}

@Test func slowButHealthyNVMLAnswersAndTheFallbacksStandAside() async throws {
    // nvmlInit and cuInit take 2 s: past the prober's usual dependency wait, within NVML's 3 s.
    let context = try await GPUFakes.context("nvml-slow")
    let prober = Prober(detectors: [NVMLDetector(), CUDADriverDetector(), NvidiaSMIDetector()])
    let snapshot = await prober.probe(context)
    let reports = Dictionary(uniqueKeysWithValues: snapshot.detectors.map { ($0.name, $0) })
    #expect(reports["nvml"]?.status == .ok)
    #expect(reports["cuda-driver"]?.status == .skipped)
    #expect(reports["nvidia-smi"]?.status == .skipped)
    for report in snapshot.detectors {
        #expect(report.diagnostics.isEmpty, "\(report.name): \(report.diagnostics)")
    }
    #expect(snapshot.facts["gpu.count"] == "2")
    #expect(snapshot.facts["gpu.0.name"] == "NVIDIA L4")
}

@Test func hungNVMLInitGivesWayToCancellation() async throws {
    let context = try await GPUFakes.context("nvml-hang", commandTimeout: .seconds(60))
    let clock = ContinuousClock()
    let started = clock.now
    let task = Task { await NVMLDetector().detect(in: context, earlier: [:]) }
    try await Task.sleep(for: .milliseconds(200))
    task.cancel()
    let outcome = await task.value
    #expect(clock.now - started < .seconds(10)) // the fake nvmlInit sleeps 60 s
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains("abandoned") == true)
}

@Test func liveSourcesDoNotApplyToAForeignRoot() async throws {
    let tree = try GPUTestTree()
    let context = tree.context()
    let detectors: [any Detector] = [NVMLDetector(), CUDADriverDetector(), NvidiaSMIDetector()]
    let snapshot = await Prober(detectors: detectors).probe(context)
    for detector in detectors {
        let report = snapshot.detector(named: detector.name)
        #expect(report?.status == .skipped, "\(detector.name)")
        #expect(report?.detail == "--root \(tree.root): live driver queries describe this machine, not that tree")
    }
}

// MARK: libcuda

@Test func cudaDriverIsSkippedWhenNVMLAnswered() async throws {
    let outcome = await CUDADriverDetector().detect(in: try await GPUFakes.context("l4-a30"), earlier: ["nvml": .ok(["gpu.count": "2"])])
    #expect(outcome == .skipped("nvml already reported the GPUs"))
}

@Test func cudaDriverReportsTheGPUsWhenNVMLIsMissing() async throws {
    let context = try await GPUFakes.context("cuda-only")
    let nvml = await NVMLDetector().detect(in: context, earlier: [:])
    #expect(nvml.status == .absent)
    let outcome = await CUDADriverDetector().detect(in: context, earlier: ["nvml": nvml])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["cuda.driver_api"] == "12.2")
    #expect(outcome.facts["gpu.count"] == "2")
    #expect(outcome.facts["gpu.0.name"] == "NVIDIA L4")
    #expect(outcome.facts["gpu.0.compute_capability"] == "8.9")
    #expect(outcome.facts["gpu.1.name"] == "NVIDIA A30")
    #expect(outcome.facts["gpu.1.compute_capability"] == "8.0")
    #expect(outcome.facts["gpu.1.memory_mib"] == "24576")
    #expect(outcome.facts["nvidia.driver"] == nil) // libcuda cannot say
}

@Test func cudaDriverNumbersTheGPUsAsNVMLDoes() async throws {
    // The fake libcuda lists the A30 first (fastest first); the L4 has the lower PCI bus.
    let context = try await GPUFakes.context("l4-a30")
    let nvml = await NVMLDetector().detect(in: context, earlier: [:])
    let cuda = await CUDADriverDetector().detect(in: context, earlier: [:])
    #expect(nvml.status == .ok)
    #expect(cuda.status == .ok)
    #expect(cuda.facts["gpu.0.name"] == "NVIDIA L4")
    for key in ["gpu.count", "gpu.0.name", "gpu.0.compute_capability", "gpu.0.memory_mib", "gpu.1.name", "gpu.1.compute_capability", "gpu.1.memory_mib"] {
        #expect(cuda.facts[key] == nvml.facts[key], "\(key)")
    }
    #expect(cuda.diagnostics.isEmpty)
}

@Test func cudaDriverMismatchKeepsTheAPIVersion() async throws {
    let context = try await GPUFakes.context("nvml-error-18")
    let nvml = await NVMLDetector().detect(in: context, earlier: [:])
    let outcome = await CUDADriverDetector().detect(in: context, earlier: ["nvml": nvml])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains("cuInit returned CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803)") == true)
    #expect(outcome.facts == ["cuda.driver_api": "12.2"])
}

@Test func cudaDriverWithNoDevicesCountsZero() async throws {
    let context = try await GPUFakes.context("no-devices")
    let outcome = await CUDADriverDetector().detect(in: context, earlier: ["nvml": .failed("test")])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["gpu.count"] == "0")
    #expect(outcome.diagnostics.contains { $0.contains("CUDA_ERROR_NO_DEVICE (100)") })
}

@Test func cudaDriverNotesThatCUDAVisibleDevicesLimitsItsView() async throws {
    let context = try await GPUFakes.context("cuda-only", environment: ["CUDA_VISIBLE_DEVICES": "1"])
    let outcome = await CUDADriverDetector().detect(in: context, earlier: ["nvml": .absent("test")])
    #expect(outcome.diagnostics.contains { $0.contains("CUDA_VISIBLE_DEVICES=1") })
}

@Test func cudaDriverAbsentWhenNoLibraryExists() async throws {
    let context = HostContext(environment: [:], libraries: FolderLibraryLoader(folder: "/nonexistent-envlock-folder"), commands: GPUScriptedCommands())
    let outcome = await CUDADriverDetector().detect(in: context, earlier: ["nvml": .absent("test")])
    #expect(outcome.status == .absent)
    #expect(outcome.detail?.contains("libcuda.so.1 not found") == true)
}

// MARK: The list

@Test func gpuDetectorsAreListedInPrecedenceOrder() {
    let names = Detectors.all.map(\.name)
    let gpu = ["nvml", "cuda-driver", "nvidia-proc", "nvidia-smi", "cuda-toolkit", "cudnn-system"]
    #expect(names.filter { gpu.contains($0) } == gpu)
    #expect(Set(names).count == names.count)
    // Every dependency runs earlier in the list.
    for (position, detector) in Detectors.all.enumerated() {
        for dependency in detector.dependencies {
            #expect(names.firstIndex(of: dependency).map { $0 < position } == true, "\(detector.name) needs \(dependency)")
        }
    }
}

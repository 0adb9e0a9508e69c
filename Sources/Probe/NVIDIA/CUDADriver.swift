/// The CUDA driver API version and the GPUs, from `libcuda.so.1`, where NVML is absent or
/// fails (some containers mount libcuda without NVML; NVML can fail where CUDA still works).
///
/// Unlike NVML, libcuda honours `CUDA_VISIBLE_DEVICES`, and it reads the variable from the
/// process when `cuInit` runs, so envlock cannot look past it in-process; the outcome says so
/// whenever the variable is set.
///
/// libcuda numbers GPUs fastest first (unless `CUDA_DEVICE_ORDER=PCI_BUS_ID`), NVML and
/// nvidia-smi by PCI bus; the GPUs are reordered by PCI address so that `gpu.0` is the same
/// card whichever source answered (among the visible ones, when `CUDA_VISIBLE_DEVICES` hides
/// some: libcuda's view honours it).
struct CUDADriverDetector: Detector {
    let name = "cuda-driver"
    let provides = ["cuda.driver_api", "gpu."]
    let dependencies = ["nvml"]
    /// Just above NVML's own deadline (the context's 3 s command timeout): a slow but healthy
    /// NVML must get to answer before libcuda is asked the same question.
    let dependencyWait: Duration? = .milliseconds(3200)
    static let soname = "libcuda.so.1"

    func source(in context: HostContext) -> DetectorSource { LiveSource.source }

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        if earlier["nvml"]?.status == .ok { return .skipped("nvml already reported the GPUs") }
        let libraries = context.libraries
        let reading: CUDADriverReading
        let progress = InitProgress()
        do {
            reading = try await BlockingCall.run(timeout: context.commandBudget()) { Self.read(from: libraries, progress: progress) }
        } catch {
            return .failed(LiveSource.abandonedDetail(error, library: "libcuda", initCall: "cuInit", progress: progress))
        }
        var outcome = reading.outcome
        if let visible = context.environment["CUDA_VISIBLE_DEVICES"], outcome.status != .absent {
            outcome.diagnostics.append("CUDA_VISIBLE_DEVICES=\(visible): libcuda counts only the GPUs it makes visible, so gpu.count may be lower than the machine has")
        }
        return outcome
    }

    /// Loads libcuda from the first candidate that opens and reads the driver API version
    /// and every visible GPU, in PCI bus order. Blocks.
    static func read(from libraries: any LibraryLoader, progress: InitProgress = InitProgress()) -> CUDADriverReading {
        let library: DynamicLibrary
        do {
            library = try DynamicLibrary.open(soname, from: libraries)
        } catch {
            return .unavailable(error)
        }
        guard let cuda = CUDADriverLibrary(library) else {
            return .unusable(path: library.path, reason: "exports no cuInit, so it is not the CUDA driver library")
        }
        var found = CUDADriverReading.Found(path: library.path)
        // cuDriverGetVersion works before cuInit, so the API version survives an init failure.
        do {
            found.cudaDriverInteger = try cuda.driverVersion()
        } catch {
            found.diagnostics.append(error.description)
        }
        do {
            defer { progress.markReturned() }
            try cuda.start()
        } catch where error.result == CUDAResult.noDevice {
            // A working driver with nothing visible is a fact about the machine: no GPUs.
            found.diagnostics.append(error.description)
            return .found(found)
        } catch {
            return .initFailed(found, error: error)
        }
        do {
            let count = try cuda.deviceCount()
            var diagnostics: [String] = []
            let located = (0..<count).map { readDevice($0, cuda, &diagnostics) }
            found.devices = inPCIOrder(located, &diagnostics)
            found.diagnostics += diagnostics
        } catch {
            return .initFailed(found, error: error)
        }
        return .found(found)
    }

    /// The GPUs sorted by PCI address, as NVML and nvidia-smi number them; libcuda's own order
    /// when any address is unknown, with a diagnostic saying so.
    static func inPCIOrder(_ located: [(device: GPUDevice, location: Result<PCILocation, CUDACallError>)], _ diagnostics: inout [String]) -> [GPUDevice] {
        var keyed: [(location: PCILocation, cudaIndex: Int, device: GPUDevice)] = []
        for (cudaIndex, entry) in located.enumerated() {
            switch entry.location {
            case .success(let location):
                keyed.append((location, cudaIndex, entry.device))
            case .failure(let error):
                diagnostics.append("GPU \(cudaIndex): \(error); the GPUs keep libcuda's order (fastest first), which may number them differently from NVML and nvidia-smi")
                return located.map(\.device)
            }
        }
        return keyed.sorted { ($0.location, $0.cudaIndex) < ($1.location, $1.cudaIndex) }.map(\.device)
    }

    /// The common part from `GPUDeviceLibrary.readDevice`, the SMs, then the PCI address.
    private static func readDevice(_ index: Int, _ cuda: CUDADriverLibrary, _ diagnostics: inout [String]) -> (device: GPUDevice, location: Result<PCILocation, CUDACallError>) {
        var (device, handle) = cuda.readDevice(index, &diagnostics)
        if case .success(let handle) = handle {
            do { device.multiprocessorCount = try cuda.multiprocessorCount(of: handle) } catch { diagnostics.append("GPU \(index): \(error)") }
            do { device.maxThreadsPerMultiprocessor = try cuda.maxThreadsPerMultiprocessor(of: handle) } catch { diagnostics.append("GPU \(index): \(error)") }
        }
        return (device, handle.flatMap { handle in Result { () throws(CUDACallError) in try cuda.pciLocation(of: handle) } })
    }
}

/// What one libcuda session found, before it becomes facts.
enum CUDADriverReading: Sendable, Equatable {
    case unavailable(DynamicLibraryError)
    case unusable(path: String, reason: String)
    /// `cuInit` or `cuDeviceGetCount` failed; `Found` holds what was read before.
    case initFailed(Found, error: CUDACallError)
    case found(Found)

    struct Found: Sendable, Equatable {
        var path: String
        var cudaDriverInteger: Int?
        var devices: [GPUDevice] = []
        var diagnostics: [String] = []
    }

    var outcome: DetectorOutcome {
        switch self {
        case .unavailable(let error):
            return error.outcome
        case .unusable(let path, let reason):
            return .failed("\(path) \(reason)")
        case .initFailed(let found, let error):
            let facts = found.cudaDriverInteger.map { ["cuda.driver_api": GPUFacts.cudaVersion(fromDriverInteger: $0)] } ?? [:]
            return .failed("\(error) (\(found.path))", facts: facts, diagnostics: found.diagnostics)
        case .found(let found):
            let (facts, diagnostics) = GPUFacts.facts(driver: nil, cudaDriverInteger: found.cudaDriverInteger, devices: found.devices)
            return .ok(facts, diagnostics: found.diagnostics + diagnostics)
        }
    }
}

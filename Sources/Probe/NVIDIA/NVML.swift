/// The NVIDIA driver and every GPU, from NVML (`libnvidia-ml.so.1`), the library nvidia-smi
/// itself uses.
///
/// NVML ignores `CUDA_VISIBLE_DEVICES`, so the report lists every GPU the driver sees
/// whatever the job's environment hides; the variable is its own environment fact.
struct NVMLDetector: Detector {
    let name = "nvml"
    let provides = GPUFacts.provided
    static let soname = "libnvidia-ml.so.1"

    func source(in context: HostContext) -> DetectorSource { LiveSource.source }

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        let libraries = context.libraries
        let reading: NVMLReading
        let progress = InitProgress()
        do {
            // The context's command timeout (3 s) is NVML's deadline; cuda-driver and
            // nvidia-smi wait just longer than that for this detector.
            reading = try await BlockingCall.run(timeout: context.commandTimeout) { Self.read(from: libraries, progress: progress) }
        } catch {
            return .failed(LiveSource.abandonedDetail(error, library: "NVML", initCall: "nvmlInit", progress: progress))
        }
        return reading.outcome
    }

    /// Loads NVML from the first candidate that opens and reads the driver and every GPU.
    /// Blocks; always calls `nvmlShutdown` after a successful init.
    static func read(from libraries: any LibraryLoader, progress: InitProgress = InitProgress()) -> NVMLReading {
        let library: DynamicLibrary
        do {
            library = try DynamicLibrary.open(soname, from: libraries)
        } catch {
            return .unavailable(error)
        }
        guard let nvml = NVMLLibrary(library) else {
            return .unusable(path: library.path, reason: "exports neither nvmlInit_v2 nor nvmlInit, so it is not NVML")
        }
        do {
            defer { progress.markReturned() }
            try nvml.start()
        } catch {
            return .initFailed(path: library.path, error: error)
        }
        var reading = NVMLReading.Found(path: library.path)
        do {
            reading.driver = try nvml.driverVersion()
        } catch {
            reading.diagnostics.append(error.description)
        }
        do {
            reading.cudaDriverInteger = try nvml.cudaDriverVersion()
        } catch {
            reading.diagnostics.append(error.description)
        }
        do {
            let count = try nvml.deviceCount()
            var diagnostics: [String] = []
            reading.devices = (0..<count).map { readDevice($0, nvml, &diagnostics) }
            reading.diagnostics += diagnostics
        } catch {
            reading.countError = error
        }
        if let error = nvml.shutdown() { reading.diagnostics.append(error.description) }
        return .found(reading)
    }

    /// The common part from `GPUDeviceLibrary.readDevice`, then what only NVML tells.
    private static func readDevice(_ index: Int, _ nvml: NVMLLibrary, _ diagnostics: inout [String]) -> GPUDevice {
        var (device, handle) = nvml.readDevice(index, &diagnostics)
        guard case .success(let handle) = handle else { return device }
        func note(_ error: NVMLCallError) { diagnostics.append("GPU \(index): \(error)") }
        do { device.migEnabled = try nvml.migEnabled(of: handle) } catch { note(error) }
        do { device.uuid = try nvml.uuid(of: handle) } catch { note(error) }
        if device.migEnabled == true {
            // NVML: "On MIG-enabled GPUs, querying the device's core count is currently not
            // supported"; the job's SMs are its MIG device's, which each slice reports.
            diagnostics.append("GPU \(index): MIG mode is on, so a job's SMs are those of the MIG device it runs on (gpu.\(index).mig_device.M.sm_count), not the whole GPU's; gpu.\(index).sm_count and gpu.\(index).torch_rng_threshold are left out")
            device.migDevices = readMIGDevices(of: handle, gpu: index, nvml, &diagnostics)
        } else {
            do {
                device.cudaCores = try nvml.cudaCores(of: handle)
            } catch where error.result == .notSupported {
                diagnostics.append("GPU \(index): \(error.function) returned \(error.result): this GPU or driver does not report its cores, so gpu.\(index).sm_count and gpu.\(index).torch_rng_threshold are left out")
            } catch {
                note(error)
            }
        }
        return device
    }
}

/// The MIG devices of a GPU in MIG mode, in NVML's index order, each with its UUID and SMs.
private func readMIGDevices(of gpu: NVMLLibrary.Device, gpu index: Int, _ nvml: NVMLLibrary, _ diagnostics: inout [String]) -> [GPUDevice.MIGDevice] {
    func note(_ error: NVMLCallError, _ slot: Int? = nil) {
        diagnostics.append("GPU \(index)\(slot.map { " MIG device \($0)" } ?? ""): \(error)")
    }
    let slots: Int
    do { slots = try nvml.maxMigDeviceCount(of: gpu) } catch { note(error); return [] }
    var devices: [GPUDevice.MIGDevice] = []
    for slot in 0..<slots {
        let handle: NVMLLibrary.Device
        do {
            guard let found = try nvml.migDevice(of: gpu, at: slot) else { continue }
            handle = found
        } catch {
            note(error, slot)
            continue
        }
        var device = GPUDevice.MIGDevice(slot: slot)
        do { device.uuid = try nvml.uuid(of: handle) } catch { note(error, slot) }
        do { device.multiprocessorCount = try nvml.migMultiprocessorCount(of: handle) } catch { note(error, slot) }
        devices.append(device)
    }
    return devices
}

/// What one NVML session found, before it becomes facts.
enum NVMLReading: Sendable, Equatable {
    /// The library is not installed (or could not be loaded).
    case unavailable(DynamicLibraryError)
    /// A file by that name exists but is not a usable NVML.
    case unusable(path: String, reason: String)
    /// `nvmlInit` failed.
    case initFailed(path: String, error: NVMLCallError)
    case found(Found)

    struct Found: Sendable, Equatable {
        var path: String
        var driver: String?
        var cudaDriverInteger: Int?
        var devices: [GPUDevice] = []
        /// Set when the GPUs could not even be counted.
        var countError: NVMLCallError?
        var diagnostics: [String] = []
    }

    var outcome: DetectorOutcome {
        switch self {
        case .unavailable(let error):
            return error.outcome
        case .unusable(let path, let reason):
            return .failed("\(path) \(reason)")
        case .initFailed(let path, let error):
            return .failed("\(error) (\(path))")
        case .found(let found):
            var (facts, diagnostics) = GPUFacts.facts(driver: found.driver, cudaDriverInteger: found.cudaDriverInteger, devices: found.devices)
            diagnostics = found.diagnostics + diagnostics
            if let countError = found.countError {
                facts["gpu.count"] = nil
                return .failed("\(countError) (\(found.path))", facts: facts, diagnostics: diagnostics)
            }
            return .ok(facts, diagnostics: diagnostics)
        }
    }
}

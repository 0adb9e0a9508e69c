import EnvLock
import Synchronization

/// One GPU as a live source (NVML, libcuda, nvidia-smi) describes it; nil where the source
/// cannot say.
struct GPUDevice: Sendable, Equatable {
    public var name: String?
    var computeCapability: ComputeCapability?
    var memoryMiB: Int?
    /// Whether MIG mode is on. A card that cannot do MIG reports `false`: it is not partitioned.
    var migEnabled: Bool?
    var uuid: String?
    /// CUDA cores, as NVML counts them (`nvmlDeviceGetNumGpuCores`); SMs follow from the
    /// compute capability.
    var cudaCores: Int?
    /// SMs, as libcuda reports them (`CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT`): a MIG slice's
    /// own count where the slice is the device.
    var multiprocessorCount: Int?
    /// Threads an SM holds at once, as libcuda reports them
    /// (`CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR`).
    var maxThreadsPerMultiprocessor: Int?
    /// The MIG devices of a GPU in MIG mode, in NVML's index order (empty slots left out).
    var migDevices: [MIGDevice] = []

    /// One MIG device: a slice of the GPU that a job sees as a whole GPU.
    struct MIGDevice: Sendable, Equatable {
        /// NVML's index of the device on its GPU (`nvmlDeviceGetMigDeviceHandleByIndex`), which
        /// names its facts, so that an empty or unreadable slot renumbers no other.
        var slot: Int
        /// `MIG-…`, the name CUDA_VISIBLE_DEVICES selects it by.
        var uuid: String?
        var multiprocessorCount: Int?

        init(slot: Int, uuid: String? = nil, multiprocessorCount: Int? = nil) {
            self.slot = slot
            self.uuid = uuid
            self.multiprocessorCount = multiprocessorCount
        }
    }

    /// A GPU with whatever its source could say.
    init(name: String? = nil, computeCapability: ComputeCapability? = nil, memoryMiB: Int? = nil, migEnabled: Bool? = nil, uuid: String? = nil, cudaCores: Int? = nil, multiprocessorCount: Int? = nil, maxThreadsPerMultiprocessor: Int? = nil) {
        self.name = name
        self.computeCapability = computeCapability
        self.memoryMiB = memoryMiB
        self.migEnabled = migEnabled
        self.uuid = uuid
        self.cudaCores = cudaCores
        self.multiprocessorCount = multiprocessorCount
        self.maxThreadsPerMultiprocessor = maxThreadsPerMultiprocessor
    }
}

/// Turns what a GPU source read into the `nvidia.*`, `cuda.*` and `gpu.*` facts, in one place
/// so that NVML, libcuda and nvidia-smi write identical keys and value formats.
enum GPUFacts {
    /// The fact key prefixes the live GPU sources produce.
    static let provided = ["nvidia.driver", "cuda.driver_api", "gpu."]

    /// `12.2` from the driver's integer CUDA version `12020` (major * 1000 + minor * 10).
    static func cudaVersion(fromDriverInteger value: Int) -> String {
        "\(value / 1000).\((value % 1000) / 10)"
    }

    /// The facts for a driver version, a CUDA driver API version and the GPUs in source order.
    ///
    /// Returns the facts and, for each value that cannot be turned into a fact (an unknown
    /// compute capability), a diagnostic.
    public static func facts(driver: String?, cudaDriverInteger: Int?, devices: [GPUDevice]) -> (facts: [String: String], diagnostics: [String]) {
        var facts: [String: String] = [:]
        var diagnostics: [String] = []
        if let driver { facts["nvidia.driver"] = driver }
        if let cudaDriverInteger { facts["cuda.driver_api"] = cudaVersion(fromDriverInteger: cudaDriverInteger) }
        facts["gpu.count"] = String(devices.count)
        for (index, device) in devices.enumerated() {
            let prefix = "gpu.\(index)."
            if let name = device.name { facts[prefix + "name"] = name }
            if let capability = device.computeCapability {
                facts[prefix + "compute_capability"] = capability.description
                if let architecture = capability.architecture {
                    facts[prefix + "arch"] = architecture.rawValue
                } else {
                    diagnostics.append("GPU \(index): compute capability \(capability) is newer than envlock's architecture table; gpu.\(index).arch is left out, update envlock")
                }
            }
            if let memory = device.memoryMiB { facts[prefix + "memory_mib"] = String(memory) }
            if let mig = device.migEnabled { facts[prefix + "mig"] = mig ? "enabled" : "disabled" }
            if let uuid = device.uuid { facts[prefix + "uuid"] = uuid }
            let multiprocessors = multiprocessorCount(of: device, index: index, &diagnostics)
            let maxThreads = device.maxThreadsPerMultiprocessor ?? device.computeCapability?.maxThreadsPerMultiprocessor
            if let multiprocessors { facts[prefix + "sm_count"] = String(multiprocessors) }
            if let maxThreads { facts[prefix + "max_threads_per_sm"] = String(maxThreads) }
            if let multiprocessors, let maxThreads {
                facts[prefix + "torch_rng_threshold"] = String(TorchRandomGrid.sameDrawsLimit(multiprocessors: multiprocessors, maxThreadsPerMultiprocessor: maxThreads))
            } else if multiprocessors != nil, let capability = device.computeCapability {
                diagnostics.append("GPU \(index): envlock does not know the threads per SM of compute capability \(capability), so gpu.\(index).max_threads_per_sm and gpu.\(index).torch_rng_threshold are left out; update envlock")
            }
            for mig in device.migDevices {
                let migPrefix = prefix + "mig_device.\(mig.slot)."
                if let uuid = mig.uuid { facts[migPrefix + "uuid"] = uuid }
                guard let count = mig.multiprocessorCount else { continue }
                facts[migPrefix + "sm_count"] = String(count)
                if let maxThreads {
                    facts[migPrefix + "torch_rng_threshold"] = String(TorchRandomGrid.sameDrawsLimit(multiprocessors: count, maxThreadsPerMultiprocessor: maxThreads))
                }
            }
        }
        return (facts, diagnostics)
    }

    /// The GPU's SMs: libcuda's count as it is, NVML's cores divided by the cores per SM of the
    /// compute capability; nil, with a diagnostic, where the cores cannot be divided.
    private static func multiprocessorCount(of device: GPUDevice, index: Int, _ diagnostics: inout [String]) -> Int? {
        if let count = device.multiprocessorCount { return count }
        guard let cores = device.cudaCores, let capability = device.computeCapability else { return nil }
        guard let perMultiprocessor = capability.coresPerMultiprocessor else {
            diagnostics.append("GPU \(index): NVML reports \(cores) CUDA cores, but envlock does not know how many make an SM at compute capability \(capability); gpu.\(index).sm_count is left out, update envlock")
            return nil
        }
        guard cores > 0, cores % perMultiprocessor == 0 else {
            diagnostics.append("GPU \(index): NVML reports \(cores) CUDA cores, not a whole number of \(perMultiprocessor)-core SMs at compute capability \(capability); gpu.\(index).sm_count is left out")
            return nil
        }
        return cores / perMultiprocessor
    }
}

/// Whether a live source's init call (`nvmlInit`, `cuInit`) has returned, written by the thread
/// that queries the library and read by the task that gave up waiting for it, so that a timeout
/// names the call that did not return. A class because both sides must see one flag.
final class InitProgress: Sendable {
    private let returned = Atomic<Bool>(false)

    func markReturned() { returned.store(true, ordering: .releasing) }

    var hasReturned: Bool { returned.load(ordering: .acquiring) }
}

/// What the live GPU sources have in common.
enum LiveSource {
    /// What a live GPU source reads: the driver of this machine, which the `Prober` does not
    /// ask under a foreign `--root`.
    static let source = DetectorSource.runningMachine(reason: "live driver queries describe this machine, not that tree")

    /// Why a library session that was given up on gave no answer. A slow init is common on a
    /// healthy machine without nvidia-persistenced (the driver sets every GPU up first), so
    /// only a hang after init is called a hung GPU.
    static func abandonedDetail(_ error: BlockingCallError, library: String, initCall: String, progress: InitProgress) -> String {
        switch error {
        case .timedOut(let after) where !progress.hasReturned:
            "\(initCall) did not return within \(DurationText.seconds(after)) (a slow or hung driver; nvidia-persistenced keeps initialisation fast)"
        case .timedOut(let after):
            "\(library) did not answer within \(DurationText.seconds(after)) after \(initCall) returned: a GPU or its driver is hung; check dmesg for Xid errors"
        case .cancelled where !progress.hasReturned:
            "\(initCall) \(error)"
        case .cancelled, .threadNotStarted:
            "\(library) \(error)"
        }
    }
}

/// A driver library that numbers the GPUs and tells each one's name, compute capability and
/// memory (NVML, libcuda), so that one function reads that common part of a `GPUDevice`.
protocol GPUDeviceLibrary {
    associatedtype Handle
    associatedtype CallError: Error

    func device(at index: Int) throws(CallError) -> Handle
    func name(of device: Handle) throws(CallError) -> String
    func computeCapability(of device: Handle) throws(CallError) -> ComputeCapability
    func totalMemoryBytes(of device: Handle) throws(CallError) -> UInt64
}

extension GPUDeviceLibrary {
    /// GPU `index`'s name, compute capability and memory, each failure noted in `diagnostics`
    /// as `GPU N: why`; with the device's handle for the library's own questions, or the error
    /// that denied it.
    func readDevice(_ index: Int, _ diagnostics: inout [String]) -> (device: GPUDevice, handle: Result<Handle, CallError>) {
        var device = GPUDevice()
        let handle: Handle
        do {
            handle = try self.device(at: index)
        } catch {
            diagnostics.append("GPU \(index): \(error)")
            return (device, .failure(error))
        }
        func note(_ error: CallError) { diagnostics.append("GPU \(index): \(error)") }
        do { device.name = try name(of: handle) } catch { note(error) }
        do { device.computeCapability = try computeCapability(of: handle) } catch { note(error) }
        do { device.memoryMiB = Int(try totalMemoryBytes(of: handle) / (1 << 20)) } catch { note(error) }
        return (device, .success(handle))
    }
}

/// An `nvmlReturn_t` value, named as NVIDIA's `nvml.h` names it.
struct NVMLReturn: Sendable, Equatable, Hashable, CustomStringConvertible {
    var code: Int32

    /// The value a call returned.
    init(_ code: Int32) { self.code = code }

    static let success = NVMLReturn(0)
    static let notSupported = NVMLReturn(3)
    static let driverNotLoaded = NVMLReturn(9)
    static let libraryNotFound = NVMLReturn(12)
    static let libraryVersionMismatch = NVMLReturn(18)

    /// The constant's name in `nvml.h`, for example `NVML_ERROR_LIB_RM_VERSION_MISMATCH`.
    public var name: String {
        Self.names[code] ?? "NVML_ERROR_\(code)"
    }

    /// What the code means for the person running envlock, and what to do about it.
    var explanation: String {
        switch code {
        case 9: "the NVIDIA kernel module is not loaded; load it (modprobe nvidia) or reinstall the driver for the running kernel"
        case 12: "NVML could not load its own libraries; reinstall the NVIDIA driver"
        case 13: "this NVML is older than the function envlock called"
        case 15: "a GPU has fallen off the bus or become inaccessible; check dmesg for Xid errors and reset or power-cycle the GPU"
        case 16: "a GPU needs a reset before it can be used again"
        case 17: "the GPU device files are blocked by the operating system or cgroups; check the container's device access"
        case 18: "Driver/library version mismatch: the driver was upgraded without a reboot; reboot or reload the nvidia kernel module"
        case 4: "the current user may not query the GPU; check the permissions of /dev/nvidia*"
        case 10: "the driver did not answer in time"
        case 999: "an internal driver error occurred; check dmesg for Xid errors"
        default: "see nvml.h for \(name)"
        }
    }

    /// `NVML_ERROR_LIB_RM_VERSION_MISMATCH (18)`.
    var description: String { "\(name) (\(code))" }

    private static let names: [Int32: String] = [
        0: "NVML_SUCCESS",
        1: "NVML_ERROR_UNINITIALIZED",
        2: "NVML_ERROR_INVALID_ARGUMENT",
        3: "NVML_ERROR_NOT_SUPPORTED",
        4: "NVML_ERROR_NO_PERMISSION",
        5: "NVML_ERROR_ALREADY_INITIALIZED",
        6: "NVML_ERROR_NOT_FOUND",
        7: "NVML_ERROR_INSUFFICIENT_SIZE",
        8: "NVML_ERROR_INSUFFICIENT_POWER",
        9: "NVML_ERROR_DRIVER_NOT_LOADED",
        10: "NVML_ERROR_TIMEOUT",
        11: "NVML_ERROR_IRQ_ISSUE",
        12: "NVML_ERROR_LIBRARY_NOT_FOUND",
        13: "NVML_ERROR_FUNCTION_NOT_FOUND",
        14: "NVML_ERROR_CORRUPTED_INFOROM",
        15: "NVML_ERROR_GPU_IS_LOST",
        16: "NVML_ERROR_RESET_REQUIRED",
        17: "NVML_ERROR_OPERATING_SYSTEM",
        18: "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
        19: "NVML_ERROR_IN_USE",
        20: "NVML_ERROR_MEMORY",
        21: "NVML_ERROR_NO_DATA",
        22: "NVML_ERROR_VGPU_ECC_NOT_SUPPORTED",
        23: "NVML_ERROR_INSUFFICIENT_RESOURCES",
        24: "NVML_ERROR_FREQ_NOT_SUPPORTED",
        25: "NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
        26: "NVML_ERROR_DEPRECATED",
        27: "NVML_ERROR_NOT_READY",
        28: "NVML_ERROR_GPU_NOT_FOUND",
        29: "NVML_ERROR_INVALID_STATE",
        999: "NVML_ERROR_UNKNOWN",
    ]
}

/// A failed NVML call: which function, and what it returned.
struct NVMLCallError: Error, Sendable, Equatable, CustomStringConvertible {
    var function: String
    var result: NVMLReturn

    /// `function` returned `result`.
    init(function: String, result: NVMLReturn) {
        self.function = function
        self.result = result
    }

    var description: String {
        "\(function) returned \(result): \(explanation)"
    }

    /// The result's meaning for this function: `NVML_ERROR_LIBRARY_NOT_FOUND` from the CUDA
    /// version query means libcuda is missing, which is normal in a container without the
    /// `compute` driver capability, not a broken driver.
    var explanation: String {
        if result == .libraryNotFound && function.hasPrefix("nvmlSystemGetCudaDriverVersion") {
            return "NVML could not load libcuda.so.1 to ask its CUDA version (normal in a container started with NVIDIA_DRIVER_CAPABILITIES=utility, without compute); start the container with the compute capability if it runs CUDA"
        }
        return result.explanation
    }
}

/// `libnvidia-ml.so.1` seen as Swift functions. Every C signature and buffer size of NVML
/// lives here; callers get strings, numbers and `NVMLCallError`s.
///
/// Not `Sendable`: one instance is made and used on the single thread that queries NVML.
struct NVMLLibrary {
    typealias Device = OpaquePointer
    private typealias NoArguments = @convention(c) () -> Int32
    private typealias GetCount = @convention(c) (UnsafeMutablePointer<UInt32>?) -> Int32
    private typealias GetHandle = @convention(c) (UInt32, UnsafeMutablePointer<Device?>?) -> Int32
    private typealias GetSystemString = @convention(c) (UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    private typealias GetSystemInt = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    private typealias GetDeviceString = @convention(c) (Device?, UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    private typealias GetIntPair = @convention(c) (Device?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32
    private typealias GetUIntPair = @convention(c) (Device?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> Int32
    private typealias GetUInt = @convention(c) (Device?, UnsafeMutablePointer<UInt32>?) -> Int32
    private typealias GetMigDevice = @convention(c) (Device?, UInt32, UnsafeMutablePointer<Device?>?) -> Int32
    /// Takes an `nvmlDeviceAttributes_t *`, which begins with `unsigned int multiprocessorCount`
    /// and has grown over driver releases (6 fields, then 8 and a 64-bit memory size).
    private typealias GetAttributes = @convention(c) (Device?, UnsafeMutableRawPointer?) -> Int32
    /// Takes an `nvmlMemory_t *`: three `unsigned long long`, total, free and used.
    private typealias GetMemory = @convention(c) (Device?, UnsafeMutablePointer<UInt64>?) -> Int32

    // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE is 80, NVML_DEVICE_NAME_V2_BUFFER_SIZE and
    // NVML_DEVICE_UUID_V2_BUFFER_SIZE are 96.
    private static let driverVersionCapacity = 80
    private static let deviceStringCapacity = 96

    let library: DynamicLibrary
    /// The init symbol found (`nvmlInit_v2`, or `nvmlInit` in drivers before 2013).
    let initSymbol: String
    private let initialize: NoArguments
    private let shutdownFunction: NoArguments?
    private let getCount: (symbol: String, function: GetCount)?
    private let getHandle: (symbol: String, function: GetHandle)?
    private let getDriverVersion: GetSystemString?
    /// `nvmlSystemGetCudaDriverVersion_v2`, which asks libcuda, and the v1 symbol, which
    /// answers NVML's own CUDA version where libcuda cannot be loaded.
    private let getCudaDriverVersionV2: GetSystemInt?
    private let getCudaDriverVersionV1: GetSystemInt?
    private let getName: GetDeviceString?
    private let getUUID: GetDeviceString?
    private let getComputeCapability: GetIntPair?
    private let getMemory: GetMemory?
    private let getMigMode: GetUIntPair?
    private let getCoreCount: GetUInt?
    private let getMaxMigDeviceCount: GetUInt?
    private let getMigDevice: GetMigDevice?
    private let getAttributes: GetAttributes?

    /// Looks up the functions envlock uses, preferring the `_v2` symbols; nil when the library
    /// has no init function at all (it is not NVML).
    init?(_ library: DynamicLibrary) {
        guard let initialize = library.firstFunction(["nvmlInit_v2", "nvmlInit"], as: NoArguments.self) else { return nil }
        self.library = library
        self.initSymbol = initialize.symbol
        self.initialize = initialize.function
        shutdownFunction = library.function("nvmlShutdown", as: NoArguments.self)
        getCount = library.firstFunction(["nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"], as: GetCount.self)
        getHandle = library.firstFunction(["nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"], as: GetHandle.self)
        getDriverVersion = library.function("nvmlSystemGetDriverVersion", as: GetSystemString.self)
        getCudaDriverVersionV2 = library.function("nvmlSystemGetCudaDriverVersion_v2", as: GetSystemInt.self)
        getCudaDriverVersionV1 = library.function("nvmlSystemGetCudaDriverVersion", as: GetSystemInt.self)
        getName = library.function("nvmlDeviceGetName", as: GetDeviceString.self)
        getUUID = library.function("nvmlDeviceGetUUID", as: GetDeviceString.self)
        getComputeCapability = library.function("nvmlDeviceGetCudaComputeCapability", as: GetIntPair.self)
        getMemory = library.function("nvmlDeviceGetMemoryInfo", as: GetMemory.self)
        getMigMode = library.function("nvmlDeviceGetMigMode", as: GetUIntPair.self)
        getCoreCount = library.function("nvmlDeviceGetNumGpuCores", as: GetUInt.self)
        getMaxMigDeviceCount = library.function("nvmlDeviceGetMaxMigDeviceCount", as: GetUInt.self)
        getMigDevice = library.function("nvmlDeviceGetMigDeviceHandleByIndex", as: GetMigDevice.self)
        getAttributes = library.firstFunction(["nvmlDeviceGetAttributes_v2", "nvmlDeviceGetAttributes"], as: GetAttributes.self)?.function
    }

    /// A function the library does not export, reported as NVML itself would.
    private func missing(_ function: String) -> NVMLCallError {
        NVMLCallError(function: function, result: NVMLReturn(13))
    }

    private func check(_ function: String, _ code: Int32) throws(NVMLCallError) {
        if code != 0 { throw NVMLCallError(function: function, result: NVMLReturn(code)) }
    }

    func start() throws(NVMLCallError) {
        try check(initSymbol, initialize())
    }

    /// `nvmlShutdown`; returns its error, if any, for a diagnostic.
    func shutdown() -> NVMLCallError? {
        guard let shutdownFunction else { return missing("nvmlShutdown") }
        let code = shutdownFunction()
        return code == 0 ? nil : NVMLCallError(function: "nvmlShutdown", result: NVMLReturn(code))
    }

    func driverVersion() throws(NVMLCallError) -> String {
        guard let getDriverVersion else { throw missing("nvmlSystemGetDriverVersion") }
        let (status, text) = withCStringBuffer(capacity: Self.driverVersionCapacity) { getDriverVersion($0, UInt32($1)) }
        try check("nvmlSystemGetDriverVersion", status)
        return text
    }

    /// The driver's CUDA version as NVML encodes it (`12020` for 12.2).
    ///
    /// `_v2` reads it from libcuda and returns `NVML_ERROR_LIBRARY_NOT_FOUND` where libcuda is
    /// not loadable (a container with `NVIDIA_DRIVER_CAPABILITIES=utility`); the v1 symbol then
    /// answers the version NVML itself knows, which comes with the same driver.
    func cudaDriverVersion() throws(NVMLCallError) -> Int {
        var value: Int32 = 0
        if let getCudaDriverVersionV2 {
            let code = getCudaDriverVersionV2(&value)
            if code == 0 { return Int(value) }
            guard code == NVMLReturn.libraryNotFound.code, getCudaDriverVersionV1 != nil else {
                throw NVMLCallError(function: "nvmlSystemGetCudaDriverVersion_v2", result: NVMLReturn(code))
            }
        }
        guard let getCudaDriverVersionV1 else { throw missing("nvmlSystemGetCudaDriverVersion") }
        try check("nvmlSystemGetCudaDriverVersion", getCudaDriverVersionV1(&value))
        return Int(value)
    }

    func deviceCount() throws(NVMLCallError) -> Int {
        guard let getCount else { throw missing("nvmlDeviceGetCount_v2") }
        var count: UInt32 = 0
        try check(getCount.symbol, getCount.function(&count))
        return Int(count)
    }

    func device(at index: Int) throws(NVMLCallError) -> Device {
        guard let getHandle else { throw missing("nvmlDeviceGetHandleByIndex_v2") }
        var device: Device?
        try check(getHandle.symbol, getHandle.function(UInt32(index), &device))
        guard let device else { throw NVMLCallError(function: getHandle.symbol, result: NVMLReturn(999)) }
        return device
    }

    func name(of device: Device) throws(NVMLCallError) -> String {
        try deviceString("nvmlDeviceGetName", getName, device)
    }

    func uuid(of device: Device) throws(NVMLCallError) -> String {
        try deviceString("nvmlDeviceGetUUID", getUUID, device)
    }

    func computeCapability(of device: Device) throws(NVMLCallError) -> ComputeCapability {
        guard let getComputeCapability else { throw missing("nvmlDeviceGetCudaComputeCapability") }
        var major: Int32 = 0
        var minor: Int32 = 0
        try check("nvmlDeviceGetCudaComputeCapability", getComputeCapability(device, &major, &minor))
        return ComputeCapability(major: Int(major), minor: Int(minor))
    }

    func totalMemoryBytes(of device: Device) throws(NVMLCallError) -> UInt64 {
        guard let getMemory else { throw missing("nvmlDeviceGetMemoryInfo") }
        var memory: [UInt64] = [0, 0, 0]
        try check("nvmlDeviceGetMemoryInfo", getMemory(device, &memory))
        return memory[0]
    }

    /// Whether MIG mode is currently on; `false` for a card that does not support MIG.
    func migEnabled(of device: Device) throws(NVMLCallError) -> Bool {
        guard let getMigMode else { throw missing("nvmlDeviceGetMigMode") }
        var current: UInt32 = 0
        var pending: UInt32 = 0
        let code = getMigMode(device, &current, &pending)
        if code == NVMLReturn.notSupported.code { return false }
        try check("nvmlDeviceGetMigMode", code)
        return current == 1 // NVML_DEVICE_MIG_ENABLE
    }

    /// The GPU's CUDA cores (`nvmlDeviceGetNumGpuCores`); `NVML_ERROR_NOT_SUPPORTED` under MIG
    /// and on GPUs or drivers that do not count them.
    func cudaCores(of device: Device) throws(NVMLCallError) -> Int {
        guard let getCoreCount else { throw missing("nvmlDeviceGetNumGpuCores") }
        var cores: UInt32 = 0
        try check("nvmlDeviceGetNumGpuCores", getCoreCount(device, &cores))
        return Int(cores)
    }

    /// How many MIG devices the GPU can hold (7 on an A100 or H100); each index below it may
    /// hold one.
    func maxMigDeviceCount(of device: Device) throws(NVMLCallError) -> Int {
        guard let getMaxMigDeviceCount else { throw missing("nvmlDeviceGetMaxMigDeviceCount") }
        var count: UInt32 = 0
        try check("nvmlDeviceGetMaxMigDeviceCount", getMaxMigDeviceCount(device, &count))
        return Int(count)
    }

    /// The MIG device at `index` of a GPU in MIG mode; nil where that slot holds none
    /// (`NVML_ERROR_NOT_FOUND`).
    func migDevice(of device: Device, at index: Int) throws(NVMLCallError) -> Device? {
        guard let getMigDevice else { throw missing("nvmlDeviceGetMigDeviceHandleByIndex") }
        var migDevice: Device?
        let code = getMigDevice(device, UInt32(index), &migDevice)
        if code == Self.notFound { return nil }
        try check("nvmlDeviceGetMigDeviceHandleByIndex", code)
        guard let migDevice else { throw NVMLCallError(function: "nvmlDeviceGetMigDeviceHandleByIndex", result: NVMLReturn(999)) }
        return migDevice
    }

    /// A MIG device's SMs (`nvmlDeviceGetAttributes`, which answers only for MIG devices).
    func migMultiprocessorCount(of migDevice: Device) throws(NVMLCallError) -> Int {
        guard let getAttributes else { throw missing("nvmlDeviceGetAttributes_v2") }
        // Larger than any nvmlDeviceAttributes_t so far (40 bytes), zeroed.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        try check("nvmlDeviceGetAttributes_v2", getAttributes(migDevice, buffer))
        return Int(buffer.load(as: UInt32.self))
    }

    private static let notFound: Int32 = 6

    private func deviceString(_ function: String, _ call: GetDeviceString?, _ device: Device) throws(NVMLCallError) -> String {
        guard let call else { throw missing(function) }
        let (status, text) = withCStringBuffer(capacity: Self.deviceStringCapacity) { call(device, $0, UInt32($1)) }
        try check(function, status)
        return text
    }
}

extension NVMLLibrary: GPUDeviceLibrary {}

/// A `CUresult` value, named as NVIDIA's `cuda.h` names it.
struct CUDAResult: Sendable, Equatable, Hashable, CustomStringConvertible {
    var code: Int32

    /// The value a call returned.
    init(_ code: Int32) { self.code = code }

    /// `CUDA_ERROR_NO_DEVICE`: the driver works but no GPU is visible.
    static let noDevice = CUDAResult(100)

    /// The constant's name in `cuda.h`, for example `CUDA_ERROR_NO_DEVICE`.
    public var name: String { Self.names[code] ?? "CUDA_ERROR_\(code)" }

    /// What the code means for the person running envlock.
    var explanation: String {
        switch code {
        case 34: "this libcuda.so.1 is the CUDA toolkit's stub, not the driver's library; put the driver's libcuda first on the library path"
        case 35: "the installed NVIDIA driver is older than this libcuda; reinstall the driver"
        case 100: "no CUDA-capable GPU is visible (CUDA_VISIBLE_DEVICES may hide them all)"
        case 304: "the operating system refused the call; check the container's device access"
        case 803: "the driver's libcuda and kernel module come from different driver versions; reboot or reload the nvidia kernel module"
        case 804: "this forward-compatibility libcuda does not support this GPU"
        case 999: "an internal driver error occurred; check dmesg for Xid errors"
        default: "see cuda.h for \(name)"
        }
    }

    /// `CUDA_ERROR_NO_DEVICE (100)`.
    var description: String { "\(name) (\(code))" }

    private static let names: [Int32: String] = [
        0: "CUDA_SUCCESS",
        1: "CUDA_ERROR_INVALID_VALUE",
        2: "CUDA_ERROR_OUT_OF_MEMORY",
        3: "CUDA_ERROR_NOT_INITIALIZED",
        4: "CUDA_ERROR_DEINITIALIZED",
        34: "CUDA_ERROR_STUB_LIBRARY",
        35: "CUDA_ERROR_INSUFFICIENT_DRIVER",
        46: "CUDA_ERROR_DEVICE_UNAVAILABLE",
        100: "CUDA_ERROR_NO_DEVICE",
        101: "CUDA_ERROR_INVALID_DEVICE",
        304: "CUDA_ERROR_OPERATING_SYSTEM",
        500: "CUDA_ERROR_NOT_FOUND",
        803: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        804: "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        999: "CUDA_ERROR_UNKNOWN",
    ]
}

/// A failed CUDA driver API call: which function, and what it returned.
struct CUDACallError: Error, Sendable, Equatable, CustomStringConvertible {
    var function: String
    var result: CUDAResult

    /// `function` returned `result`.
    init(function: String, result: CUDAResult) {
        self.function = function
        self.result = result
    }

    var description: String { "\(function) returned \(result): \(result.explanation)" }

    /// A function the library does not export (CUDA_ERROR_NOT_FOUND).
    static func missing(_ function: String) -> CUDACallError {
        CUDACallError(function: function, result: CUDAResult(500))
    }
}

/// A GPU's PCI address (`0000:17:00`), ordered as NVML and nvidia-smi order GPUs.
struct PCILocation: Sendable, Equatable, Comparable, CustomStringConvertible {
    var domain: Int
    var bus: Int
    var device: Int

    static func < (left: PCILocation, right: PCILocation) -> Bool {
        (left.domain, left.bus, left.device) < (right.domain, right.bus, right.device)
    }

    /// `0000:17:00`, as lspci and nvidia-smi write it.
    var description: String {
        func hex(_ value: Int, _ width: Int) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(hex(domain, 4)):\(hex(bus, 2)):\(hex(device, 2))"
    }
}

/// `libcuda.so.1` seen as Swift functions. Every C signature of the driver API that envlock
/// uses lives here.
///
/// Not `Sendable`: one instance is made and used on the single thread that queries libcuda.
struct CUDADriverLibrary {
    private typealias Initialize = @convention(c) (UInt32) -> Int32
    private typealias GetInt = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    private typealias GetDevice = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private typealias GetName = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32
    private typealias GetAttribute = @convention(c) (UnsafeMutablePointer<Int32>?, Int32, Int32) -> Int32
    private typealias GetTotalMemory = @convention(c) (UnsafeMutablePointer<Int>?, Int32) -> Int32

    // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR and _MINOR.
    private static let computeCapabilityMajor: Int32 = 75
    private static let computeCapabilityMinor: Int32 = 76
    // CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, _PCI_BUS_ID and _PCI_DEVICE_ID.
    private static let pciDomain: Int32 = 50
    private static let pciBus: Int32 = 33
    private static let pciDevice: Int32 = 34
    // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT and _MAX_THREADS_PER_MULTIPROCESSOR (cuda.h).
    private static let multiprocessorCount: Int32 = 16
    private static let maxThreadsPerMultiprocessor: Int32 = 39

    let library: DynamicLibrary
    private let initialize: Initialize
    private let getDriverVersion: GetInt?
    private let getCount: GetInt?
    private let getDevice: GetDevice?
    private let getName: GetName?
    private let getAttribute: GetAttribute?
    private let getTotalMemory: GetTotalMemory?

    /// Looks up the functions envlock uses; nil when the library has no `cuInit` at all.
    init?(_ library: DynamicLibrary) {
        guard let initialize = library.function("cuInit", as: Initialize.self) else { return nil }
        self.library = library
        self.initialize = initialize
        getDriverVersion = library.function("cuDriverGetVersion", as: GetInt.self)
        getCount = library.function("cuDeviceGetCount", as: GetInt.self)
        getDevice = library.function("cuDeviceGet", as: GetDevice.self)
        getName = library.function("cuDeviceGetName", as: GetName.self)
        getAttribute = library.function("cuDeviceGetAttribute", as: GetAttribute.self)
        // The unversioned cuDeviceTotalMem writes a 32-bit count (CUDA before 3.2): not used.
        getTotalMemory = library.function("cuDeviceTotalMem_v2", as: GetTotalMemory.self)
    }

    private func check(_ function: String, _ code: Int32) throws(CUDACallError) {
        if code != 0 { throw CUDACallError(function: function, result: CUDAResult(code)) }
    }

    func start() throws(CUDACallError) {
        try check("cuInit", initialize(0))
    }

    /// The driver's CUDA version as an integer (`12020` for 12.2).
    func driverVersion() throws(CUDACallError) -> Int {
        guard let getDriverVersion else { throw .missing("cuDriverGetVersion") }
        var value: Int32 = 0
        try check("cuDriverGetVersion", getDriverVersion(&value))
        return Int(value)
    }

    func deviceCount() throws(CUDACallError) -> Int {
        guard let getCount else { throw .missing("cuDeviceGetCount") }
        var count: Int32 = 0
        try check("cuDeviceGetCount", getCount(&count))
        return Int(count)
    }

    /// The `CUdevice` for ordinal `index`.
    func device(at index: Int) throws(CUDACallError) -> Int32 {
        guard let getDevice else { throw .missing("cuDeviceGet") }
        var device: Int32 = 0
        try check("cuDeviceGet", getDevice(&device, Int32(index)))
        return device
    }

    func name(of device: Int32) throws(CUDACallError) -> String {
        guard let getName else { throw .missing("cuDeviceGetName") }
        let (status, text) = withCStringBuffer(capacity: 256) { getName($0, Int32($1), device) }
        try check("cuDeviceGetName", status)
        return text
    }

    func computeCapability(of device: Int32) throws(CUDACallError) -> ComputeCapability {
        guard let getAttribute else { throw .missing("cuDeviceGetAttribute") }
        var major: Int32 = 0
        var minor: Int32 = 0
        try check("cuDeviceGetAttribute", getAttribute(&major, Self.computeCapabilityMajor, device))
        try check("cuDeviceGetAttribute", getAttribute(&minor, Self.computeCapabilityMinor, device))
        return ComputeCapability(major: Int(major), minor: Int(minor))
    }

    /// Where the GPU sits on the PCI bus, the order NVML and nvidia-smi number GPUs in.
    func pciLocation(of device: Int32) throws(CUDACallError) -> PCILocation {
        guard let getAttribute else { throw .missing("cuDeviceGetAttribute") }
        var domain: Int32 = 0
        var bus: Int32 = 0
        var slot: Int32 = 0
        try check("cuDeviceGetAttribute(PCI_DOMAIN_ID)", getAttribute(&domain, Self.pciDomain, device))
        try check("cuDeviceGetAttribute(PCI_BUS_ID)", getAttribute(&bus, Self.pciBus, device))
        try check("cuDeviceGetAttribute(PCI_DEVICE_ID)", getAttribute(&slot, Self.pciDevice, device))
        return PCILocation(domain: Int(domain), bus: Int(bus), device: Int(slot))
    }

    /// The SMs of the device: a MIG slice's own, where the slice is the device.
    func multiprocessorCount(of device: Int32) throws(CUDACallError) -> Int {
        try attribute(Self.multiprocessorCount, named: "MULTIPROCESSOR_COUNT", of: device)
    }

    /// The threads one SM holds at once.
    func maxThreadsPerMultiprocessor(of device: Int32) throws(CUDACallError) -> Int {
        try attribute(Self.maxThreadsPerMultiprocessor, named: "MAX_THREADS_PER_MULTIPROCESSOR", of: device)
    }

    private func attribute(_ attribute: Int32, named name: String, of device: Int32) throws(CUDACallError) -> Int {
        guard let getAttribute else { throw .missing("cuDeviceGetAttribute") }
        var value: Int32 = 0
        try check("cuDeviceGetAttribute(\(name))", getAttribute(&value, attribute, device))
        return Int(value)
    }

    func totalMemoryBytes(of device: Int32) throws(CUDACallError) -> UInt64 {
        guard let getTotalMemory else { throw .missing("cuDeviceTotalMem_v2") }
        var bytes = 0
        try check("cuDeviceTotalMem_v2", getTotalMemory(&bytes, device))
        return UInt64(bytes)
    }
}

extension CUDADriverLibrary: GPUDeviceLibrary {}

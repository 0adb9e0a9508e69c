/// A CUDA compute capability such as 8.9, as NVML, libcuda and nvidia-smi report it.
struct ComputeCapability: Sendable, Equatable, Hashable, CustomStringConvertible {
    var major: Int
    var minor: Int

    /// The capability `major.minor`.
    init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Reads `8.9` (nvidia-smi's `compute_cap`); nil for anything else.
    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else { return nil }
        self.init(major: major, minor: minor)
    }

    /// `8.9`, the form written into `gpu.N.compute_capability`.
    var description: String { "\(major).\(minor)" }

    /// The NVIDIA architecture family, or nil for a capability this table does not know yet.
    var architecture: GPUArchitecture? { GPUArchitecture(self) }
}

/// The NVIDIA GPU architecture families that a compute capability identifies.
///
/// Kernels are compiled per architecture, so two cards of one family with the same
/// capability run the same code paths; this is why `gpu.N.arch` is worth pinning.
enum GPUArchitecture: String, Sendable, CaseIterable {
    case tesla = "Tesla"
    case fermi = "Fermi"
    case kepler = "Kepler"
    case maxwell = "Maxwell"
    case pascal = "Pascal"
    case volta = "Volta"
    case turing = "Turing"
    case ampere = "Ampere"
    case ada = "Ada"
    case hopper = "Hopper"
    case blackwell = "Blackwell"

    /// The family of `capability`, following NVIDIA's CUDA GPU compute capability table.
    ///
    /// 7.2 is Volta (Jetson Xavier); 8.7 is Ampere (Jetson Orin); 10.x, 11.x (Jetson Thor,
    /// renumbered from 10.1 in CUDA 13) and 12.x are Blackwell.
    init?(_ capability: ComputeCapability) {
        switch (capability.major, capability.minor) {
        case (1, _): self = .tesla
        case (2, _): self = .fermi
        case (3, _): self = .kepler
        case (5, _): self = .maxwell
        case (6, _): self = .pascal
        case (7, 0), (7, 2): self = .volta
        case (7, 5): self = .turing
        case (8, 0), (8, 6), (8, 7): self = .ampere
        case (8, 9): self = .ada
        case (9, 0): self = .hopper
        case (10, _), (11, _), (12, _): self = .blackwell
        default: return nil
        }
    }
}

extension ComputeCapability {
    /// CUDA cores per SM, to turn NVML's core count into SMs; nil for a capability outside
    /// the table.
    ///
    /// From NVIDIA's cuda-samples `Common/helper_cuda.h` (`_ConvertSMVer2Cores`, read at
    /// 81992093), kept to the capabilities whose thread limit `maxThreadsPerMultiprocessor`
    /// also knows: a fact is derived from both or not at all. An L4 (8.9) reports 7,424 cores,
    /// 58 SMs of 128; an A30 (8.0) 3,584, 56 SMs of 64.
    var coresPerMultiprocessor: Int? { Self.multiprocessorTable[self]?.cores }

    /// The most threads an SM holds at once (`cudaDeviceProp.maxThreadsPerMultiProcessor`),
    /// which PyTorch divides by 256 to size its random-number grids; nil outside the table.
    ///
    /// From NVIDIA CCCL's `cudax/include/cuda/experimental/__device/arch_traits.cuh`
    /// (`max_threads_per_multiprocessor`, read at 0e28ed7c), which lists exactly these
    /// capabilities. libcuda reports the value itself; the table serves NVML, which does not.
    var maxThreadsPerMultiprocessor: Int? { Self.multiprocessorTable[self]?.maxThreads }

    private static let multiprocessorTable: [ComputeCapability: (cores: Int, maxThreads: Int)] = [
        ComputeCapability(major: 6, minor: 0): (64, 2048),
        ComputeCapability(major: 7, minor: 0): (64, 2048),
        ComputeCapability(major: 7, minor: 5): (64, 1024),
        ComputeCapability(major: 8, minor: 0): (64, 2048),
        ComputeCapability(major: 8, minor: 6): (128, 1536),
        ComputeCapability(major: 8, minor: 9): (128, 1536),
        ComputeCapability(major: 9, minor: 0): (128, 2048),
    ]
}

/// A CUDA compute capability such as 8.9, as NVML, libcuda and nvidia-smi report it.
public struct ComputeCapability: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    /// The capability `major.minor`.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Reads `8.9` (nvidia-smi's `compute_cap`); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else { return nil }
        self.init(major: major, minor: minor)
    }

    /// `8.9`, the form written into `gpu.N.compute_capability`.
    public var description: String { "\(major).\(minor)" }

    /// The NVIDIA architecture family, or nil for a capability this table does not know yet.
    public var architecture: GPUArchitecture? { GPUArchitecture(self) }
}

/// The NVIDIA GPU architecture families that a compute capability identifies.
///
/// Kernels are compiled per architecture, so two cards of one family with the same
/// capability run the same code paths; this is why `gpu.N.arch` is worth pinning.
public enum GPUArchitecture: String, Sendable, CaseIterable {
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
    public init?(_ capability: ComputeCapability) {
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

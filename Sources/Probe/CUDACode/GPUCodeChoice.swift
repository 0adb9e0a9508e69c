import EnvLock

/// Which of a library's GPU code a GPU runs, as the CUDA driver picks it when it loads the
/// library's fat binaries.
///
/// The rule, from NVIDIA's CUDA C++ Programming Guide ("Binary Compatibility", "PTX
/// Compatibility", "Application Compatibility", docs.nvidia.com/cuda/cuda-c-programming-guide):
/// a cubin built for compute capability X.y runs only on devices of compute capability X.z
/// with z ≥ y ("guaranteed from one minor revision to the next one, but not from one minor
/// revision to the previous one or across major revisions"); PTX built for a compute
/// capability runs, compiled just in time by the driver, on that one and every later one;
/// the driver uses a compatible binary when there is one and compiles PTX only otherwise.
/// Architecture-specific builds (`sm_90a`, `compute_90a`) use features of that one compute
/// capability and run only on it (the Programming Guide's "Feature Availability", and
/// NVIDIA's "NVIDIA Blackwell and NVIDIA CUDA 12.9 Introduce Family-Specific Architecture
/// Features", developer.nvidia.com/blog). So an L4 (8.9) runs the sm_86 SASS of a wheel built
/// without sm_89, an A30 (8.0) runs sm_80, and an H100 (9.0) given only sm_80, sm_86 and
/// compute_80 JIT-compiles compute_80: the driver's compiler then decides its machine code.
enum GPUCodeChoice: Equatable, Sendable {
    /// The SASS of this variant runs as built.
    case sass(GPUCodeVariant)
    /// No SASS fits; the driver compiles this PTX when the library loads.
    case ptx(GPUCodeVariant)
    /// Nothing fits: the library's kernels fail to launch ("no kernel image is available").
    case none

    /// The value of `cuda_code.COMPONENT.gpu.N`: `sm_86`, `ptx compute_80`, or `none`.
    var factValue: String {
        switch self {
        case .sass(let variant): variant.name
        case .ptx(let variant): "ptx " + variant.name
        case .none: "none"
        }
    }

    /// The code a GPU of compute capability `gpu` runs from `variants`.
    static func choose(for gpu: ArchListEntry.Capability, from variants: Set<GPUCodeVariant>) -> GPUCodeChoice {
        // The compatibility rule is the one the xformers arch-list cross-check applies
        // (`ArchListEntry.runs(on:)`): one rule, two sources of what was built.
        func fits(_ variant: GPUCodeVariant) -> Bool {
            ArchListEntry(capability: .init(major: variant.major, minor: variant.minor), hasPTX: variant.kind == .ptx, isArchSpecific: variant.archSpecific).runs(on: gpu)
        }
        // On a tie the architecture-specific build wins: it was built for exactly this GPU.
        if let sass = variants.filter({ $0.kind == .sass && fits($0) }).max() { return .sass(sass) }
        if let ptx = variants.filter({ $0.kind == .ptx && fits($0) }).max() { return .ptx(ptx) }
        return .none
    }
}

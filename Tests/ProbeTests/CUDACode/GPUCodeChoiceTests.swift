import EnvLock
@testable import Probe
import Testing

/// Which code a GPU runs, as the CUDA driver chooses it (the rule GPUCodeChoice cites).
@Suite struct GPUCodeChoiceTests {
    static func variants(_ names: [String]) -> Set<GPUCodeVariant> {
        Set(names.map { GPUCodeVariant(name: $0)! })
    }

    @Test(arguments: [
        // An L4 runs the sm_86 SASS of a wheel built without sm_89.
        ("8.9", ["sm_80", "sm_86"], "sm_86"),
        // An A30 runs sm_80.
        ("8.0", ["sm_80", "sm_86"], "sm_80"),
        // An H100 has no SASS of its major version: the driver JIT-compiles the PTX.
        ("9.0", ["sm_80", "sm_86", "compute_80"], "ptx compute_80"),
        // The highest PTX at or below the GPU's capability, never above it.
        ("9.0", ["sm_80", "compute_50", "compute_80", "compute_100"], "ptx compute_80"),
        // SASS of the same major version wins over newer PTX.
        ("8.6", ["sm_80", "compute_86"], "sm_80"),
        // An sm_90a-only build runs on 9.0 and nowhere else.
        ("9.0", ["sm_90a"], "sm_90a"),
        ("10.0", ["sm_90a"], "none"),
        ("10.0", ["sm_90a", "compute_90a"], "none"),
        // Given both, 9.0 takes the build made for it; a later 9.x would take the plain one.
        ("9.0", ["sm_90", "sm_90a"], "sm_90a"),
        // Nothing at all, or only code of a later GPU.
        ("8.6", [], "none"),
        ("7.5", ["sm_80", "compute_80"], "none"),
        // Blackwell's three-digit architectures.
        ("12.1", ["sm_100", "sm_120"], "sm_120"),
        ("10.3", ["sm_100", "sm_120"], "sm_100"),
    ] as [(String, [String], String)])
    func theDriverRunsTheBestCodeThatFits(capability: String, built: [String], runs: String) throws {
        let gpu = try #require(ArchListEntry.Capability(capability))
        #expect(GPUCodeChoice.choose(for: gpu, from: Self.variants(built)).factValue == runs)
    }

    @Test func variantNamesRoundTrip() {
        for name in ["sm_50", "sm_86", "sm_90a", "sm_120", "compute_80", "compute_90a"] {
            #expect(GPUCodeVariant(name: name)?.name == name)
        }
        for name in ["sm_", "sm_8x", "compute_", "sm_090", "ptx_80", "sm_12345", "sm_80aa"] {
            #expect(GPUCodeVariant(name: name) == nil, "\(name)")
        }
    }
}

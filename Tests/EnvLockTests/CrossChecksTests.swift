import Testing
@testable import EnvLock

@Suite struct CrossChecksTests {
    /// A consistent torch 2.2.0 cu121 stack with xformers 0.0.24 on an RTX 3090 and an H100.
    static let consistent: [String: String] = [
        "python.version": "3.10.13",
        "torch.version": "2.2.0+cu121", "torch.cuda": "12.1",
        "torchvision.version": "0.17.0+cu121", "torchvision.cuda": "12.1",
        "xformers.version": "0.0.24", "xformers.build.torch": "2.2.0+cu121", "xformers.build.cuda": "12.1",
        "xformers.build.python": "3.10.13", "xformers.build.arch_list": "5.0+PTX 6.0 6.1 7.0 7.5 8.0+PTX 9.0",
        "gpu.0.compute_capability": "8.6", "gpu.1.compute_capability": "9.0",
    ]

    static func with(_ changes: [String: String?]) -> [String: String] {
        var facts = consistent
        for (key, value) in changes { facts[key] = value }
        return facts
    }

    @Test func aConsistentStackHasNoFindings() {
        #expect(CrossChecks.findings(Self.consistent).isEmpty)
    }

    @Test(arguments: [
        ("2.2.1+cu121", true),   // another release
        ("2.2.0+cu118", true),   // same release, another CUDA build
        ("2.2.0", false),        // no tag to compare (conda's torch): not provably different
        ("2.2.0+cu121", false),
    ])
    func xformersAgainstAnotherTorch(installed: String, flagged: Bool) {
        let findings = CrossChecks.findings(Self.with(["torch.version": installed]))
        #expect(findings.map(\.code) == (flagged ? ["xformers-torch-mismatch"] : []))
        if flagged {
            #expect(findings[0].keys == ["xformers.build.torch", "torch.version"])
            #expect(findings[0].message.contains("built for torch 2.2.0+cu121 but torch \(installed) is installed"))
            #expect(findings[0].message.contains("Install the xformers release built for torch \(installed)"))
        }
    }

    @Test func xformersForAnotherPython() {
        let findings = CrossChecks.findings(Self.with(["python.version": "3.11.7"]))
        #expect(findings.map(\.code) == ["xformers-python-mismatch"])
        #expect(CrossChecks.findings(Self.with(["python.version": "3.10.12"])).isEmpty)
    }

    @Test(arguments: [("11.8", "CUDA 11.8"), ("None", "no CUDA (a CPU build)")])
    func torchvisionForAnotherCUDA(vision: String, described: String) {
        let findings = CrossChecks.findings(Self.with(["torchvision.cuda": vision]))
        #expect(findings.map(\.code) == ["torchvision-cuda-mismatch"])
        #expect(findings[0].keys == ["torchvision.cuda", "torch.cuda"])
        #expect(findings[0].message.contains("built for \(described) but torch 2.2.0+cu121 is built for CUDA 12.1"))
    }

    @Test func aMinorCUDADifferenceLoadsButIsStillFlagged() {
        let major = CrossChecks.findings(Self.with(["torchvision.cuda": "11.8"]))
        #expect(major.first?.message.contains("fail to load") == true)
        let minor = CrossChecks.findings(Self.with(["torchvision.cuda": "12.4"]))
        #expect(minor.map(\.code) == ["torchvision-cuda-mismatch"])
        #expect(minor.first?.message.contains("torchvision loads, but") == true)
    }

    @Test func familyArchitecturesCoverLaterMinorVersions() {
        let blackwell = Self.with(["xformers.build.arch_list": "9.0a 10.0f", "gpu.0.compute_capability": "10.3", "gpu.1.compute_capability": "9.0"])
        #expect(CrossChecks.findings(blackwell).isEmpty)
        let hopperOnly = Self.with(["xformers.build.arch_list": "9.0a", "gpu.0.compute_capability": "9.0", "gpu.1.compute_capability": "10.0"])
        #expect(CrossChecks.findings(hopperOnly).map(\.code) == ["gpu-not-in-xformers-arch-list"])
    }

    @Test func missingFactsAreNotFindings() {
        #expect(CrossChecks.findings(["torch.version": "2.2.0+cu121"]).isEmpty)
        #expect(CrossChecks.findings(["xformers.build.torch": "None", "torch.version": "2.2.0"]).isEmpty)
        #expect(CrossChecks.findings(Self.with(["xformers.build.arch_list": "None", "gpu.0.compute_capability": "3.0"])).isEmpty)
    }

    @Test(arguments: [
        // The 0.0.24 wheel's list: SASS 5.0-9.0, PTX from 5.0 and 8.0.
        ("5.0+PTX 6.0 6.1 7.0 7.5 8.0+PTX 9.0", "3.7", false),
        ("5.0+PTX 6.0 6.1 7.0 7.5 8.0+PTX 9.0", "8.9", true),
        ("5.0+PTX 6.0 6.1 7.0 7.5 8.0+PTX 9.0", "12.0", true),   // PTX 8.0 is compiled by the driver
        ("8.6", "8.6", true), ("8.6", "8.9", true), ("8.6", "8.0", false), ("8.6", "9.0", false),
        ("8.0;8.6;9.0a", "9.0", true), ("9.0a", "10.0", false),
        ("Ampere", "8.7", true), ("Ampere", "9.0", true), ("Turing", "8.0", true), ("Volta+Tegra", "7.5", true), ("Volta+Tegra", "8.0", false),
    ])
    func archListCoverage(list: String, capability: String, covered: Bool) {
        let facts = ["xformers.build.arch_list": list, "gpu.0.compute_capability": capability, "gpu.0.name": "Some GPU"]
        let findings = CrossChecks.findings(facts)
        #expect(findings.map(\.code) == (covered ? [] : ["gpu-not-in-xformers-arch-list"]))
        if !covered {
            #expect(findings[0].message.contains("GPU 0 (Some GPU) has compute capability \(capability)"))
            #expect(findings[0].message.contains("TORCH_CUDA_ARCH_LIST including \(capability)"))
        }
    }

    @Test func gpusAreReportedInIndexOrder() {
        let facts = [
            "xformers.build.arch_list": "8.6",
            "gpu.10.compute_capability": "7.5", "gpu.2.compute_capability": "7.0", "gpu.1.compute_capability": "8.6",
        ]
        #expect(CrossChecks.findings(facts).map(\.keys[0]) == ["gpu.2.compute_capability", "gpu.10.compute_capability"])
    }
}

import Testing
@testable import EnvLock

@Suite struct FactCatalogTests {
    /// Every backticked token of docs/FACTS.md, with the placeholders N and NAME made concrete.
    static func documentedKeys() throws -> [String] {
        let text = String(decoding: try TestFiles.bytes(SharedData.packageRoot + "/docs/FACTS.md"), as: UTF8.self)
        return text.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map {
            String($0.element).replacing(".N.", with: ".0.").replacing(".NAME", with: ".example")
        }
    }

    @Test func everyCatalogEntryIsDocumented() throws {
        let documented = try Self.documentedKeys()
        for entry in FactCatalog.entries {
            #expect(documented.contains { entry.pattern.matches($0) }, "\(entry.pattern) is not in docs/FACTS.md")
        }
    }

    @Test func differencesExplainThemselves() {
        let differences = FactDiff.compare(["gpu.0.name": "NVIDIA L4", "torch.version": "2.2.0+cu121"], ["gpu.0.name": "NVIDIA A30"])
        #expect(differences.map(\.key) == ["gpu.0.name", "torch.version"])
        #expect(differences[0].why.contains("88.75%"))
        #expect(differences[1].right == nil)
    }

    @Test func impactsFollowTheIssueTable() {
        let expected: [String: FactImpact] = [
            "torch.version": .changesResults, "torchvision.cuda": .changesResults, "xformers.build.torch": .changesResults,
            "cudnn.runtime": .changesResults, "cufft.runtime": .changesResults, "python.packages.torch": .changesResults,
            "python.packages.nvidia-cudnn-cu12": .changesResults, "gpu.0.name": .changesResults, "gpu.1.compute_capability": .changesResults,
            "gpu.0.mig": .changesResults, "env.CUBLAS_WORKSPACE_CONFIG": .changesResults, "env.NVIDIA_TF32_OVERRIDE": .changesResults,
            "job.fooocus.attention": .changesResults, "job.fooocus.precision.unet": .changesResults,
            "nvidia.driver": .mayChangeResults, "cuda.driver_api": .mayChangeResults, "python.packages.pillow": .mayChangeResults,
            "python.version": .mayChangeResults, "host.kernel": .mayChangeResults, "host.glibc": .mayChangeResults,
            "host.cpu.flags": .mayChangeResults, "some.unknown.key": .mayChangeResults,
            "host.name": .noEffect, "gpu.0.uuid": .noEffect, "gpu.0.memory_mib": .noEffect, "python.prefix": .noEffect, "python.path.0": .noEffect,
        ]
        for (key, impact) in expected {
            #expect(FactCatalog.impact(of: key) == impact, "\(key)")
        }
    }

    /// `python.packages.NAME.files` is a key a rule may name, for any NAME, wildcards included;
    /// a NAME that is not normalized is refused with the spelling that matches.
    @Test func packageFileKeysAreReportable() {
        for key in ["python.packages.torch.files", "python.packages.nvidia-*-cu12.files", "python.packages.*.files"] {
            #expect(FactCatalog.unreportableKeyProblem(FactPattern(key)!) == nil, "\(key)")
            #expect(FactCatalog.impact(of: key.replacing("*", with: "x")) == .changesResults, "\(key)")
        }
        #expect(FactCatalog.unreportableKeyProblem(FactPattern("python.packages.Torch_Vision.files")!)?.hasSuffix("write 'python.packages.torch-vision.files'") == true)
        #expect(FactCatalog.unreportableKeyProblem(FactPattern("python.packages.torch.file")!) != nil)
    }

    /// docs/FACTS.md's impact column says what the catalog says, entry by entry.
    @Test func documentedImpactsMatchTheCatalog() throws {
        let text = String(decoding: try TestFiles.bytes(SharedData.packageRoot + "/docs/FACTS.md"), as: UTF8.self)
        let section = try #require(text.split(separator: "## Impact").last)
        for entry in FactCatalog.entries {
            let row = "| `\(entry.pattern)` | \(entry.impact.phrase) |"
            #expect(section.contains(row), "docs/FACTS.md lacks \(row)")
        }
    }
}

/// What `diff` and `fleet` say when two machines run different GPU code from their libraries.
@Suite struct GPUCodeExplanationTests {
    @Test func twoMachinesRunningDifferentKernels() {
        let l4 = ["cuda_code.torch.gpu.0": "sm_86", "cuda_code.torch.sass": #"["sm_80","sm_86"]"#]
        let a30 = ["cuda_code.torch.gpu.0": "sm_80", "cuda_code.torch.sass": #"["sm_80","sm_86","sm_89"]"#]
        let differences = FactDiff.compare(l4, a30)
        #expect(differences.map(\.key) == ["cuda_code.torch.gpu.0", "cuda_code.torch.sass"])
        #expect(differences.allSatisfy { $0.impact == .changesResults })
        #expect(differences[0].explanation == "A runs sm_86 kernels, B runs sm_80 kernels")
        #expect(differences[1].explanation == "B's torch has SASS for sm_89 that A's lacks")
    }

    @Test func jitAndNothingToRunAreSaidSo() {
        #expect(DifferenceExplanation.gpuCode("cuda_code.xformers.gpu.1", left: "ptx compute_80", right: "none")
            == "A JIT-compiles compute_80 PTX for GPU 1 (the driver's compiler decides the kernels), B has no xformers code GPU 1 can run (its kernels fail to launch)")
        #expect(DifferenceExplanation.gpuCode("cuda_code.torch.gpu.0", left: nil, right: "sm_90")
            == "only B reports which torch code GPU 0 runs: B runs sm_90 kernels")
        #expect(DifferenceExplanation.gpuCode("gpu.0.name", left: "L4", right: "A30") == nil)
    }
}

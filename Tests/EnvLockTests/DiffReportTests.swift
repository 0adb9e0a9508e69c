import Testing
@testable import EnvLock

@Suite struct DiffReportTests {
    static let venv: [String: String] = [
        "env.CUBLAS_WORKSPACE_CONFIG": ":4096:8", "torch.version": "2.2.0+cu121", "host.name": "w17",
        "python.prefix": "/opt/venv", "python.version": "3.10.12",
    ]

    /// A venv against a system Python: a hundred package lines must not bury the one
    /// difference that changes images.
    static func venvAgainstSystemPython() -> DiffReport {
        var system = venv
        system["env.CUBLAS_WORKSPACE_CONFIG"] = nil
        system["host.name"] = "w03"
        system["python.prefix"] = "/usr"
        var venvFacts = venv
        for index in 0..<100 { venvFacts["python.packages.pkg-\(index)"] = "1.0.\(index)" }
        return DiffReport(left: "venv.json", right: "system.json", differences: FactDiff.compare(venvFacts, system))
    }

    @Test func rankedByImpactThenKey() {
        let report = Self.venvAgainstSystemPython()
        #expect(report.differences.first?.key == "env.CUBLAS_WORKSPACE_CONFIG")
        #expect(report.differences.first?.impact == .changesResults)
        #expect(report.differences.map(\.impact) == report.differences.map(\.impact).sorted())
        #expect(report.differences.suffix(2).map(\.key) == ["host.name", "python.prefix"])
        #expect(report.summary == "1 difference changes results, 100 may, 2 have no effect")
    }

    @Test func noiseIsFoldedInTextButNotInJSON() {
        let report = Self.venvAgainstSystemPython()
        let text = report.text(all: false)
        #expect(text.contains("- env.CUBLAS_WORKSPACE_CONFIG: \":4096:8\" (only in A)"))
        #expect(text.contains("set only on A; on B the variable is unset"))
        #expect(!text.contains("python.packages.pkg-7:"))
        #expect(text.contains("… 100 more folded: python.packages.* (100); --all lists them"))
        #expect(text.contains("… 2 more folded: host.* (1), python.* (1); --all lists them"))
        #expect(report.text(all: true).contains("- python.packages.pkg-7: \"1.0.7\" (only in A)"))
        guard case .object(let members) = report.document, case .array(let listed)? = members.first(where: { $0.key == "differences" })?.value else {
            Issue.record("the JSON document has no differences array")
            return
        }
        #expect(listed.count == 103)
    }

    @Test func shortFamiliesThatMayChangeResultsStayListed() {
        let report = DiffReport(left: "a", right: "b", differences: FactDiff.compare(["python.packages.numpy": "1.26.4", "nvidia.driver": "535.104.05"], ["python.packages.numpy": "1.26.3", "nvidia.driver": "550.54.15"]))
        let section = report.section(.mayChangeResults, all: false)
        #expect(section.shown.map(\.key) == ["nvidia.driver", "python.packages.numpy"])
        #expect(section.folded.isEmpty)
    }

    @Test func modifiedFilesSayWhichSideRunsOtherCode() {
        let key = "python.packages.torch.files"
        let modified = "modified: 1 file: torch/nn/functional.py (bytes differ)"
        let cases: [(String?, String?, String)] = [
            ("intact", modified, "B runs torch files that are not what its wheel installed (edited, missing or planted; the version is the same), A's are as its wheel installed them; reinstall on B with pip install --force-reinstall --no-deps torch"),
            (modified, "intact", "A runs torch files that are not what its wheel installed (edited, missing or planted; the version is the same), B's are as its wheel installed them; reinstall on A with pip install --force-reinstall --no-deps torch"),
            (modified, nil, "A runs torch files that are not what its wheel installed (edited, missing or planted; the version is the same), B did not check them; reinstall on A with pip install --force-reinstall --no-deps torch"),
            (modified, modified + "x", "the installed files of torch differ from its RECORD on both sides, in other files: each runs code its wheel did not install"),
            ("intact", nil, "only A checked the files of torch against their RECORD"),
        ]
        for (a, b, explanation) in cases {
            let difference = FactDiff.compare(a.map { [key: $0] } ?? [:], b.map { [key: $0] } ?? [:])
            #expect(difference.map(\.explanation) == [explanation])
            #expect(difference.map(\.impact) == [.changesResults])
        }
    }

    @Test func versionsSayDirectionAndDistance() {
        #expect(DifferenceExplanation.versions("2.1.2+cu118", "2.2.0+cu121") == "B is newer by 1 minor version (2.1.2+cu118 → 2.2.0+cu121), and another build")
        #expect(DifferenceExplanation.versions("550.54.15", "535.104.05") == "A is newer by 15 major versions (550.54.15 → 535.104.05)")
        #expect(DifferenceExplanation.versions("1.26.3", "2.0.0") == "B is newer by 1 major version (1.26.3 → 2.0.0)")
        #expect(DifferenceExplanation.versions("8.9.2.26", "8.9.2.27") == "B is newer by 1 micro version (8.9.2.26 → 8.9.2.27)")
        #expect(DifferenceExplanation.versions("2.2.0+cu118", "2.2.0+cu121") == "same release 2.2.0, another build: +cu118 on A, +cu121 on B")
        #expect(DifferenceExplanation.versions("Ampere", "Ada") == nil)
    }

    @Test func gpusNameTheirArchitectures() {
        let l4 = ["gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada"]
        let a30 = ["gpu.0.name": "NVIDIA A30", "gpu.0.compute_capability": "8.0", "gpu.0.arch": "Ampere"]
        let l40s = ["gpu.0.name": "NVIDIA L40S", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada"]
        #expect(DifferenceExplanation.gpus(index: "0", left: l4, right: a30) == "L4 is sm_89 (Ada), A30 is sm_80 (Ampere): PyTorch selects different attention and GEMM kernels")
        #expect(DifferenceExplanation.gpus(index: "0", left: l4, right: l40s)?.hasPrefix("L4 and L40S are both sm_89 (Ada)") == true)
        #expect(DifferenceExplanation.gpus(index: "0", left: l4, right: [:])?.hasPrefix("only A has a GPU 0 (L4, sm_89 (Ada))") == true)
    }

    /// The issue's sentence: "B's 56 SMs draw different CUDA random numbers above N elements",
    /// for every key of the grid, and nothing version-like for counts.
    @Test func randomGridsSayAboveWhichSizeTheNoiseDiffers() {
        let l4 = ["gpu.0.sm_count": "58", "gpu.0.max_threads_per_sm": "1536", "gpu.0.torch_rng_threshold": "89088"]
        let a30 = ["gpu.0.sm_count": "56", "gpu.0.max_threads_per_sm": "2048", "gpu.0.torch_rng_threshold": "114688"]
        let h100Slice = ["gpu.0.sm_count": "16", "gpu.0.max_threads_per_sm": "2048", "gpu.0.torch_rng_threshold": "32768"]
        let text = DifferenceExplanation.explain("gpu.0.torch_rng_threshold", left: l4, right: a30)
        #expect(text?.hasPrefix("B's 56 SMs (8 blocks of 256 threads each) draw different CUDA random numbers from A's 58 SMs (6 blocks of 256 threads each) above 89088 elements") == true, "\(text ?? "nil")")
        #expect(text?.contains("89088 threads on A and 114688 on B") == true)
        // The factors point to the threshold rather than repeat it.
        for key in ["gpu.0.sm_count", "gpu.0.max_threads_per_sm"] {
            #expect(DifferenceExplanation.explain(key, left: l4, right: a30) == "A's gpu.0 has 58 SMs (6 blocks of 256 threads each), B's has 56 SMs (8 blocks of 256 threads each): gpu.0.torch_rng_threshold says where their CUDA random numbers part")
        }
        // The smaller of the two thresholds, whichever side it is on.
        #expect(DifferenceExplanation.explain("gpu.0.torch_rng_threshold", left: a30, right: h100Slice)?.contains("above 32768 elements") == true)
        // Same grid from other factors: 64 SMs x 6 blocks and 48 SMs x 8 blocks.
        let sixes = ["gpu.0.sm_count": "64", "gpu.0.max_threads_per_sm": "1536", "gpu.0.torch_rng_threshold": "98304"]
        let eights = ["gpu.0.sm_count": "48", "gpu.0.max_threads_per_sm": "2048", "gpu.0.torch_rng_threshold": "98304"]
        #expect(DifferenceExplanation.explain("gpu.0.torch_rng_threshold", left: sixes, right: eights)?.contains("one seed draws the same values on both") == true)
        // One side without the facts: no invented grid, and no "newer by 2 major versions".
        #expect(DifferenceExplanation.explain("gpu.0.sm_count", left: ["gpu.0.sm_count": "58"], right: ["gpu.0.sm_count": "56"]) == nil)
    }

    /// A MIG device's grid is explained as a GPU's is, with its GPU's threads per SM; sizes and
    /// counts are never read as versions.
    @Test func migDevicesAndQuantitiesAreNoVersions() {
        let a = ["gpu.0.max_threads_per_sm": "2048", "gpu.0.mig_device.0.sm_count": "16", "gpu.0.mig_device.0.torch_rng_threshold": "32768"]
        let b = ["gpu.0.max_threads_per_sm": "2048", "gpu.0.mig_device.0.sm_count": "32", "gpu.0.mig_device.0.torch_rng_threshold": "65536"]
        #expect(DifferenceExplanation.explain("gpu.0.mig_device.0.torch_rng_threshold", left: a, right: b)?.hasPrefix("B's 32 SMs (8 blocks of 256 threads each) draw different CUDA random numbers from A's 16 SMs (8 blocks of 256 threads each) above 32768 elements") == true)
        #expect(DifferenceExplanation.explain("gpu.0.mig_device.0.sm_count", left: a, right: b) == "A's gpu.0.mig_device.0 has 16 SMs (8 blocks of 256 threads each), B's has 32 SMs (8 blocks of 256 threads each): gpu.0.mig_device.0.torch_rng_threshold says where their CUDA random numbers part")
        for key in ["gpu.0.memory_mib", "gpu.count", "runtime.process.pid"] {
            #expect(DifferenceExplanation.explain(key, left: [key: "23034"], right: [key: "24576"]) == nil, "\(key)")
        }
    }

    @Test func sameArchitectureGPUsNameTheirSMCounts() {
        let l40s = ["gpu.0.name": "NVIDIA L40S", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada", "gpu.0.sm_count": "142", "gpu.0.max_threads_per_sm": "1536", "gpu.0.torch_rng_threshold": "218112"]
        let l4 = ["gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada", "gpu.0.sm_count": "58", "gpu.0.max_threads_per_sm": "1536", "gpu.0.torch_rng_threshold": "89088"]
        #expect(DifferenceExplanation.gpus(index: "0", left: l4, right: l40s) == "L4 and L40S are both sm_89 (Ada): the same kernel builds, but 58 against 142 SMs and other clocks change which kernels autotuning and split heuristics pick")
    }

    @Test func keysOnOneSideSayWhatTheirAbsenceMeans() {
        #expect(DifferenceExplanation.oneSide("python.packages.xformers", value: "0.0.24", present: "A", missing: "B") == "installed only on A; B does not have this distribution")
        #expect(DifferenceExplanation.oneSide("job.fooocus.attention", value: "pytorch", present: "B", missing: "A").hasPrefix("only B's job sets it"))
        #expect(DifferenceExplanation.oneSide("cudnn.system", value: "8.9.2", present: "A", missing: "B") == "only A reports it: B does not have it, or its probe could not read it")
    }

    /// A checkout that differs from its commit is named on whichever side it is, for both apps.
    @Test func aModifiedCheckoutIsExplainedOnEitherSide() {
        let modified = #"modified (2 files): ["modules/flags.py","new.py (untracked)"]"#
        for key in ["job.fooocus.tree", "job.comfyui.tree"] {
            let bModified = DifferenceExplanation.explain(key, left: [key: "clean"], right: [key: modified])
            #expect(bModified == "B's checkout differs from its commit in 2 files, A's holds its commit exactly: at the same commit B runs other code")
            let aModified = DifferenceExplanation.explain(key, left: [key: modified], right: [key: "clean"])
            #expect(aModified?.hasPrefix("A's checkout differs from its commit in 2 files") == true)
            let both = DifferenceExplanation.explain(key, left: [key: modified], right: [key: "modified (1 file): [\"a.py\"]"])
            #expect(both == "both checkouts differ from their commits (A in 2 files, B in 1 file): the code that runs is neither commit's")
            #expect(DifferenceExplanation.explain(key, left: [:], right: [key: "clean"])?.hasPrefix("A's checkout was not verified") == true)
            #expect(DifferenceExplanation.explain(key, left: [key: modified], right: [:])?.hasPrefix("B's checkout was not verified") == true)
        }
        // Not a checkout fact: the version explanation still applies.
        #expect(DifferenceExplanation.explain("job.fooocus.version", left: ["job.fooocus.version": "2.5.4"], right: ["job.fooocus.version": "2.5.5"])?.hasPrefix("B is newer") == true)
    }

    @Test func hostileValuesCannotForgeLines() {
        let report = DiffReport(left: "a\nPASS", right: "b", differences: FactDiff.compare(["torch.version": "2.2.0\n~ forged"], ["torch.version": "2.2.0"]))
        let text = report.text(all: false)
        #expect(!text.contains("\n~ forged"))
        #expect(!text.contains("\nPASS"))
        let markdown = report.markdown(all: false)
        #expect(!markdown.contains("\n~ forged"))
        #expect(markdown.split(separator: "\n").filter { $0.hasPrefix("| `torch.version`") || $0.hasPrefix("| torch") }.count == 1)
    }
}

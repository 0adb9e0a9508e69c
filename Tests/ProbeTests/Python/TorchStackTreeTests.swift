@testable import EnvLock
import Testing
@testable import Probe

/// Site-packages trees shaped like real torch + torchvision + xformers installs, built from the
/// real version.py, cpp_lib.json and METADATA files in ../shared/fixtures/real, then probed
/// by the whole Python detector chain and cross-checked.
@Suite struct TorchStackTreeTests {
    static let real = SharedData.realFixtures
    static let chain: [any Detector] = [
        SitePackagesDetector(), TorchBuildDetector(), TorchvisionBuildDetector(), XFormersBuildDetector(), CUDAWheelsDetector(),
    ]

    static func probe(_ site: String) async -> (facts: [String: String], outcomes: [String: DetectorOutcome]) {
        let outcomes = await runPythonChain(pythonContext(sitePackages: [site]), chain)
        var facts: [String: String] = [:]
        for outcome in outcomes.values { facts.merge(outcome.facts) { first, _ in first } }
        return (facts, outcomes)
    }

    /// torch, its wheel's name, version and the nvidia wheels it pins (`Requires-Dist:
    /// nvidia-...-cu12 (==V)` lines of a real torch METADATA).
    static func pinnedNvidiaWheels(_ metadata: String) -> [(name: String, version: String)] {
        metadata.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("Requires-Dist: nvidia-"), let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")") else { return nil }
            let name = line.dropFirst("Requires-Dist: ".count).prefix { $0 != " " }
            let version = line[line.index(open, offsetBy: 3)..<close]
            return (String(name), String(version))
        }
    }

    @Test func torch251WithItsPinnedCUDAWheels() async {
        let tree = PythonTree()
        let metadata = Self.real + "/dist-info-metadata/torch-2.5.1.dist-info_METADATA.headers"
        tree.copy(metadata, to: "site/torch-2.5.1.dist-info/METADATA")
        tree.write("site/torch/__init__.py", "")
        tree.copy(Self.real + "/torch-version-py/torch-2.5.1+cu124_linux-venv_version.py", to: "site/torch/version.py")
        tree.write("site/torch/lib/libtorch_cuda.so", "")
        tree.distInfo("site", "torchvision-0.20.1.dist-info", name: "torchvision", version: "0.20.1")
        tree.write("site/torchvision/__init__.py", "")
        tree.copy(Self.real + "/torch-version-py/torchvision-0.20.1+cu124_linux-venv_version.py", to: "site/torchvision/version.py")
        let pins = Self.pinnedNvidiaWheels(readText(metadata))
        #expect(pins.count == 12)
        for pin in pins {
            // pip names the folder after the wheel file: underscores, as written by the wheel.
            tree.distInfo("site", "\(pin.name.replacing("-", with: "_"))-\(pin.version).dist-info", name: pin.name, version: pin.version)
        }
        let (facts, outcomes) = await Self.probe(tree.at("site"))
        #expect(facts["python.packages.torch"] == "2.5.1")
        #expect(facts["torch.version"] == "2.5.1+cu124")
        #expect(facts["torch.cuda"] == "12.4")
        #expect(facts["torchvision.version"] == "0.20.1+cu124")
        #expect(facts["torchvision.cuda"] == "12.4")
        #expect(facts["cuda.runtime"] == "12.4.127")
        #expect(facts["cudnn.runtime"] == "9.1.0.70")
        #expect(facts["cublas.runtime"] == "12.4.5.8")
        #expect(facts["nccl.runtime"] == "2.21.5")
        #expect(facts["nvjitlink.runtime"] == "12.4.127")
        #expect(facts["nvrtc.runtime"] == "12.4.127")
        #expect(facts["cupti.runtime"] == "12.4.127")
        #expect(facts["cufft.runtime"] == "11.2.1.3")
        #expect(facts["curand.runtime"] == "10.3.5.147")
        #expect(facts["cusolver.runtime"] == "11.6.1.9")
        #expect(facts["cusparse.runtime"] == "12.3.1.170")
        #expect(facts["nvtx.runtime"] == "12.4.127")
        #expect(outcomes["xformers-build"]?.status == .absent)
        #expect(outcomes["cuda-wheels"]?.detail == nil)
        #expect(CrossChecks.findings(facts).isEmpty)
    }

    @Test func xformers0025ForCUDATorchBesideACPUTorch() async {
        // The real Windows venv: xformers 0.0.25.post1 built for torch 2.2.2+cu121, while the
        // torch installed is 2.2.2+cpu.
        let tree = PythonTree()
        tree.distInfo("site", "torch-2.2.2+cpu.dist-info", name: "torch", version: "2.2.2+cpu")
        tree.write("site/torch/__init__.py", "")
        tree.copy(Self.real + "/torch-version-py/torch-2.2.2+cpu_windows-venv_version.py", to: "site/torch/version.py")
        tree.copy(Self.real + "/dist-info-metadata/xformers-0.0.25.post1.dist-info_METADATA", to: "site/xformers-0.0.25.post1.dist-info/METADATA")
        tree.write("site/xformers/__init__.py", "")
        tree.copy(Self.real + "/xformers/xformers-0.0.25.post1_windows-venv_version.py", to: "site/xformers/version.py")
        tree.copy(Self.real + "/xformers/xformers-0.0.25.post1_windows-venv_cpp_lib.json", to: "site/xformers/cpp_lib.json")
        let (facts, outcomes) = await Self.probe(tree.at("site"))
        #expect(facts["python.packages.xformers"] == "0.0.25.post1")
        #expect(facts["python.packages.torch"] == "2.2.2+cpu")
        #expect(facts["torch.cuda"] == "None")
        #expect(outcomes["xformers-build"]?.facts == [
            "xformers.version": "0.0.25.post1", "xformers.build.torch": "2.2.2+cu121", "xformers.build.cuda": "12.1",
            "xformers.build.python": "3.11.8", "xformers.build.arch_list": "5.0+PTX 6.0 6.1 7.0 7.5 8.0+PTX 9.0",
        ])
        #expect(outcomes["cuda-wheels"]?.status == .absent)
        let findings = CrossChecks.findings(facts)
        #expect(findings.map(\.code) == ["xformers-torch-mismatch"])
        #expect(findings.first?.message.contains("2.2.2+cu121") == true)
        #expect(findings.first?.message.contains("2.2.2+cpu") == true)
        #expect(findings.first?.keys == ["xformers.build.torch", "torch.version"])
    }

    @Test func xformers0024WheelOnATorch22Install() async {
        // torch 2.2.1+cu121's real version.py (the closest real file to 2.2.0) and the real
        // cpp_lib.json of the xformers 0.0.24 wheel, built against torch 2.2.0+cu121; the
        // wheel's version.py is not among the fixtures, so xformers.version is missing.
        let tree = PythonTree()
        tree.distInfo("site", "torch-2.2.1.dist-info", name: "torch", version: "2.2.1")
        tree.write("site/torch/__init__.py", "")
        tree.copy(Self.real + "/torch-version-py/torch-2.2.1+cu121_linux-venv_version.py", to: "site/torch/version.py")
        tree.distInfo("site", "xformers-0.0.24.dist-info", name: "xformers", version: "0.0.24")
        tree.write("site/xformers/__init__.py", "")
        tree.copy(Self.real + "/xformers/xformers-0.0.24_pypi-wheel-cp310-manylinux2014_cpp_lib.json", to: "site/xformers/cpp_lib.json")
        tree.distInfo("site", "nvidia_cudnn_cu12-8.9.2.26.dist-info", name: "nvidia-cudnn-cu12", version: "8.9.2.26")
        tree.distInfo("site", "nvidia_nvjitlink_cu12-12.4.127.dist-info", name: "nvidia-nvjitlink-cu12", version: "12.4.127")
        let (facts, outcomes) = await Self.probe(tree.at("site"))
        #expect(facts["torch.version"] == "2.2.1+cu121")
        #expect(facts["xformers.build.torch"] == "2.2.0+cu121")
        #expect(facts["xformers.version"] == nil)
        #expect(outcomes["xformers-build"]?.diagnostics.first?.contains("version.py") == true)
        #expect(facts["cudnn.runtime"] == "8.9.2.26")
        #expect(facts["nvjitlink.runtime"] == "12.4.127")
        var withGPUs = facts
        withGPUs["gpu.0.compute_capability"] = "8.6"  // Ampere: runs the 8.0 kernels
        withGPUs["gpu.1.compute_capability"] = "3.7"  // Kepler K80: below every entry
        withGPUs["gpu.1.name"] = "Tesla K80"
        let findings = CrossChecks.findings(withGPUs)
        #expect(findings.map(\.code) == ["xformers-torch-mismatch", "gpu-not-in-xformers-arch-list"])
        #expect(findings.last?.keys == ["gpu.1.compute_capability", "xformers.build.arch_list"])
        #expect(findings.last?.message.contains("Tesla K80") == true)
    }

    @Test func localXFormersBuildForOneArchitecture() async {
        let tree = PythonTree()
        tree.write("site/xformers/__init__.py", "")
        tree.copy(Self.real + "/xformers/xformers-0.0.24+042abc8a.d20241208_local-build-windows_version.py", to: "site/xformers/version.py")
        tree.copy(Self.real + "/xformers/xformers-0.0.24+042abc8a.d20241208_local-build-windows_cpp_lib.json", to: "site/xformers/cpp_lib.json")
        var (facts, _) = await Self.probe(tree.at("site"))
        #expect(facts["xformers.version"] == "0.0.24+042abc8a.d20241208")
        #expect(facts["xformers.build.arch_list"] == "8.6")
        facts["gpu.0.compute_capability"] = "8.9"  // same major, newer minor: runs
        facts["gpu.1.compute_capability"] = "9.0"  // Hopper: no kernel
        facts["gpu.2.compute_capability"] = "8.0"  // A100: older minor than the build
        #expect(CrossChecks.findings(facts).flatMap(\.keys) == [
            "gpu.1.compute_capability", "xformers.build.arch_list", "gpu.2.compute_capability", "xformers.build.arch_list",
        ])
    }

    @Test func xformersWithoutItsExtension() async {
        let tree = PythonTree()
        tree.write("site/xformers/__init__.py", "")
        tree.copy(Self.real + "/xformers/xformers-0.0.25.post1_windows-venv_version.py", to: "site/xformers/version.py")
        let (_, outcomes) = await Self.probe(tree.at("site"))
        #expect(outcomes["xformers-build"]?.facts == ["xformers.version": "0.0.25.post1"])
        #expect(outcomes["xformers-build"]?.diagnostics.first?.contains("without its C++/CUDA extensions") == true)
    }

    @Test func librariesBundledInTorchLibWhenNoWheels() async {
        let tree = PythonTree()
        tree.write("site/torch/__init__.py", "")
        tree.copy(Self.real + "/torch-version-py/torch-1.13.1_cu116-legacy-format_version.py", to: "site/torch/version.py")
        for library in [
            "libcudart-45da57e3.so.11.0", "libcudnn.so.8", "libcudnn_ops_infer.so.8", "libcublas-3b81d170.so.11",
            "libcublasLt-b6d14a74.so.11", "libnvrtc-builtins.so.11.6", "libnvrtc-d833c4f3.so.11.2", "libnvToolsExt-847d78f2.so.1",
            "libtorch_cuda.so", "libgomp-a34b3233.so.1",
        ] {
            tree.write("site/torch/lib/\(library)", "")
        }
        tree.distInfo("site", "nvidia_cublas_cu11-11.11.3.6.dist-info", name: "nvidia-cublas-cu11", version: "11.11.3.6")
        let (facts, outcomes) = await Self.probe(tree.at("site"))
        #expect(facts["cuda.runtime"] == "11.0")
        #expect(facts["cudnn.runtime"] == "8")
        #expect(facts["cublas.runtime"] == "11.11.3.6")  // the wheel wins over the bundled copy
        #expect(facts["nvrtc.runtime"] == "11.2")
        #expect(facts["nvtx.runtime"] == "1")
        #expect(outcomes["cuda-wheels"]?.detail == "from torch/lib file names (no wheel installed): cuda, cudnn, nvrtc, nvtx")
    }
}

@Suite struct CUDAWheelNameTests {
    @Test(arguments: [
        ("nvidia-cuda-runtime-cu12", "cuda", "12"), ("nvidia-cudnn-cu12", "cudnn", "12"), ("nvidia-cublas-cu11", "cublas", "11"),
        ("nvidia-nccl-cu12", "nccl", "12"), ("nvidia-nvjitlink-cu12", "nvjitlink", "12"), ("nvidia-cuda-nvrtc-cu12", "nvrtc", "12"),
        ("nvidia-cuda-cupti-cu12", "cupti", "12"), ("nvidia-cusparselt-cu12", "cusparselt", "12"), ("nvidia-cuda-runtime", "cuda", nil),
        ("nvidia-nvshmem-cu13", "nvshmem", "13"),
    ] as [(String, String, String?)])
    func wheelNames(name: String, component: String, major: String?) {
        let parsed = CUDAWheelsDetector.component(ofDistribution: name)
        #expect(parsed?.component == component)
        #expect(parsed?.cudaMajor == major)
    }

    @Test(arguments: ["nvidia-ml-py", "nvidia-dali", "nvidia-pyindex", "torch", "nvidia-"])
    func otherNvidiaDistributionsAreNotCUDALibraries(name: String) {
        #expect(CUDAWheelsDetector.component(ofDistribution: name) == nil)
    }

    @Test func theWheelMatchingTorchsCUDAWins() {
        let installed = ["nvidia-cudnn-cu11": "8.5.0.96", "nvidia-cudnn-cu12": "8.9.2.26"]
        let forCU11 = CUDAWheelsDetector.wheelFacts(installed: installed, preferredCUDAMajor: "11")
        #expect(forCU11.facts == ["cudnn.runtime": "8.5.0.96"])
        #expect(forCU11.diagnostics.first?.contains("nvidia-cudnn-cu12 8.9.2.26") == true)
        #expect(CUDAWheelsDetector.wheelFacts(installed: installed, preferredCUDAMajor: nil).facts == ["cudnn.runtime": "8.9.2.26"])
    }
}

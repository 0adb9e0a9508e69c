@testable import EnvLock
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Probe

@Suite struct ProcessFileParserTests {
    /// Lines of a real /proc/self/maps (Debian 12, cat), plus the shapes the kernel gives a
    /// path with spaces and a file replaced on disk since it was mapped.
    static let maps = """
    5600d567f000-5600d5681000 r--p 00000000 fe:00 253911                     /usr/bin/cat
    5600d5681000-5600d5686000 r-xp 00002000 fe:00 253911                     /usr/bin/cat
    5600f366e000-5600f368f000 rw-p 00000000 00:00 0                          [heap]
    7fb0fb4be000-7fb0fb4e0000 rw-p 00000000 00:00 0 
    7fb0fb543000-7fb0fb569000 r--p 00000000 fe:00 333151                     /usr/lib/x86_64-linux-gnu/libc.so.6
    7fb0fb569000-7fb0fb6bf000 r-xp 00026000 fe:00 333151                     /usr/lib/x86_64-linux-gnu/libc.so.6
    7fb0fb726000-7fb0fb72d000 r--s 00000000 fe:00 332619                     /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache
    7fb0fb730000-7fb0fb734000 r--p 00000000 00:00 0                          [vvar]
    7f1c2a000000-7f1c2a200000 r-xp 00000000 fe:00 4242                       /opt/my app/venv/lib/libcudnn.so.8
    7f1c2b000000-7f1c2b200000 r-xp 00000000 fe:00 4243                       /venv/lib/python3.10/site-packages/torch/lib/libtorch_cuda.so (deleted)
    """

    @Test func mapsListEachMappedFileOnceInOrder() {
        let files = RuntimeLibrariesDetector.parseMaps(Self.maps)
        #expect(files.map(\.path) == [
            "/usr/bin/cat", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
            "/opt/my app/venv/lib/libcudnn.so.8", "/venv/lib/python3.10/site-packages/torch/lib/libtorch_cuda.so",
        ])
        #expect(files.map(\.deleted) == [false, false, false, false, true])
    }

    @Test func environIsNulSeparatedAndTheFirstOfTwoNamesWins() {
        let bytes = Array("PATH=/usr/bin\0CUBLAS_WORKSPACE_CONFIG=:4096:8\0EMPTY=\0junk\0PATH=/other\0A=b=c\0".utf8)
        #expect(RunningProcess.parseEnviron(bytes) == ["PATH": "/usr/bin", "CUBLAS_WORKSPACE_CONFIG": ":4096:8", "EMPTY": "", "A": "b=c"])
    }

    @Test func commandLineKeepsEmptyArgumentsAndRetitledProcesses() {
        #expect(RunningProcess.parseCommandLine(Array("python\0launch.py\0--listen\0\0".utf8)) == ["python", "launch.py", "--listen", ""])
        #expect(RunningProcess.parseCommandLine(Array("python launch.py --listen".utf8)) == ["python launch.py --listen"])
        #expect(RunningProcess.parseCommandLine([]) == [])
    }

    @Test func recordPathsAreTheFirstCSVField() {
        let record = """
        nvidia/cudnn/lib/libcudnn.so.8,sha256=M2hZ0J9zAV2YcCXq4dYJ0lzvhHBk0uBdDW9pyYG3bLs,150200
        nvidia_cudnn_cu12-8.9.2.26.dist-info/RECORD,,
        "odd/path, with comma.so",sha256=abc,1
        "say ""hi"".so",,

        """
        #expect(DistributionRecords.parseRecordPaths(record) == [
            "nvidia/cudnn/lib/libcudnn.so.8", "nvidia_cudnn_cu12-8.9.2.26.dist-info/RECORD", "odd/path, with comma.so", "say \"hi\".so",
        ])
    }

    @Test func distInfoFolderNamesGiveNameAndVersion() {
        let owner = DistributionRecords.owner(ofMetadataFolder: "nvidia_cudnn_cu12-8.9.2.26.dist-info", in: "/site")
        #expect(owner == DistributionOwner(name: "nvidia-cudnn-cu12", version: "8.9.2.26", sitePackages: "/site"))
    }

    @Test func libraryNamesGiveComponentAndVersion() {
        let cases: [(String, String?, String?)] = [
            ("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.2", "cudnn", "8.9.2"),
            ("/v/site-packages/nvidia/cudnn/lib/libcudnn.so.8", "cudnn", "8"),
            ("/v/site-packages/nvidia/cudnn/lib/libcudnn_ops_infer.so.8", "cudnn_ops_infer", "8"),
            ("/v/site-packages/nvidia/cudnn/lib/libcudnn_engines_precompiled.so.9", "cudnn_engines_precompiled", "9"),
            ("/v/site-packages/torch/lib/libcudart-d0da41ae.so.11.0", "cudart", "11.0"),
            ("/v/site-packages/nvidia/cublas/lib/libcublasLt.so.12", "cublaslt", "12"),
            ("/v/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc-builtins.so.12.1", "nvrtc_builtins", "12.1"),
            ("/v/site-packages/nvidia/nvjitlink/lib/libnvJitLink.so.12", "nvjitlink", "12"),
            ("/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05", "libcuda", "535.104.05"),
            ("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.535.104.05", "nvml", "535.104.05"),
            ("/v/site-packages/torch/lib/libtorch_cuda.so", "torch_cuda", nil),
            ("/v/site-packages/torch/lib/libc10_cuda.so", "c10_cuda", nil),
            ("/v/site-packages/torch/_C.cpython-310-x86_64-linux-gnu.so", "torch", nil),
            ("/v/site-packages/torchvision/_C.so", "torchvision", nil),
            ("/v/site-packages/xformers/_C_flashattention.so", "xformers_c_flashattention", nil),
            ("/v/site-packages/flash_attn_2_cuda.cpython-310-x86_64-linux-gnu.so", "flash_attn", nil),
            ("/usr/lib/x86_64-linux-gnu/libc.so.6", nil, "6"),
            ("/v/site-packages/numpy/core/_C.so", nil, nil),
            ("/usr/lib/x86_64-linux-gnu/libcudart_static.a", nil, nil),
            ("/tmp/libcudnn_x y.so.8", nil, "8"),
            ("/tmp/libcudnn_a.b.so.8", nil, "8"),
            ("/v/site-packages/xformers/_C\u{1B}[2J.so", nil, nil),
        ]
        for (path, component, version) in cases {
            #expect(RuntimeLibrariesDetector.component(ofPath: path) == component, "\(path)")
            #expect(LibraryFileName(PythonPath.basename(path))?.version == version, "\(path)")
        }
    }
}

/// A fake /proc/PID folder: `maps` and a `root` folder standing for the process's own `/`.
private struct FakeProcess {
    let tree = PythonTree()
    var process: ProcessView { ProcessView(pid: 4242, procFolder: tree.at("proc")) }
    var context: HostContext {
        var context = HostContext(environment: [:], commands: NoCommands())
        context.process = process
        return context
    }

    func maps(_ paths: [String]) {
        let lines = paths.enumerated().map { index, path in
            "7f00000\(index)000-7f00000\(index)fff r-xp 00000000 fe:00 \(1000 + index)                       \(path)"
        }
        tree.write("proc/maps", lines.joined(separator: "\n") + "\n")
    }

    /// A file in the process's filesystem view.
    func file(_ absolute: String, _ text: String = "ELF") { tree.write("proc/root" + absolute, text) }
}

@Suite struct RuntimeLibrariesDetectorTests {
    static let site = "/venv/lib/python3.10/site-packages"

    @Test func librariesGetVersionsFromNamesOrFromTheWheelThatRecordsThem() async {
        let fake = FakeProcess()
        let site = Self.site
        fake.file("\(site)/nvidia/cudnn/lib/libcudnn.so.8")
        fake.file("\(site)/nvidia_cudnn_cu12-8.9.2.26.dist-info/RECORD", "nvidia/cudnn/lib/libcudnn.so.8,sha256=x,1\n")
        fake.file("\(site)/torch/lib/libtorch_cuda.so")
        fake.file("\(site)/torch/_C.cpython-310-x86_64-linux-gnu.so")
        fake.file("\(site)/torch-2.2.0.dist-info/RECORD", "torch/_C.cpython-310-x86_64-linux-gnu.so,,\ntorch/lib/libtorch_cuda.so,,\n")
        fake.file("/usr/lib/x86_64-linux-gnu/libcublas.so.12.1.3.1")
        fake.file("/usr/lib/x86_64-linux-gnu/libcufft.so.11")
        fake.maps(["/usr/bin/python3.10", "\(site)/torch/_C.cpython-310-x86_64-linux-gnu.so", "\(site)/torch/lib/libtorch_cuda.so",
                   "\(site)/nvidia/cudnn/lib/libcudnn.so.8", "/usr/lib/x86_64-linux-gnu/libcublas.so.12.1.3.1", "/usr/lib/x86_64-linux-gnu/libcufft.so.11"])
        let outcome = await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:])
        #expect(outcome.status == .ok)
        #expect(outcome.facts == [
            "runtime.state": "loaded",
            "runtime.cudnn.path": "\(site)/nvidia/cudnn/lib/libcudnn.so.8",
            "runtime.cudnn.version": "8.9.2.26",
            "runtime.cudnn.source": "wheel nvidia-cudnn-cu12 8.9.2.26",
            "runtime.torch.path": "\(site)/torch/_C.cpython-310-x86_64-linux-gnu.so",
            "runtime.torch.version": "2.2.0",
            "runtime.torch.source": "wheel torch 2.2.0",
            "runtime.torch_cuda.path": "\(site)/torch/lib/libtorch_cuda.so",
            "runtime.torch_cuda.version": "2.2.0",
            "runtime.torch_cuda.source": "wheel torch 2.2.0",
            "runtime.cublas.path": "/usr/lib/x86_64-linux-gnu/libcublas.so.12.1.3.1",
            "runtime.cublas.version": "12.1.3.1",
            "runtime.cublas.source": "system /usr/lib/x86_64-linux-gnu/libcublas.so.12.1.3.1",
            "runtime.cufft.path": "/usr/lib/x86_64-linux-gnu/libcufft.so.11",
            "runtime.cufft.version": "unknown",
            "runtime.cufft.source": "system /usr/lib/x86_64-linux-gnu/libcufft.so.11",
        ])
    }

    /// The real case: pip's torch 2.2.0 (cu121) bundles cuSPARSELt in `torch/lib` under an
    /// auditwheel name (`libcusparseLt-f80c68d1.so.0`, as `ldd` shows it in such a venv) and
    /// takes cuSPARSE from its nvidia-cusparse-cu12 wheel. torch's version is not cuSPARSELt's.
    @Test func aLibraryVendoredInTorchIsNotGivenTorchsVersion() async {
        let fake = FakeProcess()
        let site = Self.site
        fake.file("\(site)/torch/lib/libcusparseLt-f80c68d1.so.0")
        fake.file("\(site)/torch-2.2.0.dist-info/RECORD", "torch/lib/libcusparseLt-f80c68d1.so.0,sha256=x,1\n")
        fake.file("\(site)/nvidia/cusparse/lib/libcusparse.so.12")
        fake.file("\(site)/nvidia_cusparse_cu12-12.1.0.106.dist-info/RECORD", "nvidia/cusparse/lib/libcusparse.so.12,sha256=x,1\n")
        fake.maps(["\(site)/nvidia/cusparse/lib/libcusparse.so.12", "\(site)/torch/lib/libcusparseLt-f80c68d1.so.0"])
        let facts = await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:]).facts
        #expect(facts["runtime.cusparselt.version"] == "unknown")
        #expect(facts["runtime.cusparselt.source"] == "wheel torch 2.2.0")
        #expect(facts["runtime.cusparse.version"] == "12.1.0.106")
        #expect(facts["runtime.cusparse.source"] == "wheel nvidia-cusparse-cu12 12.1.0.106")
    }

    /// The wheel that ships each library the detector names as itself; nil: none does (the
    /// driver's). Every stem of `libraryComponents` must be here, so that a new one is decided.
    static let ownWheels: [String: String?] = [
        "cudart": "nvidia-cuda-runtime-cu12", "cublas": "nvidia-cublas-cu12", "cublasLt": "nvidia-cublas-cu12",
        "cudnn": "nvidia-cudnn-cu12", "cudnn_ops_infer": "nvidia-cudnn-cu12", "cudnn_cnn_infer": "nvidia-cudnn-cu12",
        "nccl": "nvidia-nccl-cu12", "nvrtc": "nvidia-cuda-nvrtc-cu12", "nvrtc-builtins": "nvidia-cuda-nvrtc-cu12",
        "nvJitLink": "nvidia-nvjitlink-cu12", "cufft": "nvidia-cufft-cu12", "cufftw": "nvidia-cufft-cu12",
        "curand": "nvidia-curand-cu12", "cusolver": "nvidia-cusolver-cu12", "cusolverMg": "nvidia-cusolver-cu12",
        "cusparse": "nvidia-cusparse-cu12", "cusparseLt": "nvidia-cusparselt-cu12", "cupti": "nvidia-cuda-cupti-cu12",
        "nvToolsExt": "nvidia-nvtx-cu12", "cuda": nil, "nvidia-ml": nil, "torch_cuda": "torch", "c10_cuda": "torch",
    ]

    /// One process mapping every library, each from `path(stem)`, listed in the RECORD of the
    /// distribution `owner(stem)` gives (name, version); the facts the detector reports.
    static func facts(path: (String) -> String, owner: (String) -> (name: String, version: String)) async -> [String: String] {
        let fake = FakeProcess()
        var records: [String: [String]] = [:]
        for stem in ownWheels.keys.sorted() {
            fake.file("\(site)/\(path(stem))")
            let (name, version) = owner(stem)
            records["\(name.replacing("-", with: "_"))-\(version).dist-info", default: []].append(path(stem))
        }
        for (folder, paths) in records { fake.file("\(site)/\(folder)/RECORD", paths.map { "\($0),sha256=x,1\n" }.joined()) }
        fake.maps(ownWheels.keys.sorted().map { "\(site)/\(path($0))" })
        return await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:]).facts
    }

    static func component(_ stem: String) -> String {
        RuntimeLibrariesDetector.component(ofPath: "/lib\(stem).so")!
    }

    @Test func everyNamedLibraryHasADecidedOwnWheel() {
        let named = Set(RuntimeLibrariesDetector.libraryComponents.keys)
        #expect(named.isSubset(of: Set(Self.ownWheels.keys)), "stems without a decided own wheel: \(named.subtracting(Self.ownWheels.keys).sorted())")
    }

    /// In its own wheel a library has that wheel's version, even where its file name carries a
    /// shorter one (the soname's).
    @Test func aLibraryInItsOwnWheelHasTheWheelsVersion() async {
        let own = Self.ownWheels.compactMapValues { $0 }
        let facts = await Self.facts(path: { "nvidia/\($0)/lib/lib\($0).so.12.1" }, owner: { (own[$0] ?? "nvidia-ml-py", "9.\(own.keys.sorted().firstIndex(of: $0) ?? 99).1") })
        for (stem, wheel) in own {
            let version = "9.\(own.keys.sorted().firstIndex(of: stem)!).1"
            #expect(facts["runtime.\(Self.component(stem)).version"] == version, "\(stem) in \(wheel)")
            #expect(facts["runtime.\(Self.component(stem)).source"] == "wheel \(wheel) \(version)", "\(stem)")
        }
        for stem in Self.ownWheels.keys where own[stem] == nil {
            #expect(facts["runtime.\(Self.component(stem)).version"] == "12.1", "\(stem) has no wheel of its own")
        }
    }

    /// Bundled in a wheel that is not its own (torch's, or another NVIDIA library's), a library
    /// has the version its file name carries beyond a major, else `unknown`; the source still
    /// names the wheel that carries it. torch's own libraries keep torch's version.
    @Test(arguments: [("torch", "2.2.0"), ("nvidia-cusparse-cu12", "12.1.0.106")])
    func aLibraryBundledInAnotherWheelHasItsOwnVersionOrUnknown(carrier: String, carrierVersion: String) async {
        for (suffix, expected) in [("-f80c68d1.so.0", "unknown"), ("-d0da41ae.so.11.0", "11.0"), (".so", "unknown")] {
            let facts = await Self.facts(path: { "carrier/lib/lib\($0)\(suffix)" }, owner: { _ in (carrier, carrierVersion) })
            for stem in Self.ownWheels.keys {
                let component = Self.component(stem)
                let isCarriersOwn = Self.ownWheels[stem]! == carrier
                #expect(facts["runtime.\(component).version"] == (isCarriersOwn ? carrierVersion : expected), "\(stem)\(suffix) in \(carrier)")
                #expect(facts["runtime.\(component).source"] == "wheel \(carrier) \(carrierVersion)", "\(stem)\(suffix)")
            }
        }
    }

    /// An extension module has its package's version (flash-attention's, flash-attn's), and no
    /// version when another distribution's RECORD lists it.
    @Test func extensionModulesHaveTheirPackagesVersionOnlyInTheirPackage() async {
        let modules = [("torchvision/_C.so", "torchvision", "torchvision"), ("torch/_C_flatbuffer.cpython-310-x86_64-linux-gnu.so", "torch_c_flatbuffer", "torch"),
                       ("xformers/_C.so", "xformers", "xformers"), ("flash_attn_2_cuda.cpython-310-x86_64-linux-gnu.so", "flash_attn", "flash-attn")]
        for (relative, component, package) in modules {
            for (owner, expected) in [(package, "0.1.2"), ("some-app", "unknown")] {
                let fake = FakeProcess()
                fake.file("\(Self.site)/\(relative)")
                fake.file("\(Self.site)/\(owner.replacing("-", with: "_"))-\(expected == "unknown" ? "2.2.0" : expected).dist-info/RECORD", "\(relative),,\n")
                fake.maps(["\(Self.site)/\(relative)"])
                let facts = await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:]).facts
                #expect(facts["runtime.\(component).version"] == expected, "\(relative) recorded by \(owner)")
            }
        }
    }

    @Test func aSecondCopyAndAReplacedFileAreNamed() async {
        let fake = FakeProcess()
        fake.maps(["/usr/lib/libcudnn.so.8.9.7", "/opt/other/libcudnn.so.8.9.2", "/venv/torch/lib/libtorch_cuda.so (deleted)"])
        let outcome = await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:])
        #expect(outcome.facts["runtime.cudnn.path"] == "/usr/lib/libcudnn.so.8.9.7")
        #expect(outcome.facts["runtime.torch_cuda.source"] == "deleted /venv/torch/lib/libtorch_cuda.so")
        #expect(outcome.diagnostics.contains { $0.contains("also mapped /opt/other/libcudnn.so.8.9.2") })
        #expect(outcome.diagnostics.contains { $0.contains("replaced or removed on disk") && $0.contains("restart") })
    }

    @Test func aFileInSitePackagesThatNoRecordListsIsUnrecorded() async {
        let fake = FakeProcess()
        fake.file("\(Self.site)/torch/lib/libtorch_cuda.so")
        fake.file("\(Self.site)/pillow-10.0.0.dist-info/RECORD", "PIL/__init__.py,,\n")
        fake.maps(["\(Self.site)/torch/lib/libtorch_cuda.so"])
        let outcome = await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:])
        #expect(outcome.facts["runtime.torch_cuda.source"] == "unrecorded \(Self.site)/torch/lib/libtorch_cuda.so")
        #expect(outcome.facts["runtime.torch_cuda.version"] == "unknown")
    }

    @Test func aProcessThatLoadedNothingYetSaysSo() async {
        let fake = FakeProcess()
        fake.maps(["/usr/bin/python3.10", "/usr/lib/x86_64-linux-gnu/libc.so.6"])
        let outcome = await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:])
        #expect(outcome.status == .ok)
        #expect(outcome.facts == ["runtime.state": "not-loaded-yet"])
        #expect(outcome.detail?.contains("has not loaded torch or any CUDA library yet") == true)
    }

    @Test func unreadableMapsFailWithTheReasonAndNoPidSkips() async {
        let fake = FakeProcess()
        let outcome = await RuntimeLibrariesDetector().detect(in: fake.context, earlier: [:])
        #expect(outcome.status == .failed)
        #expect(outcome.detail?.contains("maps: not found") == true)
        let withoutPid = HostContext(environment: [:], commands: NoCommands())
        #expect(await RuntimeLibrariesDetector().detect(in: withoutPid, earlier: [:]).status == .skipped)
    }

    @Test func theInterpreterIsTheOneTheCommandLineNames() {
        let tree = PythonTree()
        let python = tree.write("venv/bin/python3", "#!")
        tree.folder("work")
        let here = HostContext(environment: [:], commands: NoCommands())
        var process = ProcessView(pid: 9, environment: ["PATH": "relative/bin:\(tree.at("venv/bin")):/usr/bin"], arguments: ["python3", "launch.py"],
                                  workingDirectory: tree.at("work"), executable: "/usr/bin/python3.10")
        #expect(process.pythonInterpreter(in: here) == python)
        process.arguments = ["../venv/bin/python3", "launch.py"]
        #expect(process.pythonInterpreter(in: here) == python)
        process.arguments = [python]
        #expect(process.pythonInterpreter(in: here) == python)
        process.executable = "/usr/bin/node"
        #expect(process.pythonInterpreter(in: here) == nil)
    }

    @Test func aContainersInterpreterIsFoundInItsOwnFiles() {
        let fake = FakeProcess()
        fake.file("/opt/venv/bin/python", "#!")
        var process = fake.process
        process.environment = ["PATH": "/opt/venv/bin:/usr/bin"]
        process.arguments = ["python", "entry_with_update.py"]
        process.executable = "/usr/local/bin/python3.10"
        let files = fake.context.filesystem(of: process)
        #expect(process.pythonInterpreter(in: files) == "/opt/venv/bin/python")
        #expect(process.pythonInterpreter(in: HostContext(environment: [:], commands: NoCommands())) == nil, "not a path on this machine")
    }

    @Test func environmentFactsComeFromTheProcess() async {
        var context = HostContext(environment: ["CUBLAS_WORKSPACE_CONFIG": ":16:8"], commands: NoCommands())
        context.process = ProcessView(pid: 7, environment: ["CUBLAS_WORKSPACE_CONFIG": ":4096:8", "HOME": "/root"])
        let outcome = await EnvironmentDetector().detect(in: context, earlier: [:])
        #expect(outcome.facts == ["env.CUBLAS_WORKSPACE_CONFIG": ":4096:8"])
    }

    @Test func rulesOnLibrariesOfAStartingProcessWarnInsteadOfFailing() throws {
        let rules = [
            Rule(pattern: try #require(FactPattern("runtime.cudnn.source")), check: .equals("wheel nvidia-cudnn-cu12 8.9.2.26")),
            Rule(pattern: try #require(FactPattern("env.CUBLAS_WORKSPACE_CONFIG")), check: .equals(":4096:8")),
        ]
        let starting = Snapshot(facts: ["runtime.state": "not-loaded-yet"])
        let evaluation = Evaluator.evaluate(rules, lockedFacts: nil, snapshot: starting)
        #expect(evaluation.results.map(\.verdict) == [.fail, .warn])
        #expect(evaluation.results[1].note?.contains("still starting") == true)
        let loaded = Evaluator.evaluate(rules, lockedFacts: nil, snapshot: Snapshot(facts: ["runtime.state": "loaded"]))
        #expect(loaded.results.map(\.verdict) == [.fail, .fail])
    }
}

@Suite struct RuntimeFactImpactTests {
    /// What the process loaded ranks with the torch stack; where it lies and which process it
    /// is never change results.
    @Test func loadedLibrariesChangeResultsAndPathsDoNot() {
        let expected: [String: FactImpact] = [
            "runtime.cudnn.version": .changesResults, "runtime.cudnn.source": .changesResults, "runtime.cublas.source": .changesResults,
            "runtime.cudart.version": .changesResults, "runtime.torch.version": .changesResults, "runtime.cudnn_ops_infer.source": .changesResults,
            "runtime.cudnn.path": .noEffect, "runtime.libcuda.path": .noEffect, "runtime.process.cwd": .noEffect, "runtime.state": .noEffect,
            "runtime.nvml.version": .noEffect, "runtime.libcuda.version": .mayChangeResults,
        ]
        for (key, impact) in expected {
            #expect(FactCatalog.impact(of: key) == impact, "\(key)")
        }
        #expect(FactCatalog.describe("runtime.process.command")?.identifiesInstance == true)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import EnvLock
@testable import Probe
import Testing

/// The cuda-code detector on site-packages trees with crafted libraries, its cache, and the
/// reader on a real CUDA library (nvidia-nvjpeg-cu12's, from scripts/install-test-deps.sh).
@Suite struct CUDACodeTests {
    /// A site-packages folder to fill, removed at the end.
    final class Site {
        let root: String
        var path: String { root + "/site-packages" }

        init() throws {
            root = try TestFiles.scratchFolder(prefix: "envlock-cuda-code")
            TestFiles.makeFolders(path)
        }

        deinit { TestFiles.removeTree(root) }

        func package(_ name: String) throws {
            try TestFiles.write(Array("".utf8), to: "\(path)/\(name)/__init__.py")
        }

        func library(_ relative: String, _ containers: [[UInt8]]) throws {
            try TestFiles.write(CraftedELF(sections: [(".nv_fatbin", containers.flatMap { $0 })]).bytes, to: "\(path)/\(relative)")
        }
    }

    static let gpus: [String: DetectorOutcome] = [
        "nvml": .ok(["gpu.count": "2", "gpu.0.compute_capability": "8.9", "gpu.1.compute_capability": "9.0"]),
        "cuda-driver": .skipped("nvml already reported the GPUs"),
        "nvidia-smi": .skipped("nvml already reported the GPUs"),
    ]

    static func detect(_ site: Site, earlier: [String: DetectorOutcome] = gpus, cache: String? = nil) async -> DetectorOutcome {
        var context = pythonContext(sitePackages: [site.path])
        context.digestCacheFolder = cache
        return await CUDACodeDetector().detect(in: context, sysPath: [site.path], earlier: earlier)
    }

    @Test func eachLibraryItsArchitecturesAndWhatEachGPURuns() async throws {
        let site = try Site()
        try site.package("torch")
        try site.library("torch/lib/libtorch_cuda.so", [CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80), CraftedELF.entry(kind: 2, arch: 86)])])
        try site.package("flash_attn")
        try site.library("flash_attn_2_cuda.cpython-311-x86_64-linux-gnu.so", [CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80), CraftedELF.entry(kind: 1, arch: 80)])])
        let outcome = await Self.detect(site)
        #expect(outcome.status == .ok, "\(outcome)")
        #expect(outcome.facts == [
            "cuda_code.torch.sass": #"["sm_80","sm_86"]"#, "cuda_code.torch.ptx": "[]",
            "cuda_code.flash_attn.sass": #"["sm_80"]"#, "cuda_code.flash_attn.ptx": #"["compute_80"]"#,
            // The L4-like 8.9 runs sm_86; the 9.0 GPU has no SASS of its major version.
            "cuda_code.torch.gpu.0": "sm_86", "cuda_code.torch.gpu.1": "none",
            "cuda_code.flash_attn.gpu.0": "sm_80", "cuda_code.flash_attn.gpu.1": "ptx compute_80",
        ])
    }

    @Test func nothingInstalledIsAbsenceAndACPUBuildHasNoKeys() async throws {
        let site = try Site()
        #expect(await Self.detect(site).status == .absent)
        // A CPU-only torch has no libtorch_cuda.so: not a failure, and no keys.
        try site.package("torch")
        try TestFiles.write(Array("x".utf8), to: site.path + "/torch/lib/libtorch_cpu.so")
        #expect(await Self.detect(site).status == .absent)
    }

    @Test func aMalformedLibraryFailsWithItsReasonAndTheOthersAreStillReported() async throws {
        let site = try Site()
        try site.package("torch")
        try site.library("torch/lib/libtorch_cuda.so", [CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        try site.package("xformers")
        try TestFiles.write(Array(String(repeating: "not a library ", count: 8).utf8), to: site.path + "/xformers/_C.so")
        let outcome = await Self.detect(site)
        #expect(outcome.status == .failed)
        #expect(outcome.detail == "\(site.path)/xformers/_C.so is malformed: not an ELF file (no \\x7fELF at its start); reinstall the package")
        #expect(outcome.unreadable["cuda_code.xformers.sass"] != nil && outcome.unreadable["cuda_code.xformers.ptx"] != nil)
        #expect(outcome.facts["cuda_code.torch.sass"] == #"["sm_80"]"#)
        #expect(outcome.facts["cuda_code.xformers.gpu.0"] == nil)
    }

    @Test func withoutGPUFactsOnlyTheLibrariesAreReported() async throws {
        let site = try Site()
        try site.package("torchvision")
        try site.library("torchvision/_C.so", [CraftedELF.container([CraftedELF.entry(kind: 2, arch: 70)])])
        let noGPU: [String: DetectorOutcome] = ["nvml": .absent("no libnvidia-ml"), "cuda-driver": .absent("no libcuda"), "nvidia-smi": .absent("no nvidia-smi")]
        let outcome = await Self.detect(site, earlier: noGPU)
        #expect(outcome.facts == ["cuda_code.torchvision.sass": #"["sm_70"]"#, "cuda_code.torchvision.ptx": "[]"])
        #expect(outcome.diagnostics.isEmpty)
        // A GPU detector that did not finish in time is named.
        let late = await Self.detect(site, earlier: ["nvml": .failed("timed out")])
        #expect(late.diagnostics.contains("cuda_code.*.gpu.N is left out: cuda-driver, nvidia-smi did not finish in time to say which GPUs there are"))
    }

    @Test func aWarmProbeTakesAnUnchangedLibraryFromTheCacheAndRereadsAChangedOne() async throws {
        let site = try Site()
        let cache = site.root + "/cache"
        try site.package("torch")
        let library = site.path + "/torch/lib/libtorch_cuda.so"
        try site.library("torch/lib/libtorch_cuda.so", [CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        // A file changed in the last moments is not remembered (it could change again unseen).
        let fresh = await Self.detect(site, cache: cache)
        #expect(fresh.facts["cuda_code.torch.sass"] == #"["sm_80"]"#)
        #expect(!TestFiles.exists(cache))
        usleep(200_000)
        _ = await Self.detect(site, cache: cache)
        let entries = try TestFiles.names(in: cache)
        #expect(entries.count == 1 && entries[0].hasPrefix("cuda-code-"), "\(entries)")
        let entryPath = cache + "/" + entries[0]
        let identity = ModelDigest.FileIdentity(try POSIXFile.status(at: library))
        #expect(try TestFiles.text(entryPath) == "\(GPUCodeCache.header)\nL\t\(identity.line)\tfatbin\tsm_80\t-\t0\t\(library)\n")
        // The entry answers while the file's identity is unchanged: a planted answer is believed.
        try TestFiles.write(Array("\(GPUCodeCache.header)\nL\t\(identity.line)\tfatbin\tsm_75,compute_75\t-\t0\t\(library)\n".utf8), to: entryPath, mode: 0o600)
        #expect(await Self.detect(site, cache: cache).facts["cuda_code.torch.sass"] == #"["sm_75"]"#)
        // Replacing the library changes its identity: it is read again.
        try site.library("torch/lib/libtorch_cuda.so", [CraftedELF.container([CraftedELF.entry(kind: 2, arch: 86)])])
        #expect(await Self.detect(site, cache: cache).facts["cuda_code.torch.sass"] == #"["sm_86"]"#)
        // An entry not in the format is ignored with a note, never believed.
        try TestFiles.write(Array("\(GPUCodeCache.header)\nL\t\(identity.line)\tfatbin\tsm_75x\t-\t0\t\(library)\n".utf8), to: entryPath, mode: 0o600)
        let ignored = await Self.detect(site, cache: cache)
        #expect(ignored.facts["cuda_code.torch.sass"] == #"["sm_86"]"#)
        #expect(ignored.diagnostics.contains("cache entry \(entryPath) ignored: not in envlock's format"), "\(ignored.diagnostics)")
    }

    // MARK: - A real library

    static let nvjpeg = SharedData.packageRoot + "/.test-deps/cuda-code/libnvjpeg.so.12"

    static var testDependenciesRequired: Bool {
        func variable(_ name: String) -> String { getenv(name).map { String(cString: $0) } ?? "" }
        return !variable("CI").isEmpty || variable("ENVLOCK_REQUIRE_TEST_DEPS") == "1"
    }

    /// nvidia-nvjpeg-cu12 12.4.0.76's libnvjpeg.so.12 (9.3 MB, 11 containers, 175 entries),
    /// against what `cuobjdump --list-elf --list-ptx` (nvidia-cuda-cuobjdump 13.5.37) lists
    /// for it: the independent reader.
    @Test(.enabled("needs .test-deps/cuda-code/libnvjpeg.so.12 (scripts/install-test-deps.sh downloads it); skipped here, required in CI and by scripts/test.sh") { TestFiles.exists(nvjpeg) || testDependenciesRequired })
    func theArchitecturesOfARealLibraryAreTheOnesCuobjdumpLists() throws {
        try #require(TestFiles.exists(Self.nvjpeg), "\(Self.nvjpeg) is missing; run scripts/install-test-deps.sh")
        let context = HostContext(environment: [:], commands: ScriptedCommandRunner.forbidden)
        let file = try LibraryFile(Self.nvjpeg, context: context)
        let contents = try FatbinReader.contents(of: file)
        #expect(contents.variants.sorted().map(\.name) == [
            "sm_50", "sm_52", "sm_60", "sm_61", "sm_70", "sm_75", "sm_80", "sm_86", "sm_89", "sm_90",
            "sm_100", "sm_101", "sm_103", "sm_120", "sm_121", "compute_121",
        ])
        #expect(contents.unknownKinds.isEmpty)
        // Its 66 cubins for sm_90 and later, most of them LZ4-compressed, all open as ELF.
        #expect(contents.undecodedCubins == 0)
    }
}

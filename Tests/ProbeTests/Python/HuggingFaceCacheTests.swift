#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
@testable import Probe

/// The hub cache as huggingface_hub lays it out: refs name commits, snapshots hold files.
@Suite struct HuggingFaceCacheTests {
    static let sdxlMain = "462165984030d82259a11f4367a4eed129e94a7b"
    static let sdxlPR = "0000000000000000000000000000000000000001"
    static let vaeMain = "bb0fe6fa47aa4a0dbe81ef1e3f1c7b4f9b0e5e41"
    static let sdxl = "models--stabilityai--stable-diffusion-xl-base-1.0"

    /// A cache tree with SDXL (main and a pull-request ref), a VAE and files huggingface_hub
    /// keeps beside the repositories.
    static func cacheTree(under hub: String) throws -> FixtureTree {
        try FixtureTree([
            "\(hub)/\(sdxl)/refs/main": sdxlMain,
            "\(hub)/\(sdxl)/refs/refs/pr/1": sdxlPR,
            "\(hub)/\(sdxl)/snapshots/\(sdxlMain)/model_index.json": "{}",
            "\(hub)/\(sdxl)/blobs/5b0bd1d1b3b0a7a2": "weights",
            "\(hub)/models--madebyollin--sdxl-vae-fp16-fix/refs/main": vaeMain,
            "\(hub)/models--madebyollin--sdxl-vae-fp16-fix/snapshots/\(vaeMain)/config.json": "{}",
            "\(hub)/version.txt": "1",
            "\(hub)/.locks/\(sdxl)/x.lock": "",
        ])
    }

    @Test func reportsEachRefsCommitWithDotsEscaped() async throws {
        let tree = try Self.cacheTree(under: "cache/hub")
        let context = HostContext(environment: ["HF_HUB_CACHE": tree.root + "/cache/hub", "HF_HUB_OFFLINE": "1"], commands: NoCommands())
        let outcome = await HuggingFaceCacheDetector().detect(in: context, earlier: [:])
        #expect(outcome.status == .ok)
        #expect(outcome.facts == [
            "hf.models.stabilityai/stable-diffusion-xl-base-1%2E0.main": Self.sdxlMain,
            "hf.models.stabilityai/stable-diffusion-xl-base-1%2E0.refs/pr/1": Self.sdxlPR,
            "hf.models.madebyollin/sdxl-vae-fp16-fix.main": Self.vaeMain,
            "hf.offline": "true",
            "hf.cache": tree.root + "/cache/hub",
        ])
        #expect(outcome.diagnostics == ["stabilityai/stable-diffusion-xl-base-1.0 refs/pr/1 names commit \(Self.sdxlPR), but \(tree.root)/cache/hub/\(Self.sdxl)/snapshots/\(Self.sdxlPR) is missing: the files would be downloaded again"])
        #expect(FactPattern("hf.models.*.main")!.matchingKeys(in: outcome.facts).count == 2, "one dotted segment per repository")
    }

    @Test(arguments: [
        (["HF_HUB_CACHE": "/a/hub", "HF_HOME": "/b", "HOME": "/h"], "/a/hub"),
        (["HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HOME": "/b"], "/legacy"),
        (["HF_HOME": "~/hf", "HOME": "/home/u"], "/home/u/hf/hub"),
        (["XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"], "/xdg/huggingface/hub"),
        (["HOME": "/home/u"], "/home/u/.cache/huggingface/hub"),
    ])
    func cacheFolderFollowsHuggingFaceHubsOrder(environment: [String: String], expected: String) {
        #expect(HuggingFaceCacheDetector.cacheFolder(environment: environment)?.folder == expected)
    }

    @Test(arguments: [("1", true), ("on", true), ("Yes", true), ("TRUE", true), ("0", false), ("", false), ("offline", false)])
    func offlineReadsAsHuggingFaceHubReadsIt(value: String, expected: Bool) async throws {
        #expect(HuggingFaceCacheDetector.isTrue(value) == expected)
        let context = HostContext(environment: ["TRANSFORMERS_OFFLINE": value, "HF_HUB_CACHE": "/nonexistent-envlock-hub"], commands: NoCommands())
        let outcome = await HuggingFaceCacheDetector().detect(in: context, earlier: [:])
        #expect(outcome.facts["hf.offline"] == String(expected))
    }

    @Test func anEmptyOrMissingCacheIsNothingCachedNotAFailure() async throws {
        let context = HostContext(environment: ["HF_HOME": "/nonexistent-envlock-hf"], commands: NoCommands())
        let outcome = await HuggingFaceCacheDetector().detect(in: context, earlier: [:])
        #expect(outcome.status == .ok)
        #expect(outcome.facts == ["hf.offline": "false"])
        #expect(outcome.detail?.contains("nothing is cached") == true)
    }

    @Test func aRefWithoutACommitIsUnreadableNotAbsent() async throws {
        let tree = try FixtureTree(["hub/models--org--m/refs/main": "\(Self.vaeMain)\n"])
        let context = HostContext(environment: ["HF_HUB_CACHE": tree.root + "/hub"], commands: NoCommands())
        let outcome = await HuggingFaceCacheDetector().detect(in: context, earlier: [:])
        #expect(outcome.facts["hf.models.org/m.main"] == nil)
        #expect(outcome.unreadable["hf.models.org/m.main"]?.contains("does not hold a 40-hex commit") == true)
    }

    @Test(.enabled(if: getuid() != 0, "root lists a folder of mode 000"))
    func anUnlistableCacheFails() async throws {
        let tree = try FixtureTree(["hub/models--org--m/refs/main": Self.vaeMain])
        #expect(chmod(tree.root + "/hub", 0o000) == 0)
        defer { chmod(tree.root + "/hub", 0o755) }
        let context = HostContext(environment: ["HF_HUB_CACHE": tree.root + "/hub"], commands: NoCommands())
        let outcome = await HuggingFaceCacheDetector().detect(in: context, earlier: [:])
        #expect(outcome.status == .failed)
        #expect(outcome.detail?.contains("permission denied") == true)
    }

    @Test func underARootTheTreesRootHomeCacheIsReadAndTheEnvironmentIgnored() async throws {
        let tree = try Self.cacheTree(under: "root/.cache/huggingface/hub")
        let context = HostContext(root: tree.root, environment: ["HF_HUB_CACHE": "/elsewhere", "HF_HUB_OFFLINE": "1"], commands: NoCommands())
        let outcome = await HuggingFaceCacheDetector().detect(in: context, earlier: [:])
        #expect(outcome.facts["hf.models.stabilityai/stable-diffusion-xl-base-1%2E0.main"] == Self.sdxlMain)
        #expect(outcome.facts["hf.offline"] == nil, "this process's environment is not the tree's")
        #expect(outcome.facts["hf.cache"] == "/root/.cache/huggingface/hub")
    }

    @Test(arguments: [
        ("models--stabilityai--stable-diffusion-xl-base-1.0", "models", "stabilityai/stable-diffusion-xl-base-1.0"),
        ("datasets--org--prompts", "datasets", "org/prompts"),
        ("models--gpt2", "models", "gpt2"),
    ])
    func repositoryFoldersParse(folder: String, kind: String, id: String) {
        let parsed = HuggingFaceCacheDetector.parseRepositoryFolder(folder)
        #expect(parsed?.kind == kind)
        #expect(parsed?.id == id)
    }

    @Test(arguments: [".locks", "version.txt", "CACHEDIR.TAG", "models--", "kernels--a--b", "models--a--b--c"])
    func otherEntriesAreNotRepositories(folder: String) {
        #expect(HuggingFaceCacheDetector.parseRepositoryFolder(folder) == nil)
    }

    @Test func keySegmentsEscapeWhatWouldSplitOrMatch() {
        #expect(HuggingFaceCacheDetector.factKey(kind: "models", id: "a/b.c", ref: "v1.0%*") == "hf.models.a/b%2Ec.v1%2E0%25%2A")
        #expect(FactPattern(HuggingFaceCacheDetector.factKey(kind: "models", id: "a/b", ref: "x y\u{7F}")) != nil)
    }
}

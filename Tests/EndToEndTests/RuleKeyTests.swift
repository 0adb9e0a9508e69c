import Testing

/// A rule whose key no detector can report would pass an `absent` check whatever the machine
/// has: profiles and locks refuse such keys when they are loaded (exit 2, with the position).
@Suite struct RuleKeyTests {
    /// (key, a word the message must contain: the spelling to write, or why it is refused)
    static let unreportable: [(String, String)] = [
        ("python.packages.Torch", "python.packages.torch"),
        ("python.packages.nvidia_cudnn_cu12", "python.packages.nvidia-cudnn-cu12"),
        ("python.packages.Nvidia-Cudnn-*", "python.packages.nvidia-cudnn-*"),
        ("python.packages.zope.interface", "python.packages.zope-interface"),
        ("env.LD_PRELOAD", "envlock reports only"),
        ("env.nvidia_tf32_override", "env.NVIDIA_TF32_OVERRIDE"),
        ("GPU.0.name", "gpu.0.name"),
        ("gpu.0.nam", "docs/FACTS.md"),
        ("torch.versions", "docs/FACTS.md"),
        ("hots.os.id", "docs/FACTS.md"),
        ("env.*.x", "docs/FACTS.md"),
    ]

    static let kinds = ["{absent: true}", "{equals: \"x\"}", "{one_of: [\"x\"]}", "{version: \">=1\"}", "{pin: true}", "\">=1\""]

    @Test(arguments: unreportable)
    func unreportableKeysAreRefusedForEveryRuleKind(key: String, hint: String) async throws {
        let folder = TemporaryFolder()
        for kind in Self.kinds {
            let profile = folder.write("p.yaml", "envlock: 1\nname: keys\nrules:\n  host.arch: {pin: true}\n  \(key): \(kind)\n")
            let lock = try await Envlock.run(["lock", "--profile", profile, "--output", folder.file("l.lock")])
            #expect(lock.status == 2, "\(key) \(kind): \(lock.stderr)")
            #expect(lock.stderr.contains("\(profile):5:3"), "\(key) \(kind): \(lock.stderr)")
            #expect(lock.stderr.contains(hint), "\(key) \(kind): \(lock.stderr)")
            #expect(!fileExists(folder.file("l.lock")))
        }
    }

    static let reportable = ["python.packages.torch", "python.packages.nvidia-*-cu12", "python.packages.*", "env.NVIDIA_TF32_OVERRIDE",
                             "gpu.*.name", "gpu.0.compute_capability", "cudnn.runtime", "*.runtime", "xformers.build.torch_version", "host.*"]

    @Test(arguments: reportable)
    func reportableKeysLoad(key: String) async throws {
        let folder = TemporaryFolder()
        let profile = folder.write("p.yaml", "envlock: 1\nname: keys\nrules:\n  \"\(key)\": {absent: true, severity: warning}\n")
        let lock = try await Envlock.run(["lock", "--profile", profile, "--output", folder.file("l.lock"), "--site-packages", folder.path])
        #expect(lock.status == 0, "\(key): \(lock.stderr)")
    }
}

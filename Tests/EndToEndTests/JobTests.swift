@testable import EnvLock
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A small Fooocus checkout: the files envlock's adapter reads, a launch script that leaves a
/// mark when it really starts, and small fake model files.
struct FooocusCheckout {
    let folder = TemporaryFolder()
    /// The checkout's commit: a real git repository holding its files (not the models).
    private(set) var commit = ""
    static let conformingOptions = ["--attention-pytorch", "--all-in-fp16", "--vae-in-fp16"]

    var root: String { folder.file("Fooocus") }
    var marker: String { folder.file("started") }

    init() throws {
        for path in ["Fooocus/presets", "Fooocus/models/checkpoints", "Fooocus/models/loras", "cache"] {
            makeFolders(folder.file(path))
        }
        let launch = "open('\(folder.file("started"))', 'w').write('yes')\n"
        folder.write("Fooocus/launch.py", launch)
        folder.write("Fooocus/entry_with_update.py", "# pulls new code first\n" + launch)
        folder.write("Fooocus/fooocus_version.py", "version = '2.5.5'\n")
        folder.write("Fooocus/presets/default.json", """
            {"default_model": "base.safetensors", "default_refiner": "None", "default_loras": [[true, "None", 1.0]],
             "default_cfg_scale": 4.0, "default_sample_sharpness": 2.0, "default_sampler": "euler_ancestral",
             "default_scheduler": "karras", "default_performance": "Speed", "default_styles": []}
            """)
        _ = linkProvenPython(in: folder)
        folder.write("Fooocus/presets/anime.json", #"{"default_loras": [[true, "style.safetensors", 0.8]]}"#)
        folder.write("Fooocus/models/checkpoints/base.safetensors", String(repeating: "weights ", count: 4096))
        folder.write("Fooocus/models/loras/style.safetensors", "lora weights")
        commit = try GitFixture.commitAll(in: root, leaving: ["models"])
    }

    /// Commits the checkout's files as they are now (a fixture that changed one on purpose).
    mutating func recommit() throws {
        try GitFixture.git("add -A", in: root)
        try GitFixture.git("rm -r -q --cached models", in: root)
        try GitFixture.git("commit -q -m changed", in: root)
        commit = String(try GitFixture.git("rev-parse HEAD", in: root).prefix { $0 != "\n" })
    }

    func command(_ script: String = "launch.py", _ options: [String] = conformingOptions) -> [String] {
        ["python3", root + "/" + script] + options
    }

    /// A real CPython 3.11 as `python3`, first on the environment's PATH.
    var pythonFolder: String { folder.file("usr/bin") }

    var environment: [String: String] {
        var environment = Envlock.baseEnvironment().merging(["XDG_CACHE_HOME": folder.file("cache")]) { $1 }
        environment["PATH"] = pythonFolder + ":" + (environment["PATH"] ?? "")
        return environment
    }

    /// A profile made of the shipped Fooocus profile's job rules, so that the tests check
    /// what users get; the machine rules are left out (this test machine has no such GPU).
    static func jobProfile() -> String {
        let shipped = readFile(SharedData.packageRoot + "/profiles/fooocus-torch2.2.0-cu121.yaml")
        let jobRules = shipped.split(separator: "\n").filter { $0.hasPrefix("  job.") }
        return "envlock: 1\nname: fooocus-job\nrules:\n" + jobRules.joined(separator: "\n") + "\n"
    }

    /// Locks the shipped job rules against the conforming launch.
    func lock() async throws -> String {
        folder.write("profile.yaml", Self.jobProfile())
        let result = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--output", folder.file("job.lock"), "--"] + command(), environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return folder.file("job.lock")
    }

    func run(_ lock: String, _ command: [String], environment: [String: String]? = nil) async throws -> ProgramResult {
        try await Envlock.run(["run", lock, "--allow-unsigned", "--"] + command, environment: environment ?? self.environment)
    }
}

/// The refusal names the rule's key, what was found and why, and the job did not start.
func expectRefused(_ result: ProgramResult, _ checkout: FooocusCheckout, key: String, found: String, why: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    // A long value puts expected and found on lines of their own under the key: read them
    // joined back (ProgramResult.unwrapped).
    let line = result.unwrappedStderr.split(separator: "\n").first { $0.hasPrefix("FAIL") && $0.contains(" \(key) ") }
    // Values are shown quoted and escaped (UntrustedText.quoted), as every found value is.
    #expect(line?.contains("found " + UntrustedText.quoted(found)) == true, "no FAIL line for \(key) with \(found) in:\n\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.unwrappedStderr.contains("why: \(why)"), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("envlock: not starting python3"), sourceLocation: sourceLocation)
    #expect(!fileExists(checkout.marker), "the job started", sourceLocation: sourceLocation)
}

@Suite struct FooocusJobTests {
    /// run.require and run.forbid read a Fooocus command as Fooocus' argparse does, the same
    /// parse as the job's facts: a prefix satisfies a requirement, and a command line Fooocus
    /// would refuse decides nothing, so it does not start.
    @Test func theRunPolicyReadsTheCommandAsFooocusDoes() async throws {
        let checkout = try FooocusCheckout()
        checkout.folder.write("profile.yaml", """
            envlock: 1
            name: fooocus-policy
            rules:
              job.fooocus.version: {equals: "2.5.5"}
            run:
              require: ["--vae-in-fp16"]
              forbid: ["--attention-split"]
            """)
        let lock = checkout.folder.file("policy.lock")
        let locked = try await Envlock.run(["lock", "--profile", checkout.folder.file("profile.yaml"), "--output", lock, "--"] + checkout.command(), environment: checkout.environment)
        #expect(locked.status == 0, "\(locked.stderr)")
        let abbreviated = try await checkout.run(lock, checkout.command("launch.py", ["--attention-pytorch", "--vae-in-fp1"]))
        #expect(abbreviated.status == 0, "argparse expands --vae-in-fp1: \(abbreviated.stderr)")
        #expect(readFile(checkout.marker) == "yes")
        #expect(unlink(checkout.marker) == 0)
        // After a bare --, Fooocus (no positional arguments) refuses the whole command line.
        let afterTerminator = try await checkout.run(lock, checkout.command("launch.py", ["--vae-in-fp16", "--", "--attention-split"]))
        #expect(afterTerminator.status == 1)
        #expect(afterTerminator.unwrappedStderr.contains("REFUSED cannot decide --vae-in-fp16, --attention-split: Fooocus's argparse refuses the command line: unrecognized arguments: -- --attention-split"), "\(afterTerminator.stderr)")
        #expect(!fileExists(checkout.marker))
        let prefixed = try await checkout.run(lock, checkout.command("launch.py", ["--vae-in-fp16", "--attention-s"]))
        #expect(prefixed.status == 1)
        #expect(prefixed.unwrappedStderr.contains("forbidden argument --attention-split (as Fooocus's argparse reads the command line, it sets --attention-split)"), "\(prefixed.stderr)")
    }

    @Test func conformingLaunchStarts() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let text = readFile(lock)
        #expect(text.contains("job.fooocus.commit: \"\(checkout.commit)\""))
        #expect(text.contains("job.fooocus.model.base.sha256: \"sha256:"))
        let result = try await checkout.run(lock, checkout.command())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(readFile(checkout.marker) == "yes")
    }

    @Test func attentionSplitIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let result = try await checkout.run(lock, checkout.command("launch.py", ["--attention-split", "--all-in-fp16", "--vae-in-fp16"]))
        // Fooocus' attention code prefers xformers whenever it imports, so --attention-split
        // leaves the choice to the machine.
        expectRefused(result, checkout, key: "job.fooocus.attention", found: "auto", why: "PyTorch attention instead of xformers")
    }

    @Test func anAbbreviationOfAttentionSplitIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let result = try await checkout.run(lock, checkout.command("launch.py", ["--attention-spl", "--all-in-fp16", "--vae-in-fp16"]))
        expectRefused(result, checkout, key: "job.fooocus.attention", found: "auto", why: "PyTorch attention instead of xformers")
    }

    @Test func fp32AfterFP16IsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let result = try await checkout.run(lock, checkout.command("launch.py", FooocusCheckout.conformingOptions + ["--all-in-fp32"]))
        expectRefused(result, checkout, key: "job.fooocus.options.error", found: "argument --all-in-fp32: not allowed with argument --all-in-fp16", why: "Fooocus refuses this command line.")
    }

    @Test func aGPUSamplerInConfigTxtIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        checkout.folder.write("Fooocus/config.txt", #"{"default_sampler": "dpmpp_2m_sde_gpu"}"#)
        let result = try await checkout.run(lock, checkout.command())
        expectRefused(result, checkout, key: "job.fooocus.config.sampler", found: "dpmpp_2m_sde_gpu", why: "euler_ancestral draws its noise on the CPU")
    }

    @Test func promptExpansionThroughTheEnvironmentIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let environment = checkout.environment.merging(["default_styles": "['Fooocus V2']"]) { $1 }
        let result = try await checkout.run(lock, checkout.command(), environment: environment)
        expectRefused(result, checkout, key: "job.fooocus.config.styles", found: #"["Fooocus V2"]"#, why: "No styles")
        expectRefused(result, checkout, key: "job.fooocus.config.prompt_expansion", found: "true", why: "Prompt expansion (Fooocus V2)")
    }

    @Test func aLoRAEnabledInAPresetIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let result = try await checkout.run(lock, checkout.command("launch.py", FooocusCheckout.conformingOptions + ["--preset", "anime"]))
        expectRefused(result, checkout, key: "job.fooocus.config.loras", found: #"["style.safetensors"]"#, why: "No enabled LoRA")
    }

    @Test func aModelChangedByOneByteIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let model = checkout.root + "/models/checkpoints/base.safetensors"
        checkout.folder.write("Fooocus/models/checkpoints/base.safetensors", "W" + String(repeating: "weights ", count: 4096).dropFirst())
        let result = try await checkout.run(lock, checkout.command())
        let sha256sum = try await runProgram("sha256sum", [model], environment: checkout.environment)
        let changed = "sha256:" + (sha256sum.stdout.split(separator: " ").first.map(String.init) ?? "?")
        #expect(!readFile(lock).contains(changed))
        expectRefused(result, checkout, key: "job.fooocus.model.base.sha256", found: changed, why: "The model files as on the reference machine")
    }

    /// The digest cache is trusted as far as its owner is: an entry the job's user forged
    /// claims the locked digest for a changed model. `--no-cache` hashes the file itself, so
    /// the gate refuses the model, and it writes no cache entry.
    @Test func noCacheRefusesAChangedModelWhoseCacheEntryWasForged() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let model = checkout.root + "/models/checkpoints/base.safetensors"
        let locked = try #require(readFile(lock).split(separator: "\n").first { $0.contains("job.fooocus.model.base.sha256") }
            .flatMap { line in line.firstMatch(of: /sha256:[0-9a-f]{64}/).map { String($0.output) } })
        checkout.folder.write("Fooocus/models/checkpoints/base.safetensors", "W" + String(repeating: "weights ", count: 4096).dropFirst())
        let first = try await Envlock.run(["verify", lock, "--allow-unsigned", "--"] + checkout.command(), environment: checkout.environment)
        #expect(first.status == 1, "\(first.stdout)")
        let sha256sum = try await runProgram("sha256sum", [model], environment: checkout.environment)
        let changed = "sha256:" + (sha256sum.stdout.split(separator: " ").first.map(String.init) ?? "?")
        // The forgery: the entry for the changed file's identity now names the locked digest.
        let cacheFolder = checkout.folder.file("cache/envlock/sha256")
        let entries = try await runProgram("ls", [cacheFolder], environment: checkout.environment).stdout.split(separator: "\n").map { cacheFolder + "/" + $0 }
        let entry = try #require(entries.first { readFile($0).contains(changed) }, "no cache entry holds \(changed)")
        let forged = readFile(entry).replacing(changed, with: locked)
        checkout.folder.write(String(entry.dropFirst(checkout.folder.path.count + 1)), forged)
        #expect(chmod(entry, 0o600) == 0)
        let result = try await Envlock.run(["run", lock, "--allow-unsigned", "--no-cache", "--"] + checkout.command(), environment: checkout.environment)
        expectRefused(result, checkout, key: "job.fooocus.model.base.sha256", found: changed, why: "The model files as on the reference machine")
        #expect(readFile(entry) == forged, "--no-cache wrote the cache")
    }

    @Test func anotherCommitIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let other = "0123456789abcdef0123456789abcdef01234567"
        checkout.folder.write("Fooocus/.git/refs/heads/main", other + "\n")
        let result = try await checkout.run(lock, checkout.command())
        expectRefused(result, checkout, key: "job.fooocus.commit", found: other, why: "The exact Fooocus code of the reference machine.")
    }

    /// Same commit, other code: an edited tracked file and an untracked module are named.
    @Test func aCheckoutThatDiffersFromItsCommitIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        #expect(readFile(lock).contains("job.fooocus.tree: \"clean\""))
        checkout.folder.write("Fooocus/fooocus_version.py", "version = '2.5.5'\nimport shadow\n")
        checkout.folder.write("Fooocus/shadow.py", "")
        let result = try await checkout.run(lock, checkout.command())
        expectRefused(result, checkout, key: "job.fooocus.tree", found: #"modified (2 files): ["fooocus_version.py","shadow.py (untracked)"]"#,
                      why: "The commit names the code only when the checkout holds it")
    }

    @Test func entryWithUpdateIsRefused() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let result = try await checkout.run(lock, checkout.command("entry_with_update.py"))
        expectRefused(result, checkout, key: "job.fooocus.self_update", found: "true", why: "entry_with_update.py pulls new code before it starts")
    }

    @Test func verifyChecksTheJobWithoutStartingIt() async throws {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let good = try await Envlock.run(["verify", lock, "--allow-unsigned", "--"] + checkout.command(), environment: checkout.environment)
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        let bad = try await Envlock.run(["verify", lock, "--allow-unsigned", "--"] + checkout.command("launch.py", ["--attention-quad"]), environment: checkout.environment)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("job.fooocus.attention"))
        // Without the command, job rules cannot pass and say why.
        let none = try await Envlock.run(["verify", lock, "--allow-unsigned"], environment: checkout.environment)
        #expect(none.status == 1)
        #expect(none.stdout.contains("no command given"))
        #expect(!fileExists(checkout.marker))
    }

    @Test func probeShowsWhatTheGateSees() async throws {
        let checkout = try FooocusCheckout()
        let result = try await Envlock.run(["probe", "--format", "json", "--"] + checkout.command(), environment: checkout.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let facts = try Snapshot.load(Array(result.stdout.utf8), path: "stdout").facts
        #expect(facts["job.fooocus.version"] == "2.5.5")
        #expect(facts["job.fooocus.attention"] == "pytorch")
        #expect(facts["job.fooocus.config.styles"] == "[]")
        #expect(facts["job.command.script"] == checkout.root + "/launch.py")
        for key in facts.keys where key.hasPrefix("job.") {
            #expect(FactCatalog.describe(key) != nil, "\(key) has no entry in FactCatalog / docs/FACTS.md")
        }
    }
}

@Suite struct ComfyUIJobTests {
    static let profile = """
        envlock: 1
        name: comfyui-job
        rules:
          job.comfyui.version: {equals: "0.8.1"}
          job.comfyui.options.error: {absent: true, why: "ComfyUI refuses this command line."}
          job.comfyui.attention: {equals: "pytorch", why: "PyTorch attention on every machine."}
          job.comfyui.precision.unet: {equals: "fp16", why: "fp16 everywhere."}
          job.comfyui.fast: {excludes: "*", why: "--fast trades accuracy for speed."}
        """

    @Test func conformingLaunchStartsAndOthersAreRefused() async throws {
        let folder = TemporaryFolder()
        makeFolders(folder.file("ComfyUI/comfy"))
        folder.write("ComfyUI/main.py", "open('\(folder.file("started"))', 'w').write('yes')\n")
        folder.write("ComfyUI/comfy/cli_args.py", "import argparse\n")
        folder.write("ComfyUI/comfyui_version.py", "__version__ = \"0.8.1\"\n")
        folder.write("profile.yaml", Self.profile)
        var environment = Envlock.baseEnvironment()
        environment["PATH"] = linkProvenPython(in: folder) + ":" + (environment["PATH"] ?? "")
        let command = ["python3", folder.file("ComfyUI/main.py")]
        let lock = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--output", folder.file("c.lock"), "--"] + command + ["--use-pytorch-cross-attention", "--force-fp16"], environment: environment)
        #expect(lock.status == 0, "\(lock.stderr)")
        for (options, key) in [(["--use-split-cross-attention", "--force-fp16"], "job.comfyui.attention"),
                               (["--use-pytorch-cross-attention", "--fp8_e4m3fn-unet"], "job.comfyui.precision.unet"),
                               (["--use-pytorch-cross-attention", "--force-fp16", "--fast"], "job.comfyui.fast"),
                               (["--use-pytorch-cross-attention", "--force-fp16", "--force-fp32"], "job.comfyui.options.error")] {
            let refused = try await Envlock.run(["run", folder.file("c.lock"), "--allow-unsigned", "--"] + command + options, environment: environment)
            #expect(refused.status == 1, "\(options): \(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").contains { $0.hasPrefix("FAIL") && $0.contains(key) }, "\(options): \(refused.stderr)")
            #expect(!fileExists(folder.file("started")))
        }
        let started = try await Envlock.run(["run", folder.file("c.lock"), "--allow-unsigned", "--"] + command + ["--use-pytorch-cross-attention", "--force-fp16"], environment: environment)
        #expect(started.status == 0, "\(started.stderr)")
        #expect(readFile(folder.file("started")) == "yes")
    }
}

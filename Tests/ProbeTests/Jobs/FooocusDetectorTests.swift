#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
@testable import Probe

/// The Fooocus detector on a checkout: what it reads, and what it leaves unread.
@Suite struct FooocusDetectorTests {
    static func checkout(_ extra: [String: String] = [:]) throws -> FixtureTree {
        try FixtureTree([
            "Fooocus/launch.py": "",
            "Fooocus/fooocus_version.py": "version = '2.5.5'\n",
            "Fooocus/presets/default.json": #"{"default_model": "base.safetensors", "default_loras": [[true, "a.safetensors", 0.5]], "default_styles": []}"#,
            "Fooocus/models/checkpoints/base.safetensors": "base",
            "Fooocus/models/loras/a.safetensors": "lora",
        ].merging(JobArgparseTests.python) { $1 }.merging(extra) { $1 })
    }

    static func detect(_ tree: FixtureTree, wanted: [String]?, environment: [String: String] = [:], arguments: [String] = []) async -> DetectorOutcome {
        var job = JobInvocation(
            command: [tree.root + "/py/bin/python3.11", tree.root + "/Fooocus/launch.py"] + arguments, workingDirectory: "/",
            wantedDigests: wanted.map { $0.compactMap(FactPattern.init) },
            digests: ModelDigest(cacheFolder: tree.root + "/cache")
        )
        job.provenArgparse = JobArgparseTests.proven
        let context = HostContext(root: "/", environment: environment, commands: NoCommands())
        return await FooocusDetector(job: job).detect(in: context, earlier: [:])
    }

    @Test func onlyTheDigestsARuleAsksForAreComputed() async throws {
        let tree = try Self.checkout()
        let outcome = await Self.detect(tree, wanted: ["job.fooocus.model.base.sha256"])
        #expect(outcome.status == .ok)
        #expect(outcome.facts["job.fooocus.model.base.sha256"] == ModelDigest.text(of: Array("base".utf8)))
        #expect(outcome.facts["job.fooocus.model.lora.0.file"] == tree.root + "/Fooocus/models/loras/a.safetensors")
        #expect(outcome.facts["job.fooocus.model.lora.0.sha256"] == nil)
        #expect(try FileSystem.listDirectory(tree.root + "/cache").count == 1)
    }

    @Test func configPathAndFolderListsComeFromTheEnvironmentAndConfig() async throws {
        let tree = try Self.checkout([
            "elsewhere/settings.json": #"{"path_checkpoints": ["missing-folder"], "default_sampler": "euler_ancestral"}"#,
            "shared/models/base.safetensors": "other base",
        ])
        // A configured folder that does not exist falls back to the default folder.
        let fallback = await Self.detect(tree, wanted: nil, environment: ["config_path": tree.root + "/elsewhere/settings.json"])
        #expect(fallback.facts["job.fooocus.config.sampler"] == "euler_ancestral")
        #expect(fallback.facts["job.fooocus.model.base.file"] == tree.root + "/Fooocus/models/checkpoints/base.safetensors")
        // The environment variable names the folder as text.
        let moved = await Self.detect(tree, wanted: nil, environment: ["path_checkpoints": tree.root + "/shared/models"])
        #expect(moved.facts["job.fooocus.model.base.sha256"] == ModelDigest.text(of: Array("other base".utf8)))
    }

    @Test func aMissingModelIsADiagnosticNotADigest() async throws {
        let tree = try Self.checkout(["Fooocus/presets/default.json": #"{"default_model": "gone.safetensors", "default_loras": []}"#])
        let outcome = await Self.detect(tree, wanted: nil)
        #expect(outcome.status == .ok)
        #expect(outcome.facts["job.fooocus.model.base.sha256"] == nil)
        #expect(outcome.diagnostics.contains { $0.contains("gone.safetensors is missing; Fooocus would download it") })
    }

    @Test func aMissingDefaultModelGivesWayToAPreviousOne() async throws {
        let tree = try Self.checkout(["Fooocus/presets/default.json": #"{"default_model": "new.safetensors", "previous_default_models": ["old.safetensors", "base.safetensors"], "default_loras": []}"#])
        let outcome = await Self.detect(tree, wanted: nil)
        #expect(outcome.facts["job.fooocus.config.model"] == "base.safetensors")
        #expect(outcome.facts["job.fooocus.model.base.sha256"] == ModelDigest.text(of: Array("base".utf8)))
        // --always-download-new-model keeps the new one, which launch.py would download.
        let downloading = await Self.detect(tree, wanted: nil, arguments: ["--always-download-new-model"])
        #expect(downloading.facts["job.fooocus.config.model"] == "new.safetensors")
        #expect(downloading.facts["job.fooocus.model.base.sha256"] == nil)
    }

    @Test func anUnreadableConfigIsIgnoredAsFooocusIgnoresIt() async throws {
        let tree = try Self.checkout(["Fooocus/config.txt": "{ not json"])
        let outcome = await Self.detect(tree, wanted: [])
        #expect(outcome.status == .ok)
        #expect(outcome.facts["job.fooocus.config.model"] == "base.safetensors")
        #expect(outcome.diagnostics.contains { $0.contains("config.txt") && $0.contains("Fooocus ignores this file") })
    }

    @Test func argparseRefusalsAreAFact() async throws {
        let tree = try Self.checkout()
        let outcome = await Self.detect(tree, wanted: [], arguments: ["--attention"])
        #expect(outcome.facts["job.fooocus.options.error"] == "ambiguous option: --attention could match --attention-split, --attention-quad, --attention-pytorch")
        #expect(outcome.facts["job.fooocus.attention"] == nil)
    }

    /// A refused command line is one cause: the options and models it leaves unread are not
    /// evaluated (never absent), while the settings it cannot change, from the defaults,
    /// config.txt and the environment, are still read, so a second problem shows at once.
    @Test func aRefusedCommandLineLeavesTheOptionsNotEvaluatedAndTheSettingsRead() async throws {
        let tree = try Self.checkout()
        for refused in [["--attention-split", "--attention-pytorch"], ["--attention"], ["--port", "abc"], ["-h"]] {
            let outcome = await Self.detect(tree, wanted: [], environment: ["default_sampler": "dpmpp_2m_sde_gpu"], arguments: refused)
            #expect(outcome.status == .ok)
            #expect(outcome.facts["job.fooocus.options.error"] != nil, "\(refused)")
            #expect(outcome.unreadable["job.fooocus.options.error"] == nil)
            for key in FooocusOptions.factKeys + FooocusDetector.modelKeys where key != "job.fooocus.options.error" {
                #expect(outcome.facts[key] == nil, "\(refused): \(key)")
                #expect(outcome.unreadable[key]?.hasPrefix("not evaluated: Fooocus's argparse refuses the command line (job.fooocus.options.error)") == true, "\(refused): \(key)")
            }
            // The fixture is no git checkout: its tree is undetermined for that reason of its own.
            let causes = Set(outcome.unreadable.filter { $0.key != "job.fooocus.tree" }.values)
            #expect(causes.count == 1, "one cause for all of them: \(causes)")
            #expect(outcome.facts["job.fooocus.config.sampler"] == "dpmpp_2m_sde_gpu", "\(refused)")
            #expect(outcome.facts["job.fooocus.config.model"] == "base.safetensors")
            #expect(outcome.facts["job.fooocus.install_overrides"] == "[]")
        }
    }

    /// A refused command line that may name a preset (argparse expands --pre, --pres…) leaves
    /// the settings not evaluated too: they would come from the preset.
    @Test func aRefusedCommandLineThatMayNameAPresetLeavesTheSettingsNotEvaluated() async throws {
        let tree = try Self.checkout()
        for refused in [["--preset", "x", "--port", "abc"], ["--pres=x", "--attention"], ["--pr", "--bogus"]] {
            let outcome = await Self.detect(tree, wanted: [], arguments: refused)
            #expect(outcome.facts["job.fooocus.options.error"] != nil, "\(refused)")
            for key in FooocusDetector.settingKeys {
                #expect(outcome.facts[key] == nil, "\(refused): \(key)")
                #expect(outcome.unreadable[key]?.contains("the --preset it may name") == true, "\(refused): \(key)")
            }
        }
        #expect(FooocusDetector.mayNamePreset(["--port", "8888"]) == false)
        #expect(FooocusDetector.mayNamePreset(["--preview-option", "fast"]) == false, "not a prefix of --preset")
    }

    @Test func helpEndsTheLaunchBeforeItGenerates() async throws {
        let tree = try Self.checkout()
        for help in [["-h"], ["--he"], ["--attention-pytorch", "--help"]] {
            let outcome = await Self.detect(tree, wanted: [], arguments: help)
            #expect(outcome.facts["job.fooocus.options.error"]?.contains("exits 0 without generating") == true, "\(help)")
        }
    }

    /// When envlock cannot say which argparse the job runs, every option fact, every setting
    /// (a --preset could change them) and every model is undetermined, so each rule fails.
    @Test func anUnprovenArgparseLeavesEverythingItDecidesUndetermined() async throws {
        let tree = try Self.checkout(["py/lib/python3.11/argparse.py": "# a patched argparse\n"])
        let outcome = await Self.detect(tree, wanted: nil, arguments: ["--attention-pytorch"])
        #expect(outcome.facts["job.fooocus.attention"] == nil)
        for key in ["job.fooocus.attention", "job.fooocus.options.error", "job.fooocus.option.hf_mirror", "job.fooocus.config.sampler", "job.fooocus.model.base.sha256"] {
            #expect(outcome.unreadable[key]?.contains("is not an argparse envlock's reading is proven against") == true, "\(key)")
        }
        #expect(outcome.facts["job.fooocus.version"] == "2.5.5", "what does not depend on the options is still read")
    }

    @Test func theOptionsAreReadByTheJobsArgparseAndEveryResultOptionIsAFact() async throws {
        let tree = try Self.checkout()
        let outcome = await Self.detect(tree, wanted: [], arguments: ["--listen", "--preset=gpu preset", "--gpu-device-id", "1"])
        #expect(outcome.facts["job.fooocus.preset"] == "gpu preset", "--opt=value with a space after an option taking a value")
        #expect(outcome.facts["job.fooocus.option.gpu_device_id"] == "1")
        #expect(outcome.facts["job.fooocus.option.hf_mirror"] == "None")
        #expect(outcome.diagnostics.contains { $0.contains("CPython 3.11-stand-in's argparse") })
        // Every option that changes results is a fact: its own value, or through the named facts.
        for (dest, effect) in FooocusOptions.classification {
            let raw = outcome.facts["job.fooocus.option." + dest]
            if case .noEffect = effect { #expect(raw == nil, "\(dest)") } else if FooocusOptions.derivedDests.contains(dest) { #expect(raw == nil, "\(dest)") } else { #expect(raw != nil, "\(dest)") }
        }
        #expect(FooocusOptions.derivedDests.isSubset(of: Set(FooocusOptions.classification.keys)))
        #expect(await Self.detect(tree, wanted: [], arguments: ["--port", "abc"]).facts["job.fooocus.options.error"] == "argument --port: invalid int value: 'abc'")
    }

    /// The UI's starting values reach generation (webui.py): each is read with its validator.
    @Test func settingsTheUISendsAreFacts() async throws {
        let tree = try Self.checkout(["Fooocus/config.txt": #"{"default_clip_skip": 1, "default_prompt_negative": "", "default_overwrite_step": 2.0, "available_aspect_ratios": ["a*b", "c*d"], "default_output_format": "jpeg"}"#])
        let outcome = await Self.detect(tree, wanted: [], environment: ["default_cfg_tsnr": "3", "default_black_out_nsfw": "1"])
        #expect(outcome.facts["job.fooocus.config.clip_skip"] == "1")
        #expect(outcome.facts["job.fooocus.config.prompt_negative"] == "", "empty stays empty for the prompts")
        #expect(outcome.facts["job.fooocus.config.overwrite_step"] == "-1", "2.0 is not an int")
        #expect(outcome.facts["job.fooocus.config.aspect_ratio"] == "a*b", "1152*896 is not available, so the first is")
        #expect(outcome.facts["job.fooocus.config.output_format"] == "jpeg")
        #expect(outcome.facts["job.fooocus.config.cfg_tsnr"] == "3")
        #expect(outcome.facts["job.fooocus.config.black_out_nsfw"] == "False", "1 is no bool")
        let raising = await Self.detect(try Self.checkout(["Fooocus/config.txt": #"{"available_aspect_ratios": [5, "a*b"]}"#]), wanted: [])
        #expect(raising.unreadable["job.fooocus.config.aspect_ratio"]?.contains("would stop at start") == true)
    }

    /// What names other files in the job than in envlock is undetermined: /proc/self and
    /// /dev/stdin paths, and a launch.py reached through a link in another folder (Fooocus
    /// changes to the link's folder and reads its settings there).
    @Test func pathsThatDependOnTheReadingProcessAreUndetermined() async throws {
        let tree = try Self.checkout()
        for environment in [["config_path": "/proc/self/cwd/config.txt"], ["config_path": "/dev/stdin"]] {
            let outcome = await Self.detect(tree, wanted: [], environment: environment)
            #expect(outcome.unreadable["job.fooocus.config.sampler"]?.contains("/proc or /dev") == true, "\(environment)")
        }
        let folders = await Self.detect(tree, wanted: [], environment: ["path_checkpoints": "/proc/self/cwd/models"])
        #expect(folders.unreadable["job.fooocus.model.base.file"]?.contains("/proc or /dev") == true)
        #expect(mkdir(tree.root + "/elsewhere", 0o755) == 0)
        #expect(symlink(tree.root + "/Fooocus/launch.py", tree.root + "/elsewhere/launch.py") == 0)
        var job = JobInvocation(command: [tree.root + "/py/bin/python3.11", tree.root + "/elsewhere/launch.py"], workingDirectory: "/", digests: ModelDigest(cacheFolder: nil))
        job.provenArgparse = JobArgparseTests.proven
        let linked = await FooocusDetector(job: job).detect(in: HostContext(root: "/", environment: [:], commands: NoCommands()), earlier: [:])
        #expect(linked.unreadable["job.fooocus.config.model"]?.contains("reached through a symbolic link") == true)
        #expect(linked.facts["job.fooocus.version"] == "2.5.5")
    }

    /// launch.py empties its temp folder at start: a model in it is not the one that loads.
    @Test func aModelInTheFolderFooocusEmptiesIsUndetermined() async throws {
        let tree = try Self.checkout()
        let wiped = await Self.detect(tree, wanted: [], arguments: ["--temp-path", tree.root + "/Fooocus/models/checkpoints"])
        #expect(wiped.unreadable["job.fooocus.model.base.file"]?.contains("empties") == true)
        let configured = try Self.checkout(["Fooocus/config.txt": #"{"temp_path": "models"}"#])
        #expect(await Self.detect(configured, wanted: []).unreadable["job.fooocus.model.base.sha256"]?.contains("empties") == true)
        let kept = try Self.checkout(["Fooocus/config.txt": #"{"temp_path": "models", "temp_path_cleanup_on_launch": false}"#])
        #expect(await Self.detect(kept, wanted: []).facts["job.fooocus.model.base.file"] != nil)
    }

    @Test func installOverridesAreAFact() async throws {
        let tree = try Self.checkout()
        #expect(await Self.detect(tree, wanted: []).facts["job.fooocus.install_overrides"] == FactList.encode([]))
        #expect(await Self.detect(tree, wanted: [], environment: ["REQS_FILE": "reqs.txt"]).facts["job.fooocus.install_overrides"] == FactList.encode(["REQS_FILE=reqs.txt"]))
    }

    @Test func otherScriptsAreNotFooocus() async throws {
        let tree = try FixtureTree(["app/launch.py": ""])
        let job = JobInvocation(command: ["python3", tree.root + "/app/launch.py"], workingDirectory: "/", digests: ModelDigest(cacheFolder: nil))
        let outcome = await FooocusDetector(job: job).detect(in: HostContext(environment: [:], commands: NoCommands()), earlier: [:])
        #expect(outcome.status == .absent)
        let none = await FooocusDetector(job: nil).detect(in: HostContext(environment: [:], commands: NoCommands()), earlier: [:])
        #expect(none.status == .skipped)
    }
}

/// The checkout's commit is read from git's own files, however git laid them out.
@Suite struct GitHeadTreeTests {
    static let commit = "59f183ab0bd1d7b9a2a3a4d4d0c1b2e3f4a5b6c7"

    @Test func aWorktreeWithPackedRefsInItsCommonDir() throws {
        let tree = try FixtureTree([
            "main.git/packed-refs": "# pack-refs with: peeled\n\(Self.commit) refs/heads/feature\n",
            "main.git/worktrees/wt/HEAD": "ref: refs/heads/feature\n",
            "main.git/worktrees/wt/commondir": "../..\n",
            // git writes the pointer relative to the worktree when asked to (worktree.useRelativePaths).
            "wt/.git": "gitdir: ../main.git/worktrees/wt\n",
        ])
        let context = HostContext(environment: [:], commands: NoCommands())
        #expect(GitHead.commit(of: tree.root + "/wt", in: context) == .commit(Self.commit))
    }

    @Test func aDetachedHeadAndAMissingGitFolder() throws {
        let tree = try FixtureTree(["a/.git/HEAD": Self.commit + "\n", "b/file": ""])
        let context = HostContext(environment: [:], commands: NoCommands())
        #expect(GitHead.commit(of: tree.root + "/a", in: context) == .commit(Self.commit))
        #expect(GitHead.commit(of: tree.root + "/b", in: context) == .notACheckout)
    }

    @Test func anUnbornBranchIsUnreadableNotAbsent() throws {
        let tree = try FixtureTree(["a/.git/HEAD": "ref: refs/heads/main\n"])
        let context = HostContext(environment: [:], commands: NoCommands())
        #expect(GitHead.commit(of: tree.root + "/a", in: context) == .unreadable("HEAD names refs/heads/main, which has no commit (an unborn branch?)"))
    }
}

@testable import EnvLock
import Testing
@testable import Probe

/// The facts Fooocus' and ComfyUI's options give, derived as the apps derive them: the rows of
/// docs/upstream/fooocus-2.5.5.md §6 and §7.3 (model_management.py and attention.py), each
/// through the real argparse model, so a flag's spelling, prefix and value all count.
@Suite struct JobOptionFactsTests {
    static func fooocus(_ arguments: [String]) throws -> [String: String] {
        guard case .parsed(let namespace) = FooocusOptions.parser.parse(arguments, python: 11) else {
            Issue.record("\(arguments) did not parse")
            return [:]
        }
        return FooocusOptions.facts(FooocusOptions.afterParsing(namespace)).facts
    }

    static func comfyUI(_ arguments: [String]) throws -> [String: String] {
        let host = PythonArgparse.Host(call: { _, _ in .undetermined("no directory options here") }, machineDefault: { _ in .string(PythonString("sqlite:///db")) })
        guard case .parsed(let namespace) = ComfyUIOptions.parser.parse(arguments, python: 12, host: host) else {
            Issue.record("\(arguments) did not parse")
            return [:]
        }
        return ComfyUIOptions.facts(ComfyUIOptions.afterParsing(namespace)).facts
    }

    /// §6.2: xformers wins over --attention-split and --attention-quad when it imports, so
    /// those flags leave the attention to the machine; only --attention-pytorch or
    /// --disable-xformers take xformers out; off the GPU it is never used.
    @Test(arguments: [
        ([], "auto", "allowed"),
        (["--attention-split"], "auto", "allowed"),
        (["--attention-q"], "auto", "allowed"),
        (["--attention-pytorch"], "pytorch", "disabled"),
        (["--disable-xformers", "--attention-split"], "split", "disabled"),
        (["--disable-xformers", "--attention-quad"], "quad", "disabled"),
        (["--disable-xformers"], "auto", "disabled"),
        (["--always-cpu"], "quad", "disabled"),
        (["--always-cpu", "--attention-pytorch"], "pytorch", "disabled"),
        (["--always-cpu", "0"], "auto", "allowed"),
        (["--directml"], "quad", "disabled"),
    ])
    func fooocusAttention(arguments: [String], attention: String, xformers: String) throws {
        let facts = try Self.fooocus(arguments)
        #expect(facts["job.fooocus.attention"] == attention)
        #expect(facts["job.fooocus.xformers"] == xformers)
    }

    /// §6.4-6.6: the UNet, CLIP and VAE dtypes and devices.
    @Test(arguments: [
        (["--all-in-fp16"], "fp16", "fp16", "auto", "auto"),
        (["--all-in-fp32"], "fp32", "fp16", "auto", "cpu"),
        (["--all-in-fp32", "--clip-in-fp32"], "fp32", "fp32", "auto", "cpu"),
        (["--always-gpu", "--all-in-fp32"], "fp32", "fp32", "auto", "gpu"),
        (["--always-normal-vram", "--all-in-fp16"], "fp16", "fp16", "auto", "gpu"),
        (["--always-high-vram", "--all-in-fp16"], "fp16", "fp16", "auto", "auto"),
        (["--always-low-vram", "--all-in-fp16"], "fp16", "fp16", "auto", "cpu"),
        (["--always-cpu"], "fp32", "fp16", "fp32", "cpu"),
        (["--always-cpu", "--all-in-fp16"], "fp16", "fp16", "fp32", "cpu"),
        (["--vae-in-cpu"], "auto", "auto", "fp32", "auto"),
        (["--vae-in-cpu", "--vae-in-bf16"], "auto", "auto", "bf16", "auto"),
        (["--unet-in-bf16", "--all-in-fp16", "--vae-in-fp16"], "bf16", "fp16", "fp16", "auto"),
        ([], "auto", "auto", "auto", "auto"),
    ])
    func fooocusPrecisionAndDevices(arguments: [String], unet: String, clip: String, vae: String, clipDevice: String) throws {
        let facts = try Self.fooocus(arguments)
        #expect(facts["job.fooocus.precision.unet"] == unet, "\(arguments)")
        #expect(facts["job.fooocus.precision.clip"] == clip, "\(arguments)")
        #expect(facts["job.fooocus.precision.vae"] == vae, "\(arguments)")
        #expect(facts["job.fooocus.device.clip"] == clipDevice, "\(arguments)")
    }

    @Test func fooocusDevicePlacementOptionsAreFacts() throws {
        #expect(try Self.fooocus(["--vae-in-cpu"])["job.fooocus.device.vae"] == "cpu")
        #expect(try Self.fooocus(["--gpu-device-id", "1"])["job.fooocus.option.gpu_device_id"] == "1")
        #expect(try Self.fooocus(["--always-cpu", "4"])["job.fooocus.device"] == "cpu")
        #expect(try Self.fooocus(["--always-no-vram"])["job.fooocus.vram"] == "none")
        #expect(try Self.fooocus(["--disable-attention-upcast"])["job.fooocus.attention_upcast"] == "false")
        // args_manager.py overwrites always_offload_from_vram after parsing.
        #expect(try Self.fooocus(["--always-offload-from-vram"])["job.fooocus.option.disable_offload_from_vram"] == "False")
    }

    /// §7.3: the text encoder is fp16 unless a text-encoder flag says otherwise, --force-fp32
    /// included; --force-fp16 sets the UNet to fp16; the UNet is otherwise the checkpoint's.
    @Test(arguments: [
        (["--force-fp32"], "auto", "fp16", "auto"),
        (["--force-fp16"], "fp16", "fp16", "auto"),
        (["--fp32-text-enc", "--force-fp32"], "auto", "fp32", "auto"),
        (["--cpu"], "auto", "fp16", "fp32"),
        (["--cpu-vae"], "auto", "fp16", "fp32"),
        (["--bf16-unet", "--fp16-vae"], "bf16", "fp16", "fp16"),
    ])
    func comfyUIPrecision(arguments: [String], unet: String, textEncoder: String, vae: String) throws {
        let facts = try Self.comfyUI(arguments)
        #expect(facts["job.comfyui.precision.unet"] == unet, "\(arguments)")
        #expect(facts["job.comfyui.precision.text_encoder"] == textEncoder, "\(arguments)")
        #expect(facts["job.comfyui.precision.vae"] == vae, "\(arguments)")
    }

    @Test func comfyUIAttentionAndDevices() throws {
        #expect(try Self.comfyUI(["--use-split-cross-attention"])["job.comfyui.attention"] == "auto", "xformers wins when it imports")
        #expect(try Self.comfyUI(["--use-split-cross-attention", "--disable-xformers"])["job.comfyui.attention"] == "split")
        #expect(try Self.comfyUI(["--use-pytorch-cross-attention"])["job.comfyui.xformers"] == "disabled")
        #expect(try Self.comfyUI(["--cpu"])["job.comfyui.attention"] == "quad")
        #expect(try Self.comfyUI(["--cuda-device", "2"])["job.comfyui.option.cuda_device"] == "2")
        #expect(try Self.comfyUI(["--fast"])["job.comfyui.fast"] == FactList.encode(["fp16_accumulation", "fp8_matrix_mult", "cublas_ops"]))
        #expect(try Self.comfyUI([])["job.comfyui.fast"] == FactList.encode([]))
        for (dest, effect) in ComfyUIOptions.classification {
            if case .noEffect = effect { continue }
            #expect(try Self.comfyUI([])["job.comfyui.option." + dest] != nil || ComfyUIOptions.derivedDests.contains(dest), "\(dest)")
        }
    }
}

/// run.require and run.forbid read a known app's command line with the app's own argparse,
/// the same parse the job's facts come from.
@Suite struct JobCommandLineTests {
    static func reading(_ arguments: [String]) throws -> AppCommandLine {
        guard case .parsed(let namespace) = FooocusOptions.parser.parse(arguments, python: 11) else {
            throw Absence(reason: "\(arguments) did not parse")
        }
        return AppCommandLine(name: "Fooocus", parser: FooocusOptions.parser, revision: .original, host: .unknown, namespace: namespace)
    }

    @Test func theAppsParseDecidesWhatIsGiven() throws {
        // A prefix argparse expands satisfies a requirement written in full.
        #expect(try Self.reading(["--vae-in-fp1"]).gives("--vae-in-fp16", nil) == true)
        // The last value wins; an --opt=value with a space is an option, not --listen's value.
        #expect(try Self.reading(["--preset", "a", "--prese=b"]).gives("--preset", "b") == true)
        #expect(try Self.reading(["--listen", "--preset=gpu preset"]).gives("--preset", "gpu preset") == true)
        // A value is compared as the app converts it: --gpu-device-id 01 is the int 1.
        #expect(try Self.reading(["--gpu-device-id", "01"]).gives("--gpu-device-id", "1") == true)
        #expect(try Self.reading([]).changes("--always-cpu") == false)
        #expect(try Self.reading(["--always-cpu", "0"]).changes("--always-cpu") == true)
        #expect(try Self.reading(["--port", "8188"]).changes("--port") == true, "set_defaults(port=None) makes 8188 a change")
        #expect(try Self.reading([]).gives("--no-such-option", nil) == nil)
        // An entry the app would refuse (a value for a flag) is never given.
        #expect(try Self.reading(["--attention-pytorch"]).gives("--attention-pytorch", "1") == false)
    }

    @Test func thePolicyUsesTheAppsReading() throws {
        let policy = RunPolicy(require: ["--vae-in-fp16", "--attention-pytorch"], forbid: ["--always-cpu", "--preset"])
        #expect(policy.violations(.app(try Self.reading(["--vae-in-fp1", "--attention-pytorch"]))).isEmpty)
        let broken = policy.violations(.app(try Self.reading(["--always-cpu", "0", "--listen", "--preset=x y"])))
        #expect(broken == [
            "missing required argument --vae-in-fp16 (as Fooocus's argparse reads the command line)",
            "missing required argument --attention-pytorch (as Fooocus's argparse reads the command line)",
            "forbidden argument --always-cpu (as Fooocus's argparse reads the command line, it sets --always-cpu)",
            "forbidden argument --preset (as Fooocus's argparse reads the command line, it sets --preset)",
        ])
        // One cause, one line: every entry waits on the same command line.
        #expect(policy.violations(.undecided("Fooocus prints its help and exits")) == [
            "cannot decide --vae-in-fp16, --attention-pytorch, --always-cpu, --preset: Fooocus prints its help and exits",
        ])
        #expect(RunPolicy().violations(.undecided("Fooocus prints its help and exits")).isEmpty)
    }
}

/// What ComfyUI loads at start from its checkout besides its options.
@Suite struct ComfyUIStartupTests {
    @Test func extraModelPathsAndCustomNodesAreFacts() async throws {
        let tree = try FixtureTree(JobArgparseTests.python.merging([
            "ComfyUI/main.py": "", "ComfyUI/comfy/cli_args.py": "", "ComfyUI/comfyui_version.py": "__version__ = \"0.8.1\"\n",
            "ComfyUI/custom_nodes/example_node.py.example": "", "ComfyUI/custom_nodes/websocket_image_save.py": "",
            "ComfyUI/custom_nodes/evil/__init__.py": "", "ComfyUI/custom_nodes/old.py.disabled": "",
        ]) { $1 })
        var job = JobInvocation(command: [tree.root + "/py/bin/python3.11", tree.root + "/ComfyUI/main.py"], workingDirectory: "/", digests: ModelDigest(cacheFolder: nil))
        job.provenArgparse = JobArgparseTests.proven
        let context = HostContext(root: "/", environment: [:], commands: NoCommands())
        let plain = await ComfyUIDetector(job: job).detect(in: context, earlier: [:])
        #expect(plain.facts["job.comfyui.extra_model_paths"] == "absent")
        #expect(plain.facts["job.comfyui.custom_nodes"] == FactList.encode(["evil", "websocket_image_save.py"]))
        try TestFiles.write(Array("a111:\n  base_path: /elsewhere\n".utf8), to: tree.root + "/ComfyUI/extra_model_paths.yaml")
        let extra = await ComfyUIDetector(job: job).detect(in: context, earlier: [:])
        #expect(extra.facts["job.comfyui.extra_model_paths"] == ModelDigest.text(of: Array("a111:\n  base_path: /elsewhere\n".utf8)))
    }
}

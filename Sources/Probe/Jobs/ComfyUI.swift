import EnvLock

/// `job.comfyui.*`: a ComfyUI launch (`main.py` beside `comfy/cli_args.py`): its version
/// (`comfyui_version.py`), commit, and options parsed as `comfy/cli_args.py` defines them,
/// named by their effect.
public struct ComfyUIDetector: Detector {
    public let name = "comfyui"
    public let provides = ["job.comfyui."]
    public var job: JobInvocation?

    public init(job: JobInvocation?) {
        self.job = job
    }

    /// `comfy/cli_args.py` `PerformanceFeature` values, which `--fast` takes.
    static let fastFeatures = ["fp16_accumulation", "fp8_matrix_mult", "cublas_ops"]

    /// `comfy/cli_args.py` (ComfyUI 0.8): every option with its mutually exclusive groups.
    static let parser = PythonArgparse(
        options: [
            .init("-h"), .init("--help"),
            .init("--listen", .optional), .init("--port", .one), .init("--tls-keyfile", .one), .init("--tls-certfile", .one),
            .init("--enable-cors-header", .optional), .init("--max-upload-size", .one), .init("--base-directory", .one),
            .init("--extra-model-paths-config", .atLeastOne), .init("--output-directory", .one), .init("--temp-directory", .one),
            .init("--input-directory", .one), .init("--models-directory", .one), .init("--auto-launch"), .init("--disable-auto-launch"),
            .init("--cuda-device", .one), .init("--cuda-malloc"), .init("--disable-cuda-malloc"),
            .init("--force-fp32"), .init("--force-fp16"),
            .init("--fp32-unet"), .init("--fp64-unet"), .init("--bf16-unet"), .init("--fp16-unet"),
            .init("--fp8_e4m3fn-unet"), .init("--fp8_e5m2-unet"), .init("--fp8_e8m0fnu-unet"),
            .init("--fp16-vae"), .init("--fp32-vae"), .init("--bf16-vae"), .init("--cpu-vae"),
            .init("--fp8_e4m3fn-text-enc"), .init("--fp8_e5m2-text-enc"), .init("--fp16-text-enc"), .init("--fp32-text-enc"), .init("--bf16-text-enc"),
            .init("--force-channels-last"), .init("--directml", .optional), .init("--oneapi-device-selector", .one),
            .init("--disable-ipex-optimize"), .init("--supports-fp8-compute"),
            .init("--preview-method", .one, choices: ["none", "auto", "latent2rgb", "taesd"]), .init("--preview-size", .one),
            .init("--cache-classic"), .init("--cache-lru", .one), .init("--cache-none"),
            .init("--use-split-cross-attention"), .init("--use-quad-cross-attention"), .init("--use-pytorch-cross-attention"),
            .init("--use-sage-attention"), .init("--use-flash-attention"), .init("--disable-xformers"),
            .init("--force-upcast-attention"), .init("--dont-upcast-attention"),
            .init("--gpu-only"), .init("--highvram"), .init("--normalvram"), .init("--lowvram"), .init("--novram"), .init("--cpu"),
            .init("--reserve-vram", .one), .init("--async-offload"),
            .init("--default-hashing-function", .one, choices: ["md5", "sha1", "sha256", "sha512"]),
            .init("--disable-smart-memory"), .init("--deterministic"), .init("--fast", .any, choices: fastFeatures),
            .init("--mmap-torch-files"), .init("--disable-mmap"), .init("--dont-print-server"), .init("--quick-test-for-ci"),
            .init("--windows-standalone-build"), .init("--disable-metadata"), .init("--disable-all-custom-nodes"),
            .init("--whitelist-custom-nodes", .atLeastOne), .init("--disable-api-nodes"), .init("--multi-user"),
            .init("--verbose", .optional, choices: ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]), .init("--log-stdout"),
            .init("--front-end-version", .one), .init("--front-end-root", .one), .init("--user-directory", .one),
            .init("--enable-compress-response-body"), .init("--comfy-api-base", .one), .init("--database-url", .one),
        ],
        exclusiveGroups: [
            ["--cuda-malloc", "--disable-cuda-malloc"],
            ["--force-fp32", "--force-fp16"],
            ["--fp32-unet", "--fp64-unet", "--bf16-unet", "--fp16-unet", "--fp8_e4m3fn-unet", "--fp8_e5m2-unet", "--fp8_e8m0fnu-unet"],
            ["--fp16-vae", "--fp32-vae", "--bf16-vae"],
            ["--fp8_e4m3fn-text-enc", "--fp8_e5m2-text-enc", "--fp16-text-enc", "--fp32-text-enc", "--bf16-text-enc"],
            ["--cache-classic", "--cache-lru", "--cache-none"],
            ["--use-split-cross-attention", "--use-quad-cross-attention", "--use-pytorch-cross-attention", "--use-sage-attention", "--use-flash-attention"],
            ["--force-upcast-attention", "--dont-upcast-attention"],
            ["--gpu-only", "--highvram", "--normalvram", "--lowvram", "--novram", "--cpu"],
        ]
    )

    static func optionFacts(_ parsed: PythonArgparse.Parsed) -> [String: String] {
        let attention = parsed.effect([
            ("--use-pytorch-cross-attention", "pytorch"), ("--use-split-cross-attention", "split"), ("--use-quad-cross-attention", "quad"),
            ("--use-sage-attention", "sage"), ("--use-flash-attention", "flash"),
        ], otherwise: "auto")
        let all = parsed.effect([("--force-fp16", "fp16"), ("--force-fp32", "fp32")], otherwise: "auto")
        // cli_args.py sets fp16_unet when --force-fp16 is given.
        let unet = parsed.effect([
            ("--fp32-unet", "fp32"), ("--fp64-unet", "fp64"), ("--bf16-unet", "bf16"), ("--fp16-unet", "fp16"),
            ("--fp8_e4m3fn-unet", "fp8_e4m3fn"), ("--fp8_e5m2-unet", "fp8_e5m2"), ("--fp8_e8m0fnu-unet", "fp8_e8m0fnu"),
        ], otherwise: all)
        let vae = parsed.effect([("--fp16-vae", "fp16"), ("--fp32-vae", "fp32"), ("--bf16-vae", "bf16"), ("--cpu-vae", "fp32")], otherwise: "auto")
        let textEncoder = parsed.effect([
            ("--fp8_e4m3fn-text-enc", "fp8_e4m3fn"), ("--fp8_e5m2-text-enc", "fp8_e5m2"), ("--fp16-text-enc", "fp16"),
            ("--fp32-text-enc", "fp32"), ("--bf16-text-enc", "bf16"),
        ], otherwise: all)
        // cli_args.py: no --fast is no feature; --fast alone is every feature.
        let fast: [String]
        if let values = parsed.values["--fast"] {
            fast = values.isEmpty ? fastFeatures : fastFeatures.filter(values.contains)
        } else {
            fast = []
        }
        return [
            "job.comfyui.attention": attention,
            "job.comfyui.precision.all": all,
            "job.comfyui.precision.unet": unet,
            "job.comfyui.precision.vae": vae,
            "job.comfyui.precision.text_encoder": textEncoder,
            "job.comfyui.deterministic": parsed.isSet("--deterministic") ? "true" : "false",
            "job.comfyui.fast": FactList.encode(fast),
            "job.comfyui.xformers": parsed.isSet("--disable-xformers") ? "disabled" : "allowed",
        ]
    }

    /// `comfyui_version.py`: `__version__ = "0.8.1"`.
    static func parseVersion(_ text: String) -> String? {
        guard case .string(let version)? = PythonVersionModule.assignments(text)["__version__"] else { return nil }
        return version
    }

    public func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let job, let launch = JobInvocation.launch(job.command) else { return .skipped(JobDetectors.noCommand) }
        guard let script = launch.script.map({ job.physicalPath($0, in: context) }) else { return .absent("the command runs no script file, so it is not a ComfyUI launch") }
        guard script.hasSuffix("/main.py") else { return .absent("\(script) is not ComfyUI's main.py") }
        let checkout = String(script.dropLast("/main.py".count))
        guard context.exists(checkout + "/comfy/cli_args.py") else {
            return .absent("\(script) has no comfy/cli_args.py beside it, so it is not a ComfyUI checkout")
        }
        var facts: [String: String] = [:]
        var diagnostics: [String] = []
        do {
            let text = try context.readText(checkout + "/comfyui_version.py", limit: 64 << 10)
            guard let version = Self.parseVersion(text) else {
                return .failed("\(checkout)/comfyui_version.py has no __version__ = \"…\" line")
            }
            facts["job.comfyui.version"] = version
        } catch {
            if case .notFound = error {
                diagnostics.append("\(checkout)/comfyui_version.py is missing (ComfyUI before 0.3 had none), so job.comfyui.version is not known")
            } else {
                return .failed("cannot read the ComfyUI version: \(error)")
            }
        }
        switch GitHead.commit(of: checkout, in: context) {
        case .commit(let commit): facts["job.comfyui.commit"] = commit
        case .notACheckout: diagnostics.append("\(checkout) is not a git checkout, so job.comfyui.commit is not known")
        case .unreadable(let reason): return .failed("cannot read the checkout's commit: \(reason)", facts: facts)
        }
        do {
            facts.merge(Self.optionFacts(try Self.parser.parse(launch.arguments))) { $1 }
        } catch {
            facts["job.comfyui.options.error"] = error.description
        }
        return .ok(facts, diagnostics: diagnostics)
    }
}

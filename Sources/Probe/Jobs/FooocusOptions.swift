import EnvLock

/// Fooocus 2.5.5's command line as its argparse reads it, and what each option does to the
/// images. Source: lllyasviel/Fooocus at 59f183ab9b8e4a4bbf0fb8bc43886e19e8dfdfae (tag v2.5.5 is
/// 8da1d3ff; neither file changed between them): `ldm_patched/modules/args_parser.py` (the
/// parser, `EnumAction`, the groups) and `args_manager.py` (more options, `set_defaults`, then
/// `parser.parse_args()` on `sys.argv[1:]`: parse_args, not parse_known_args, so any unknown
/// string exits 2). args_parser.py first runs `parse_args([])` at import, which cannot fail.
/// `launch.py` imports args_manager after `prepare_environment()`, so `--help` still installs.
package enum FooocusOptions {
    /// args_parser.py `LatentPreviewMethod`.
    package static let latentPreviewMethod = PythonArgparse.EnumClass("LatentPreviewMethod", [("NoPreviews", "none"), ("Auto", "auto"), ("Latent2RGB", "fast"), ("TAESD", "taesd")])

    typealias A = PythonArgparse.Argument

    /// `argparse.ArgumentParser()` with every `add_argument` of args_parser.py, then args_manager.py.
    package static let parser = PythonArgparse(
        arguments: [
            PythonArgparse.help,
            A(["--listen"], nargs: .optional, const: .string(PythonString("0.0.0.0")), default: .value(.string(PythonString("127.0.0.1"))), type: .str),
            A(["--port"], default: .value(.int(PythonInt(8188))), type: .int),
            A(["--disable-header-check"], nargs: .optional, const: .string(PythonString("*")), type: .str),
            A(["--web-upload-size"], default: .value(.int(PythonInt(100))), type: .float),
            A(["--hf-mirror"], type: .str),
            A(["--external-working-path"], action: .append, nargs: .oneOrMore, type: .str),
            A(["--output-path"], type: .str),
            A(["--temp-path"], type: .str),
            A(["--cache-path"], type: .str),
            .flag("--in-browser"),
            .flag("--disable-in-browser"),
            A(["--gpu-device-id"], type: .int),
            .flag("--async-cuda-allocation"),
            .flag("--disable-async-cuda-allocation"),
            .flag("--disable-attention-upcast"),
            .flag("--all-in-fp32"),
            .flag("--all-in-fp16"),
            .flag("--unet-in-bf16"),
            .flag("--unet-in-fp16"),
            .flag("--unet-in-fp8-e4m3fn"),
            .flag("--unet-in-fp8-e5m2"),
            .flag("--vae-in-fp16"),
            .flag("--vae-in-fp32"),
            .flag("--vae-in-bf16"),
            .flag("--vae-in-cpu"),
            .flag("--clip-in-fp8-e4m3fn"),
            .flag("--clip-in-fp8-e5m2"),
            .flag("--clip-in-fp16"),
            .flag("--clip-in-fp32"),
            A(["--directml"], nargs: .optional, const: .int(PythonInt(-1)), type: .int),
            .flag("--disable-ipex-hijack"),
            A(["--preview-option"], action: .enumAction(latentPreviewMethod), default: .value(.string(PythonString("none")))),
            .flag("--attention-split"),
            .flag("--attention-quad"),
            .flag("--attention-pytorch"),
            .flag("--disable-xformers"),
            .flag("--always-gpu"),
            .flag("--always-high-vram"),
            .flag("--always-normal-vram"),
            .flag("--always-low-vram"),
            .flag("--always-no-vram"),
            A(["--always-cpu"], nargs: .optional, const: .int(PythonInt(-1)), type: .int),
            .flag("--always-offload-from-vram"),
            .flag("--pytorch-deterministic"),
            .flag("--disable-server-log"),
            .flag("--debug-mode"),
            .flag("--is-windows-embedded-python"),
            .flag("--disable-server-info"),
            .flag("--multi-user"),
            // args_manager.py
            .flag("--share"),
            A(["--preset"], type: .str),
            .flag("--disable-preset-selection"),
            A(["--language"], default: .value(.string(PythonString("default"))), type: .str),
            .flag("--disable-offload-from-vram"),
            A(["--theme"], type: .str),
            .flag("--disable-image-log"),
            .flag("--disable-analytics"),
            .flag("--disable-metadata"),
            .flag("--disable-preset-download"),
            .flag("--disable-enhance-output-sorting"),
            .flag("--enable-auto-describe-image"),
            .flag("--always-download-new-model"),
            A(["--rebuild-hash-cache"], nargs: .optional, const: .int(PythonInt(-1)), type: .int),
        ],
        mutuallyExclusive: [
            ["async_cuda_allocation", "disable_async_cuda_allocation"],
            ["all_in_fp32", "all_in_fp16"],
            ["unet_in_bf16", "unet_in_fp16", "unet_in_fp8_e4m3fn", "unet_in_fp8_e5m2"],
            ["vae_in_fp16", "vae_in_fp32", "vae_in_bf16"],
            ["clip_in_fp8_e4m3fn", "clip_in_fp8_e5m2", "clip_in_fp16", "clip_in_fp32"],
            ["attention_split", "attention_quad", "attention_pytorch"],
            ["always_gpu", "always_high_vram", "always_normal_vram", "always_low_vram", "always_no_vram", "always_cpu"],
        ],
        // args_manager.py: parser.set_defaults(disable_cuda_malloc=True, in_browser=True, port=None)
        setDefaults: [("disable_cuda_malloc", .bool(true)), ("in_browser", .bool(true)), ("port", .none)]
    )

    /// What args_manager.py does right after parsing: `always_offload_from_vram = not
    /// disable_offload_from_vram` (so `--always-offload-from-vram` itself has no effect), and
    /// `in_browser = False` under `--disable-in-browser`. Neither can exit.
    package static func afterParsing(_ namespace: [String: PythonValue]) -> [String: PythonValue] {
        var result = namespace
        result["always_offload_from_vram"] = .bool(!(namespace["disable_offload_from_vram"] == .bool(true)))
        if namespace["disable_in_browser"] == .bool(true) { result["in_browser"] = .bool(false) }
        return result
    }

    /// Whether each option can change the images a job makes (by dest), and why.
    package static let classification: [String: OptionEffect] = [
        "help": .noEffect("prints the help and exits 0: nothing is generated"),
        "listen": .noEffect("the address the web UI listens on"),
        "port": .noEffect("the port the web UI listens on"),
        "disable_header_check": .noEffect("CORS origin of the web server"),
        "web_upload_size": .noEffect("the web server's upload limit"),
        "hf_mirror": .mayChangeResults("downloads models from another host, which may serve other files"),
        "external_working_path": .mayChangeResults("adds folders searched for code and models"),
        "output_path": .noEffect("where images are written"),
        "temp_path": .noEffect("where temporary files are written"),
        "cache_path": .noEffect("where caches are written"),
        "in_browser": .noEffect("opens a browser"),
        "disable_in_browser": .noEffect("does not open a browser"),
        "gpu_device_id": .changesResults("picks which GPU runs the job (CUDA_VISIBLE_DEVICES)"),
        "async_cuda_allocation": .mayChangeResults("cudaMallocAsync changes allocation and can change nondeterministic kernels' order"),
        "disable_async_cuda_allocation": .mayChangeResults("as --async-cuda-allocation"),
        "disable_attention_upcast": .changesResults("attention computed in lower precision"),
        "all_in_fp32": .changesResults("precision of UNet and CLIP"),
        "all_in_fp16": .changesResults("precision of UNet and CLIP"),
        "unet_in_bf16": .changesResults("UNet precision"),
        "unet_in_fp16": .changesResults("UNet precision"),
        "unet_in_fp8_e4m3fn": .changesResults("UNet weight precision"),
        "unet_in_fp8_e5m2": .changesResults("UNet weight precision"),
        "vae_in_fp16": .changesResults("VAE precision"),
        "vae_in_fp32": .changesResults("VAE precision"),
        "vae_in_bf16": .changesResults("VAE precision"),
        "vae_in_cpu": .changesResults("VAE runs on the CPU in fp32"),
        "clip_in_fp8_e4m3fn": .changesResults("text encoder precision"),
        "clip_in_fp8_e5m2": .changesResults("text encoder precision"),
        "clip_in_fp16": .changesResults("text encoder precision"),
        "clip_in_fp32": .changesResults("text encoder precision"),
        "directml": .changesResults("runs on a DirectML device instead of CUDA"),
        "disable_ipex_hijack": .mayChangeResults("changes Intel XPU code paths"),
        "preview_option": .noEffect("only the previews shown while sampling"),
        "attention_split": .changesResults("attention backend"),
        "attention_quad": .changesResults("attention backend"),
        "attention_pytorch": .changesResults("attention backend"),
        "disable_xformers": .changesResults("attention backend (no xformers)"),
        "always_gpu": .mayChangeResults("memory placement; can change which kernels run"),
        "always_high_vram": .mayChangeResults("memory placement; can change which kernels run"),
        "always_normal_vram": .mayChangeResults("memory placement; can change which kernels run"),
        "always_low_vram": .mayChangeResults("splits models across devices"),
        "always_no_vram": .mayChangeResults("splits models across devices"),
        "always_cpu": .changesResults("runs everything on the CPU"),
        "always_offload_from_vram": .noEffect("overwritten after parsing by `not disable_offload_from_vram`"),
        "pytorch_deterministic": .changesResults("deterministic algorithms"),
        "disable_server_log": .noEffect("logging"),
        "debug_mode": .mayChangeResults("Fooocus debug mode changes some defaults (e.g. sharpness checks)"),
        "is_windows_embedded_python": .noEffect("Windows packaging"),
        "disable_server_info": .noEffect("logging"),
        "multi_user": .noEffect("per-user storage"),
        "share": .noEffect("Gradio sharing link"),
        "preset": .changesResults("a preset sets models, sampler, steps and styles"),
        "disable_preset_selection": .noEffect("UI only"),
        "language": .noEffect("UI translation"),
        "disable_offload_from_vram": .mayChangeResults("memory placement"),
        "theme": .noEffect("UI theme"),
        "disable_image_log": .noEffect("where images are logged"),
        "disable_analytics": .noEffect("Gradio analytics"),
        "disable_metadata": .noEffect("metadata written beside images, not pixels"),
        "disable_preset_download": .mayChangeResults("a preset's missing models are not fetched"),
        "disable_enhance_output_sorting": .noEffect("gallery order"),
        "enable_auto_describe_image": .changesResults("an empty prompt is replaced by a generated description"),
        "always_download_new_model": .mayChangeResults("fetches newer model files"),
        "rebuild_hash_cache": .noEffect("computes hashes before starting"),
        "disable_cuda_malloc": .noEffect("set_defaults only; no option sets it"),
    ]
}

/// Whether an option can change what a job generates.
package enum OptionEffect: Sendable, Equatable {
    case changesResults(String)
    case mayChangeResults(String)
    case noEffect(String)

    /// The dests of `classification` that change or may change results, each as `prefix + dest`.
    static func optionKeys(_ classification: [String: OptionEffect], prefix: String, derived: Set<String>) -> [String] {
        classification.compactMap { dest, effect in
            if case .noEffect = effect { return nil }
            return derived.contains(dest) ? nil : prefix + dest
        }
    }

    /// `prefix + dest` = the value's repr, for every option that changes or may change results;
    /// a value repr cannot show exactly is undetermined.
    static func optionFacts(_ classification: [String: OptionEffect], _ namespace: [String: PythonValue], prefix: String, derived: Set<String>,
                            into facts: inout [String: String], undetermined: inout [String: String]) {
        for key in optionKeys(classification, prefix: prefix, derived: derived) {
            let dest = String(key.dropFirst(prefix.count))
            if let value = namespace[dest], let shown = PythonRepr.repr(value) {
                facts[key] = shown
            } else {
                undetermined[key] = "undetermined: the value of \(dest) cannot be shown exactly"
            }
        }
    }
}

extension FooocusOptions {
    /// The `job.fooocus.*` facts a parsed command line gives, derived as Fooocus derives
    /// them (docs/upstream/fooocus-2.5.5.md §6, `ldm_patched/modules/model_management.py` and
    /// `ldm/modules/attention.py` at 59f183ab): an effect the flags alone decide is named; one
    /// that depends on the machine (whether xformers imports, the GPU's compute capability,
    /// its memory) is `auto`. Besides them, `job.fooocus.option.DEST` holds the value
    /// (Python's repr) of every option that changes or may change results, so a profile can
    /// pin them all; a value repr cannot show is undetermined.
    package static func facts(_ namespace: [String: PythonValue]) -> (facts: [String: String], undetermined: [String: String]) {
        let given = { (dest: String) in namespace[dest]?.isTruthy ?? false }
        // §6.1: DirectML is checked before the CPU state; `--always-cpu 0` is falsy and ignored.
        let device = namespace["directml"].map { $0 != .none } == true ? "directml" : given("always_cpu") ? "cpu" : "gpu"
        // §6.2: xformers is used only on a CUDA GPU, never after --disable-xformers or
        // --attention-pytorch (which sets XFORMERS_IS_AVAILABLE = False).
        let xformersOff = given("disable_xformers") || given("attention_pytorch") || device != "gpu"
        let attention: String
        if given("attention_pytorch") {
            attention = "pytorch"
        } else if !xformersOff {
            // xformers if it imports, whatever --attention-split/--attention-quad say.
            attention = "auto"
        } else if given("attention_split") {
            attention = "split"
        } else if given("attention_quad") || device != "gpu" {
            // PyTorch attention turns itself on only on NVIDIA with torch >= 2.
            attention = "quad"
        } else {
            attention = "auto"
        }
        let all = given("all_in_fp16") ? "fp16" : given("all_in_fp32") ? "fp32" : "auto"
        // §6.4 should_use_fp16 for the GPU (device=None or the GPU): forced, else refused on
        // DirectML and in CPU mode, else the GPU decides.
        let fp16OnDevice: Bool? = given("all_in_fp16") ? true : (given("all_in_fp32") || device != "gpu") ? false : nil
        // §6.5 unet_dtype: an explicit flag, else should_use_fp16(device=None), which skips the
        // CPU-device check, so --all-in-fp16 gives fp16 weights even with --always-cpu.
        let unetFlag = [("unet_in_bf16", "bf16"), ("unet_in_fp16", "fp16"), ("unet_in_fp8_e4m3fn", "fp8_e4m3fn"), ("unet_in_fp8_e5m2", "fp8_e5m2")].first { given($0.0) }?.1
        let unet = unetFlag ?? fp16OnDevice.map { $0 ? "fp16" : "fp32" } ?? "auto"
        // §6.7 VRAM state, and §6.6 the text encoder's device: the GPU under --always-gpu;
        // under high or normal VRAM the GPU when should_use_fp16, else the CPU; under low or no
        // VRAM the CPU.
        let vram = [("always_gpu", "gpu"), ("always_high_vram", "high"), ("always_normal_vram", "normal"), ("always_low_vram", "low"), ("always_no_vram", "none")].first { given($0.0) }?.1 ?? "auto"
        let clipDevice: String
        if device == "cpu" {
            clipDevice = "cpu"
        } else if vram == "gpu" {
            clipDevice = device
        } else if vram == "low" || vram == "none" || fp16OnDevice == false {
            clipDevice = "cpu"
        } else if vram == "normal" && fp16OnDevice == true {
            clipDevice = device
        } else {
            // Without a flag, or under --always-high-vram, a GPU of 4 GB or less is set to low
            // VRAM (L226-228); else should_use_fp16 asks the GPU.
            clipDevice = "auto"
        }
        // text_encoder_dtype: a flag, else fp16 on the CPU, else should_use_fp16.
        let clipFlag = [("clip_in_fp8_e4m3fn", "fp8_e4m3fn"), ("clip_in_fp8_e5m2", "fp8_e5m2"), ("clip_in_fp16", "fp16"), ("clip_in_fp32", "fp32")].first { given($0.0) }?.1
        let clipOnGPU = fp16OnDevice.map { $0 ? "fp16" : "fp32" } ?? "auto"
        let clip = clipFlag ?? (clipDevice == "cpu" ? "fp16" : clipDevice == "auto" && clipOnGPU != "fp16" ? "auto" : clipOnGPU)
        // §6.3: bf16 only on an NVIDIA GPU of compute capability 8 or newer; --vae-in-cpu is
        // fp32; an explicit dtype flag wins over both.
        let vaeFlag = [("vae_in_fp16", "fp16"), ("vae_in_bf16", "bf16"), ("vae_in_fp32", "fp32")].first { given($0.0) }?.1
        let vae = vaeFlag ?? ((given("vae_in_cpu") || device != "gpu") ? "fp32" : "auto")
        var facts: [String: String] = [
            "job.fooocus.attention": attention,
            "job.fooocus.attention_upcast": given("disable_attention_upcast") ? "false" : "true",
            "job.fooocus.precision.all": all,
            "job.fooocus.precision.unet": unet,
            "job.fooocus.precision.clip": clip,
            "job.fooocus.precision.vae": vae,
            "job.fooocus.device": device,
            "job.fooocus.device.clip": clipDevice,
            "job.fooocus.device.vae": given("vae_in_cpu") ? "cpu" : device,
            "job.fooocus.vram": vram,
            "job.fooocus.deterministic": given("pytorch_deterministic") ? "true" : "false",
            "job.fooocus.xformers": xformersOff ? "disabled" : "allowed",
        ]
        var undetermined: [String: String] = [:]
        switch namespace["preset"] {
        case .string(let name)?:
            if let text = name.swiftString { facts["job.fooocus.preset"] = text } else { undetermined["job.fooocus.preset"] = "undetermined: the preset name is not valid Unicode text" }
        default:
            facts["job.fooocus.preset"] = "none"
        }
        OptionEffect.optionFacts(classification, namespace, prefix: "job.fooocus.option.", derived: derivedDests, into: &facts, undetermined: &undetermined)
        return (facts, undetermined)
    }

    /// The options whose whole effect the named facts above give (attention, dtypes, device,
    /// VRAM, upcast, determinism, the preset with the settings it loads): not repeated as raw
    /// `job.fooocus.option.*` values, so a spelling Fooocus treats alike (`--always-cpu 0`,
    /// `--unet-in-fp16` beside `--all-in-fp16`, a preset file that does not exist) is not refused.
    static let derivedDests: Set<String> = [
        "attention_split", "attention_quad", "attention_pytorch", "disable_xformers", "disable_attention_upcast",
        "all_in_fp32", "all_in_fp16", "unet_in_bf16", "unet_in_fp16", "unet_in_fp8_e4m3fn", "unet_in_fp8_e5m2",
        "vae_in_fp16", "vae_in_fp32", "vae_in_bf16", "vae_in_cpu", "clip_in_fp8_e4m3fn", "clip_in_fp8_e5m2", "clip_in_fp16", "clip_in_fp32",
        "directml", "always_cpu", "always_gpu", "always_high_vram", "always_normal_vram", "always_low_vram", "always_no_vram",
        "pytorch_deterministic", "preset",
    ]

    /// Every fact `facts(_:)` gives, for marking them all undetermined when the command line
    /// cannot be read.
    package static var factKeys: [String] {
        ["job.fooocus.attention", "job.fooocus.attention_upcast", "job.fooocus.precision.all", "job.fooocus.precision.unet",
         "job.fooocus.precision.clip", "job.fooocus.precision.vae", "job.fooocus.device", "job.fooocus.device.clip",
         "job.fooocus.device.vae", "job.fooocus.vram", "job.fooocus.deterministic", "job.fooocus.xformers", "job.fooocus.preset",
         "job.fooocus.options.error"]
            + OptionEffect.optionKeys(classification, prefix: "job.fooocus.option.", derived: derivedDests)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// ComfyUI's command line as its argparse reads it, and what each option does to the images.
/// Source: comfyanonymous/ComfyUI `comfy/cli_args.py` at 005d79c828d88f60e356fe4b422a21ae8a595442
/// (the table the detector called "0.8"; comfyui_version.py said 0.8.1 at 071ff3e2). `main.py`
/// calls `comfy.options.enable_args_parsing()` before it imports cli_args, which then runs
/// `parser.parse_args()` (not parse_known_args: any unknown string exits 2).
package enum ComfyUIOptions {
    package static let latentPreviewMethod = PythonArgparse.EnumClass("LatentPreviewMethod", [("NoPreviews", "none"), ("Auto", "auto"), ("Latent2RGB", "latent2rgb"), ("TAESD", "taesd")])
    package static let performanceFeature = PythonArgparse.EnumClass("PerformanceFeature", [("Fp16Accumulation", "fp16_accumulation"), ("Fp8MatrixMultiplication", "fp8_matrix_mult"), ("CublasOps", "cublas_ops")])
    /// `is_valid_directory`: the `type=` of --front-end-root and --user-directory.
    package static let isValidDirectory = "is_valid_directory"
    /// `--database-url`'s default, `sqlite:///` + the absolute path of `<checkout>/user/comfyui.db`.
    package static let databaseDefault = "database_url"

    typealias A = PythonArgparse.Argument

    static func s(_ text: String) -> PythonValue { .string(PythonString(text)) }

    package static let parser = PythonArgparse(
        arguments: [
            PythonArgparse.help,
            A(["--listen"], nargs: .optional, const: s("0.0.0.0,::"), default: .value(s("127.0.0.1")), type: .str),
            A(["--port"], default: .value(.int(PythonInt(8188))), type: .int),
            A(["--tls-keyfile"], type: .str),
            A(["--tls-certfile"], type: .str),
            A(["--enable-cors-header"], nargs: .optional, const: s("*"), type: .str),
            A(["--max-upload-size"], default: .value(.int(PythonInt(100))), type: .float),
            A(["--base-directory"], type: .str),
            A(["--extra-model-paths-config"], action: .append, nargs: .oneOrMore, type: .str),
            A(["--output-directory"], type: .str),
            A(["--temp-directory"], type: .str),
            A(["--input-directory"], type: .str),
            A(["--models-directory"], type: .str),
            .flag("--auto-launch"),
            .flag("--disable-auto-launch"),
            A(["--cuda-device"], type: .int),
            .flag("--cuda-malloc"),
            .flag("--disable-cuda-malloc"),
            .flag("--force-fp32"),
            .flag("--force-fp16"),
            .flag("--fp32-unet"),
            .flag("--fp64-unet"),
            .flag("--bf16-unet"),
            .flag("--fp16-unet"),
            .flag("--fp8_e4m3fn-unet"),
            .flag("--fp8_e5m2-unet"),
            .flag("--fp8_e8m0fnu-unet"),
            .flag("--fp16-vae"),
            .flag("--fp32-vae"),
            .flag("--bf16-vae"),
            .flag("--cpu-vae"),
            .flag("--fp8_e4m3fn-text-enc"),
            .flag("--fp8_e5m2-text-enc"),
            .flag("--fp16-text-enc"),
            .flag("--fp32-text-enc"),
            .flag("--bf16-text-enc"),
            .flag("--force-channels-last"),
            A(["--directml"], nargs: .optional, const: .int(PythonInt(-1)), type: .int),
            A(["--oneapi-device-selector"], type: .str),
            .flag("--disable-ipex-optimize"),
            .flag("--supports-fp8-compute"),
            A(["--preview-method"], action: .enumAction(latentPreviewMethod), default: .value(s("none"))),
            A(["--preview-size"], default: .value(.int(PythonInt(512))), type: .int),
            .flag("--cache-classic"),
            A(["--cache-lru"], default: .value(.int(PythonInt(0))), type: .int),
            .flag("--cache-none"),
            .flag("--use-split-cross-attention"),
            .flag("--use-quad-cross-attention"),
            .flag("--use-pytorch-cross-attention"),
            .flag("--use-sage-attention"),
            .flag("--use-flash-attention"),
            .flag("--disable-xformers"),
            .flag("--force-upcast-attention"),
            .flag("--dont-upcast-attention"),
            .flag("--gpu-only"),
            .flag("--highvram"),
            .flag("--normalvram"),
            .flag("--lowvram"),
            .flag("--novram"),
            .flag("--cpu"),
            A(["--reserve-vram"], type: .float),
            .flag("--async-offload"),
            A(["--default-hashing-function"], default: .value(s("sha256")), type: .str, choices: ["md5", "sha1", "sha256", "sha512"]),
            .flag("--disable-smart-memory"),
            .flag("--deterministic"),
            A(["--fast"], nargs: .zeroOrMore, type: .enumeration(performanceFeature)),
            .flag("--mmap-torch-files"),
            .flag("--disable-mmap"),
            .flag("--dont-print-server"),
            .flag("--quick-test-for-ci"),
            .flag("--windows-standalone-build"),
            .flag("--disable-metadata"),
            .flag("--disable-all-custom-nodes"),
            A(["--whitelist-custom-nodes"], nargs: .oneOrMore, default: .value(.list([])), type: .str),
            .flag("--disable-api-nodes"),
            .flag("--multi-user"),
            A(["--verbose"], nargs: .optional, const: s("DEBUG"), default: .value(s("INFO")), choices: ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
            .flag("--log-stdout"),
            A(["--front-end-version"], default: .value(s("comfyanonymous/ComfyUI@latest")), type: .str),
            A(["--front-end-root"], type: .external(isValidDirectory)),
            A(["--user-directory"], type: .external(isValidDirectory)),
            .flag("--enable-compress-response-body"),
            A(["--comfy-api-base"], default: .value(s("https://api.comfy.org")), type: .str),
            A(["--database-url"], default: .machine(databaseDefault), type: .str),
        ],
        mutuallyExclusive: [
            ["cuda_malloc", "disable_cuda_malloc"],
            ["force_fp32", "force_fp16"],
            ["fp32_unet", "fp64_unet", "bf16_unet", "fp16_unet", "fp8_e4m3fn_unet", "fp8_e5m2_unet", "fp8_e8m0fnu_unet"],
            ["fp16_vae", "fp32_vae", "bf16_vae"],
            ["fp8_e4m3fn_text_enc", "fp8_e5m2_text_enc", "fp16_text_enc", "fp32_text_enc", "bf16_text_enc"],
            ["cache_classic", "cache_lru", "cache_none"],
            ["use_split_cross_attention", "use_quad_cross_attention", "use_pytorch_cross_attention", "use_sage_attention", "use_flash_attention"],
            ["force_upcast_attention", "dont_upcast_attention"],
            ["gpu_only", "highvram", "normalvram", "lowvram", "novram", "cpu"],
        ]
    )

    /// What a path looks like to `is_valid_directory` (`os.path.exists`, `isdir`, `os.access(R_OK)`).
    package enum PathState: String, Sendable {
        case directory, missing, notDirectory = "file", unreadable
    }

    /// `is_valid_directory(path)` given what the path is on the machine.
    package static func isValidDirectory(_ path: PythonString, _ state: PathState) -> PythonArgparse.TypeCall {
        switch state {
        case .missing: .argumentTypeError("The path '\(path)' does not exist.")
        case .notDirectory: .argumentTypeError("'\(path)' is not a directory.")
        case .unreadable: .argumentTypeError("You do not have read permissions for '\(path)'.")
        case .directory: .returns(.string(path))
        }
    }

    /// What cli_args.py does right after parsing: `auto_launch` under --windows-standalone-build
    /// and not under --disable-auto-launch; `fp16_unet = True` under --force-fp16; `fast`
    /// becomes a set: empty without --fast, every feature for a bare --fast, else the ones given
    /// (returned as a list of values in PerformanceFeature's order). Nothing here can exit.
    package static func afterParsing(_ namespace: [String: PythonValue]) -> [String: PythonValue] {
        var result = namespace
        if namespace["windows_standalone_build"] == .bool(true) { result["auto_launch"] = .bool(true) }
        if namespace["disable_auto_launch"] == .bool(true) { result["auto_launch"] = .bool(false) }
        if namespace["force_fp16"] == .bool(true) { result["fp16_unet"] = .bool(true) }
        let all = performanceFeature.members.map { s($0.value) }
        switch namespace["fast"] {
        case .list(let given)? where given.isEmpty: result["fast"] = .list(all)
        case .list(let given)?: result["fast"] = .list(all.filter(given.contains))
        default: result["fast"] = .list([])
        }
        return result
    }

    /// Whether each option can change the images a job makes (by dest), and why.
    package static let classification: [String: OptionEffect] = [
        "help": .noEffect("prints the help and exits 0: nothing is generated"),
        "listen": .noEffect("the address the server listens on"),
        "port": .noEffect("the port the server listens on"),
        "tls_keyfile": .noEffect("TLS of the server"),
        "tls_certfile": .noEffect("TLS of the server"),
        "enable_cors_header": .noEffect("CORS header of the server"),
        "max_upload_size": .noEffect("the server's upload limit"),
        "base_directory": .changesResults("where models and custom nodes are found"),
        "extra_model_paths_config": .changesResults("more model folders"),
        "output_directory": .noEffect("where images are written"),
        "temp_directory": .noEffect("where temporary files are written"),
        "input_directory": .mayChangeResults("where workflows' input images are read"),
        "models_directory": .changesResults("where models are found"),
        "auto_launch": .noEffect("opens a browser"),
        "disable_auto_launch": .noEffect("does not open a browser"),
        "cuda_device": .changesResults("picks which GPU runs the job"),
        "cuda_malloc": .mayChangeResults("cudaMallocAsync changes allocation"),
        "disable_cuda_malloc": .mayChangeResults("as --cuda-malloc"),
        "force_fp32": .changesResults("precision"),
        "force_fp16": .changesResults("precision"),
        "fp32_unet": .changesResults("diffusion model precision"),
        "fp64_unet": .changesResults("diffusion model precision"),
        "bf16_unet": .changesResults("diffusion model precision"),
        "fp16_unet": .changesResults("diffusion model precision"),
        "fp8_e4m3fn_unet": .changesResults("diffusion model weight precision"),
        "fp8_e5m2_unet": .changesResults("diffusion model weight precision"),
        "fp8_e8m0fnu_unet": .changesResults("diffusion model weight precision"),
        "fp16_vae": .changesResults("VAE precision"),
        "fp32_vae": .changesResults("VAE precision"),
        "bf16_vae": .changesResults("VAE precision"),
        "cpu_vae": .changesResults("VAE on the CPU"),
        "fp8_e4m3fn_text_enc": .changesResults("text encoder precision"),
        "fp8_e5m2_text_enc": .changesResults("text encoder precision"),
        "fp16_text_enc": .changesResults("text encoder precision"),
        "fp32_text_enc": .changesResults("text encoder precision"),
        "bf16_text_enc": .changesResults("text encoder precision"),
        "force_channels_last": .mayChangeResults("memory format changes kernel choice"),
        "directml": .changesResults("runs on a DirectML device"),
        "oneapi_device_selector": .changesResults("picks the Intel device"),
        "disable_ipex_optimize": .mayChangeResults("Intel XPU code paths"),
        "supports_fp8_compute": .changesResults("fp8 matrix multiplication"),
        "preview_method": .noEffect("only the previews while sampling"),
        "preview_size": .noEffect("only the previews while sampling"),
        "cache_classic": .noEffect("which node results are reused, not their values"),
        "cache_lru": .noEffect("which node results are reused, not their values"),
        "cache_none": .noEffect("which node results are reused, not their values"),
        "use_split_cross_attention": .changesResults("attention backend"),
        "use_quad_cross_attention": .changesResults("attention backend"),
        "use_pytorch_cross_attention": .changesResults("attention backend"),
        "use_sage_attention": .changesResults("attention backend"),
        "use_flash_attention": .changesResults("attention backend"),
        "disable_xformers": .changesResults("attention backend (no xformers)"),
        "force_upcast_attention": .changesResults("attention precision"),
        "dont_upcast_attention": .changesResults("attention precision"),
        "gpu_only": .mayChangeResults("memory placement"),
        "highvram": .mayChangeResults("memory placement"),
        "normalvram": .mayChangeResults("memory placement"),
        "lowvram": .mayChangeResults("splits models across devices"),
        "novram": .mayChangeResults("splits models across devices"),
        "cpu": .changesResults("runs everything on the CPU"),
        "reserve_vram": .mayChangeResults("memory placement"),
        "async_offload": .mayChangeResults("weight offloading order"),
        "default_hashing_function": .noEffect("duplicate detection of uploads"),
        "disable_smart_memory": .mayChangeResults("memory placement"),
        "deterministic": .changesResults("deterministic algorithms"),
        "fast": .changesResults("fp16 accumulation, fp8 matmul, cublas ops"),
        "mmap_torch_files": .noEffect("how files are read"),
        "disable_mmap": .noEffect("how files are read"),
        "dont_print_server": .noEffect("logging"),
        "quick_test_for_ci": .mayChangeResults("exits after start-up"),
        "windows_standalone_build": .noEffect("opens a browser"),
        "disable_metadata": .noEffect("metadata, not pixels"),
        "disable_all_custom_nodes": .changesResults("which nodes exist"),
        "whitelist_custom_nodes": .changesResults("which nodes exist"),
        "disable_api_nodes": .changesResults("which nodes exist"),
        "multi_user": .noEffect("per-user storage"),
        "verbose": .noEffect("logging"),
        "log_stdout": .noEffect("logging"),
        "front_end_version": .noEffect("the web front end"),
        "front_end_root": .noEffect("the web front end"),
        "user_directory": .mayChangeResults("user settings and saved workflows"),
        "enable_compress_response_body": .noEffect("HTTP compression"),
        "comfy_api_base": .mayChangeResults("API nodes call another server"),
        "database_url": .noEffect("the app's database"),
    ]
}

extension ComfyUIOptions {
    /// The `job.comfyui.*` facts a parsed command line gives, derived as ComfyUI derives them
    /// (docs/upstream/fooocus-2.5.5.md §7.3, `comfy/model_management.py` at 00184d15): an effect
    /// the flags alone decide is named, one that depends on the machine or the model is
    /// `auto`; and `job.comfyui.option.DEST`, the repr of every option that changes or may
    /// change results.
    package static func facts(_ namespace: [String: PythonValue]) -> (facts: [String: String], undetermined: [String: String]) {
        let given = { (dest: String) in namespace[dest]?.isTruthy ?? false }
        let device = namespace["directml"].map { $0 != .none } == true ? "directml" : given("cpu") ? "cpu" : "gpu"
        // xformers only on a CUDA GPU, never after --disable-xformers or
        // --use-pytorch-cross-attention; sage and flash attention are explicit choices.
        let xformersOff = given("disable_xformers") || given("use_pytorch_cross_attention") || device != "gpu"
        let attention: String
        if given("use_pytorch_cross_attention") {
            attention = "pytorch"
        } else if given("use_sage_attention") {
            attention = "sage"
        } else if given("use_flash_attention") {
            attention = "flash"
        } else if !xformersOff {
            attention = "auto"
        } else if given("use_split_cross_attention") {
            attention = "split"
        } else if given("use_quad_cross_attention") || device != "gpu" {
            attention = "quad"
        } else {
            attention = "auto"
        }
        let all = given("force_fp16") ? "fp16" : given("force_fp32") ? "fp32" : "auto"
        // unet_dtype: the flags (afterParsing sets fp16_unet under --force-fp16); otherwise
        // the checkpoint's own dtypes and the GPU decide (an fp8 checkpoint can stay fp8).
        let unet = [("fp32_unet", "fp32"), ("fp64_unet", "fp64"), ("bf16_unet", "bf16"), ("fp16_unet", "fp16"),
                    ("fp8_e4m3fn_unet", "fp8_e4m3fn"), ("fp8_e5m2_unet", "fp8_e5m2"), ("fp8_e8m0fnu_unet", "fp8_e8m0fnu")].first { given($0.0) }?.1 ?? "auto"
        // VAE: a flag; --cpu-vae (or the CPU) is fp32; else the model's allowed dtypes on this GPU.
        let vae = [("fp16_vae", "fp16"), ("fp32_vae", "fp32"), ("bf16_vae", "bf16")].first { given($0.0) }?.1
            ?? ((given("cpu_vae") || device == "cpu") ? "fp32" : "auto")
        // text_encoder_dtype: a flag, else fp16 on every other branch (--force-fp32 included).
        let textEncoder = [("fp8_e4m3fn_text_enc", "fp8_e4m3fn"), ("fp8_e5m2_text_enc", "fp8_e5m2"), ("fp16_text_enc", "fp16"),
                           ("fp32_text_enc", "fp32"), ("bf16_text_enc", "bf16")].first { given($0.0) }?.1 ?? "fp16"
        let vram = [("gpu_only", "gpu"), ("highvram", "high"), ("normalvram", "normal"), ("lowvram", "low"), ("novram", "none")].first { given($0.0) }?.1 ?? "auto"
        var facts: [String: String] = [
            "job.comfyui.attention": attention,
            "job.comfyui.attention_upcast": given("force_upcast_attention") ? "forced" : given("dont_upcast_attention") ? "false" : "auto",
            "job.comfyui.precision.all": all,
            "job.comfyui.precision.unet": unet,
            "job.comfyui.precision.vae": vae,
            "job.comfyui.precision.text_encoder": textEncoder,
            "job.comfyui.device": device,
            "job.comfyui.device.vae": given("cpu_vae") ? "cpu" : device,
            "job.comfyui.vram": vram,
            "job.comfyui.deterministic": given("deterministic") ? "true" : "false",
            "job.comfyui.xformers": xformersOff ? "disabled" : "allowed",
        ]
        var undetermined: [String: String] = [:]
        if case .list(let features)? = namespace["fast"] {
            let names = features.compactMap { $0.string?.swiftString }
            if names.count == features.count {
                facts["job.comfyui.fast"] = FactList.encode(names)
            } else {
                undetermined["job.comfyui.fast"] = "undetermined: --fast holds a value envlock cannot show"
            }
        } else {
            undetermined["job.comfyui.fast"] = "undetermined: --fast did not parse to a list"
        }
        OptionEffect.optionFacts(classification, namespace, prefix: "job.comfyui.option.", derived: derivedDests, into: &facts, undetermined: &undetermined)
        return (facts, undetermined)
    }

    /// The options whose whole effect the named facts give, not repeated as raw values.
    static let derivedDests: Set<String> = [
        "use_split_cross_attention", "use_quad_cross_attention", "use_pytorch_cross_attention", "use_sage_attention", "use_flash_attention",
        "disable_xformers", "force_upcast_attention", "dont_upcast_attention", "force_fp32", "force_fp16",
        "fp32_unet", "fp64_unet", "bf16_unet", "fp16_unet", "fp8_e4m3fn_unet", "fp8_e5m2_unet", "fp8_e8m0fnu_unet",
        "fp16_vae", "fp32_vae", "bf16_vae", "cpu_vae", "fp8_e4m3fn_text_enc", "fp8_e5m2_text_enc", "fp16_text_enc", "fp32_text_enc", "bf16_text_enc",
        "directml", "cpu", "gpu_only", "highvram", "normalvram", "lowvram", "novram", "deterministic", "fast",
    ]

    /// Every fact `facts(_:)` gives, for marking them all undetermined.
    package static var factKeys: [String] {
        ["job.comfyui.attention", "job.comfyui.attention_upcast", "job.comfyui.precision.all", "job.comfyui.precision.unet",
         "job.comfyui.precision.vae", "job.comfyui.precision.text_encoder", "job.comfyui.device", "job.comfyui.device.vae",
         "job.comfyui.vram", "job.comfyui.deterministic", "job.comfyui.xformers", "job.comfyui.fast", "job.comfyui.options.error"]
            + OptionEffect.optionKeys(classification, prefix: "job.comfyui.option.", derived: derivedDests)
    }

    /// What the parse asks of the machine: `is_valid_directory` looks at the path as the job
    /// would (relative to the folder it starts in); `--database-url`'s default is
    /// `sqlite:///` + `os.path.abspath` of `comfy/../user/comfyui.db`.
    static func host(checkout: String, job: JobInvocation, context: HostContext) -> PythonArgparse.Host {
        PythonArgparse.Host(
            call: { function, argument in
                guard function == isValidDirectory else { return .undetermined("\(function) is not a function envlock models") }
                guard let text = argument.swiftString else { return .undetermined("the path is not valid Unicode text") }
                // os.path.exists("") is False.
                guard !text.isEmpty else { return isValidDirectory(argument, .missing) }
                let path = job.physicalPath(text, in: context)
                let state: PathState
                do throws(POSIXFailure) {
                    let status = try context.status(path)
                    state = !status.isDirectory ? .notDirectory : context.isReadable(path) ? .directory : .unreadable
                } catch {
                    guard error.isMissing else {
                        return .undetermined("cannot look at \(path): \(error.reason)")
                    }
                    state = .missing
                }
                return isValidDirectory(argument, state)
            },
            machineDefault: { name in
                name == databaseDefault ? s("sqlite:///" + PythonPath.normalize(checkout + "/user/comfyui.db")) : nil
            })
    }
}

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

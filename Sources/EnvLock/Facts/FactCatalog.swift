/// How much a difference in a fact can change generated images: the order `diff` ranks
/// differences in, and what `fleet` groups machines by (docs/FACTS.md, "Impact").
public enum FactImpact: String, Sendable, CaseIterable, Comparable {
    /// A different value gives different images: the torch stack and its CUDA libraries, the
    /// GPU model and its kernels, the job's settings, TF32 and determinism variables.
    case changesResults = "changes-results"
    /// Can change images, usually does not: the driver, other packages, Python, the OS.
    case mayChangeResults = "may-change-results"
    /// Identifies a machine or a path; never changes images.
    case noEffect = "no-effect"

    /// Words for a summary line: "changes results", "may change results", "no effect".
    var phrase: String {
        switch self {
        case .changesResults: "changes results"
        case .mayChangeResults: "may change results"
        case .noEffect: "no effect"
        }
    }

    public static func < (lhs: FactImpact, rhs: FactImpact) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What a fact key means, how much it can change generated images, and why.
struct FactDescription: Sendable {
    /// A key or pattern (`gpu.*.name`) as in docs/FACTS.md.
    public var pattern: FactPattern
    /// How much a difference in this fact can change results.
    public var impact: FactImpact
    /// Why a difference in this fact matters for reproducibility.
    public var why: String
    /// True for facts that identify one card or one host rather than the software and
    /// hardware that change results (UUIDs, memory size, host name).
    var identifiesInstance: Bool

    init(_ pattern: String, _ impact: FactImpact, _ why: String, identifiesInstance: Bool = false) {
        self.pattern = FactPattern(pattern)!
        self.impact = impact
        self.why = why
        self.identifiesInstance = identifiesInstance
    }
}

/// The documented fact keys (docs/FACTS.md is the long form of this table).
public enum FactCatalog {
    static let entries: [FactDescription] = [
        FactDescription("host.os.id", .mayChangeResults, "Distribution libraries (libstdc++, libm, libgomp) differ between distributions and change CPU-side numerics."),
        FactDescription("host.os.version", .mayChangeResults, "A distribution upgrade replaces system libraries that Python wheels load."),
        FactDescription("host.kernel", .mayChangeResults, "The kernel decides which driver module loads; mostly informational."),
        FactDescription("host.arch", .mayChangeResults, "x86_64 and aarch64 builds of torch run different CPU kernels and wheels."),
        FactDescription("host.glibc", .mayChangeResults, "Wheels need a minimum glibc (manylinux tag); libm versions round transcendental functions differently."),
        FactDescription("host.cpu.model", .mayChangeResults, "CPU-side work (tokenizers, schedulers, samplers seeded on the CPU) can take vendor-specific code paths."),
        FactDescription("host.cpu.flags", .mayChangeResults, "oneDNN and PyTorch pick CPU kernels by instruction set (AVX2, AVX-512, AMX); different kernels sum in different orders."),
        FactDescription("host.name", .noEffect, "Identifies one machine; informational only.", identifiesInstance: true),
        FactDescription("swift.version", .noEffect, "The Swift version envlock was built with; informational."),
        FactDescription("envlock.version", .noEffect, "Which envlock produced the report; informational."),
        FactDescription("env.CUBLAS_WORKSPACE_CONFIG", .changesResults, "cuBLAS is deterministic only with a fixed workspace (:4096:8 or :16:8); without it, split-K reductions vary run to run."),
        FactDescription("env.NVIDIA_TF32_OVERRIDE", .changesResults, "0 forbids TF32 everywhere; TF32 rounds matmul inputs to 10 mantissa bits and changes every result on Ampere and newer."),
        FactDescription("env.TORCH_ALLOW_TF32_CUBLAS_OVERRIDE", .changesResults, "1 forces TF32 matmuls on regardless of the script's setting."),
        FactDescription("env.CUDA_VISIBLE_DEVICES", .mayChangeResults, "Selects which GPU runs the job; on mixed machines a different card gives different kernels."),
        FactDescription("env.CUDA_LAUNCH_BLOCKING", .mayChangeResults, "Serializes kernel launches; changes timing-dependent algorithm choices and speed."),
        FactDescription("env.CUDA_MODULE_LOADING", .mayChangeResults, "LAZY or EAGER module loading changes which kernels are loaded when autotuning runs."),
        FactDescription("env.PYTORCH_CUDA_ALLOC_CONF", .mayChangeResults, "Allocator settings change memory layout and can change which cuDNN/cuBLAS algorithms fit in the workspace."),
        FactDescription("env.CUBLASLT_WORKSPACE_SIZE", .changesResults, "The cuBLASLt workspace size limits which matmul algorithms are eligible."),
        FactDescription("env.TORCH_CUDNN_V8_API_DISABLED", .changesResults, "Switches cuDNN between the v7 and v8 APIs, which choose different convolution algorithms."),
        FactDescription("env.TORCH_CUDNN_USE_HEURISTIC_MODE_B", .changesResults, "Changes cuDNN's heuristic for picking convolution algorithms."),
        FactDescription("env.XFORMERS_FORCE_DISABLE_TRITON", .changesResults, "Disables xformers' Triton kernels, so attention runs other kernels."),
        FactDescription("env.PYTHONHASHSEED", .mayChangeResults, "Python's hash seed changes set and dict iteration order, which some pipelines feed into seeds or prompts."),
        FactDescription("nvidia.driver", .mayChangeResults, "The driver ships the CUDA JIT compiler and cuBLAS/cuDNN heuristics' inputs; driver branches changed kernel selection."),
        FactDescription("nvidia.kernel_module", .mayChangeResults, "Open and proprietary kernel modules are different code; rarely changes results, often changes failures."),
        FactDescription("nvidia.l4t", .mayChangeResults, "Jetson's L4T release fixes the whole CUDA stack of the board."),
        FactDescription("cuda.driver_api", .mayChangeResults, "The highest CUDA version the driver supports; a runtime newer than this falls back to PTX JIT or fails."),
        FactDescription("gpu.count", .mayChangeResults, "How many GPUs the job can land on; a different count usually means a different machine type."),
        FactDescription("gpu.*.name", .changesResults, "Different GPU models run different kernels (an L4 and an A30 gave images 88.75% different)."),
        FactDescription("gpu.*.compute_capability", .changesResults, "PyTorch, cuDNN and xformers choose kernels (and attention implementations) by compute capability."),
        FactDescription("gpu.*.arch", .changesResults, "The architecture behind the compute capability (Ampere, Ada, Hopper); kernels are built per architecture."),
        FactDescription("gpu.*.memory_mib", .noEffect, "Memory size changes batch and tiling heuristics only at the margins; identifies the card variant.", identifiesInstance: true),
        FactDescription("gpu.*.mig", .changesResults, "A MIG slice has fewer SMs than the whole GPU, so kernel choices and split counts change."),
        FactDescription("gpu.*.uuid", .noEffect, "Identifies one physical card; informational only.", identifiesInstance: true),
        FactDescription("gpu.*.sm_count", .changesResults, "The GPU's SMs (a MIG slice's own): PyTorch sizes the grids of its CUDA random-number kernels by them, and cuBLAS and cuDNN their split heuristics, so two cards of one model with other SM counts differ."),
        FactDescription("gpu.*.max_threads_per_sm", .changesResults, "Threads an SM holds at once (1536 on 8.6 and 8.9, 2048 on 8.0 and 9.0); PyTorch's random kernels run 1/256 of it as blocks per SM."),
        FactDescription("gpu.*.torch_rng_threshold", .changesResults, "The most elements a CUDA random draw (torch.randn on the GPU, ancestral samplers' noise) can have and take the same values on every GPU from one seed: 256 x SMs x (max threads per SM / 256). Above it the values depend on the SM count."),
        FactDescription("gpu.*.mig_device.*.sm_count", .changesResults, "The SMs of one MIG device of a GPU in MIG mode; a job on that device draws its CUDA random numbers on a grid of that size."),
        FactDescription("gpu.*.mig_device.*.torch_rng_threshold", .changesResults, "gpu.*.torch_rng_threshold for one MIG device: a job on a slice with other SMs draws other GPU noise above this many elements."),
        FactDescription("gpu.*.mig_device.*.uuid", .noEffect, "The MIG device's UUID (MIG-...), by which CUDA_VISIBLE_DEVICES selects it; informational.", identifiesInstance: true),
        FactDescription("cuda.toolkit", .mayChangeResults, "The system toolkit matters when extensions are compiled here (xformers, custom kernels); PyTorch wheels bring their own runtime."),
        FactDescription("cudnn.system", .mayChangeResults, "A system cuDNN is used by builds that link it instead of the nvidia-cudnn wheel."),
        FactDescription("cuda.runtime", .changesResults, "The CUDA runtime torch loads (nvidia-cuda-runtime wheel); its libraries implement every kernel launch."),
        FactDescription("cudnn.runtime", .changesResults, "cuDNN versions ship different convolution and attention kernels and heuristics."),
        FactDescription("cublas.runtime", .changesResults, "cuBLAS versions choose different GEMM kernels and reduction orders."),
        FactDescription("nccl.runtime", .changesResults, "Collective communication; matters for multi-GPU generation."),
        FactDescription("nvjitlink.runtime", .changesResults, "torch 2.2.0 leaves nvidia-nvjitlink-cu12 unpinned, so it drifts between installs."),
        FactDescription("python.executable", .noEffect, "Which interpreter runs the job; informational."),
        FactDescription("python.version", .mayChangeResults, "Python's version changes which wheels install and some numeric library behaviour."),
        FactDescription("python.implementation", .mayChangeResults, "CPython and other implementations install different wheels."),
        FactDescription("python.prefix", .noEffect, "Where the environment lives; informational.", identifiesInstance: true),
        FactDescription("python.base_prefix", .noEffect, "Where the interpreter the environment was made from lives; informational.", identifiesInstance: true),
        FactDescription("python.path.*", .noEffect, "The sys.path folders the packages were read from; informational.", identifiesInstance: true),
        FactDescription("python.startup", .changesResults, "The code Python runs at every start before the job's: sitecustomize and usercustomize, the import lines of .pth files in the site folders, a ._pth file beside the interpreter (NAME sha256:HEX each). Any of them can change the options and settings the app reads."),
        FactDescription("python.packages.torch", .changesResults, "The installed torch distribution: its version and build decide every kernel."),
        FactDescription("python.packages.torchvision", .changesResults, "torchvision's operators must match torch's build."),
        FactDescription("python.packages.xformers", .changesResults, "xformers' attention kernels and dispatch differ between versions."),
        FactDescription("python.packages.*.files", .changesResults, "Whether the distribution's installed files still match its wheel's RECORD (intact, or modified with the files): a file patched by hand runs other code under the same version."),
        FactDescription("python.packages.nvidia-*", .changesResults, "An NVIDIA CUDA library wheel (cuDNN, cuBLAS, the CUDA runtime) whose kernels torch runs."),
        FactDescription("python.packages.*", .mayChangeResults, "Every installed distribution can change results; torch, torchvision and xformers above all."),
        FactDescription("torch.version", .changesResults, "The version torch reports, with its build tag (2.2.0+cu121): a different build is a different set of kernels."),
        FactDescription("torch.cuda", .changesResults, "The CUDA version torch was built for; cu118 and cu121 builds run different kernels."),
        FactDescription("torch.hip", .changesResults, "Set for ROCm builds of torch, which run entirely different kernels."),
        FactDescription("torch.git", .changesResults, "The exact source commit of the torch build."),
        FactDescription("torch.debug", .changesResults, "Debug builds run slower and can take other code paths."),
        FactDescription("torchvision.version", .changesResults, "torchvision must match torch; a mismatch loads the wrong C++ operators or fails."),
        FactDescription("torchvision.cuda", .changesResults, "torchvision's CUDA build must match torch's."),
        FactDescription("xformers.version", .changesResults, "xformers provides the memory-efficient attention kernels; versions differ in kernels and dispatch."),
        FactDescription("xformers.build.*", .changesResults, "What xformers was compiled against; built for another torch, it silently loses its C++/CUDA kernels."),
        FactDescription("conda.packages.*", .mayChangeResults, "Packages a conda environment installed, including CUDA libraries conda provides."),
        FactDescription("runtime.state", .noEffect, "Whether the probed process had loaded torch or a CUDA library yet; a process still starting shows none."),
        FactDescription("runtime.process.*", .noEffect, "The probed process: its pid, program, command line and working directory; informational.", identifiesInstance: true),
        FactDescription("runtime.*.path", .noEffect, "Where the file the process loaded lies; which copy it is shows in the matching source fact.", identifiesInstance: true),
        FactDescription("runtime.libcuda.*", .mayChangeResults, "The driver's libcuda the process loaded; as nvidia.driver, it rarely changes results."),
        FactDescription("runtime.nvml.*", .noEffect, "NVML only reports on and manages GPUs; it runs no kernels."),
        FactDescription("runtime.*.version", .changesResults, "The version of a library the process really loaded (cuDNN, cuBLAS, the CUDA runtime, torch): its kernels ran the job."),
        FactDescription("runtime.*.source", .changesResults, "Which copy the dynamic linker chose, a wheel's or a system library earlier on LD_LIBRARY_PATH: another copy runs other kernels."),
        FactDescription("hf.models.*.*", .changesResults, "The commit of a Hugging Face model diffusers or transformers loads; another commit is other weights, configs or scheduler settings."),
        FactDescription("hf.datasets.*.*", .mayChangeResults, "The commit of a cached Hugging Face dataset; matters when a job reads prompts or embeddings from it."),
        FactDescription("hf.spaces.*.*", .noEffect, "The commit of a cached Hugging Face Space; pipelines do not load Spaces, so informational."),
        FactDescription("hf.offline", .mayChangeResults, "Online, the hub resolves a ref such as main again at each load and downloads a newer commit; offline, only what the cache holds loads."),
        FactDescription("hf.cache", .noEffect, "Which Hugging Face cache folder was read; informational.", identifiesInstance: true),
        FactDescription("job.command.program", .mayChangeResults, "The program the job runs (python3, a venv's python); informational with the script beside it."),
        FactDescription("job.command.script", .changesResults, "The script file the job starts; another file is another program."),
        FactDescription("job.command.script_sha256", .changesResults, "The SHA-256 of the job's script: an edited launcher is different code."),
        FactDescription("job.command.arguments", .changesResults, "The job's arguments as a list (docs/FORMAT.md, list values); run.require and run.forbid read the same arguments."),
        FactDescription("job.fooocus.version", .changesResults, "Fooocus' version (fooocus_version.py): sampling, prompt handling and defaults change between releases."),
        FactDescription("job.fooocus.commit", .changesResults, "The checkout's git commit: the exact Fooocus code that runs."),
        FactDescription("job.fooocus.tree", .changesResults, "Whether the checkout holds exactly its commit's code: clean, or modified with the files that differ (edited, staged, deleted, untracked Python code); read from .git without git, undetermined where envlock cannot verify it."),
        FactDescription("job.fooocus.python_startup", .changesResults, "What the job's own interpreter runs at every start from its installation (python.startup's form): a .pth import line or a sitecustomize there can change Fooocus's options and settings before it reads them."),
        FactDescription("job.fooocus.entry", .changesResults, "Which Fooocus script starts the job (entry_with_update.py, launch.py, webui.py)."),
        FactDescription("job.fooocus.self_update", .changesResults, "true for entry_with_update.py, which pulls new code before it starts, so the code that runs is not the code that was verified."),
        FactDescription("job.fooocus.options.error", .changesResults, "Present when the job's own argparse would end the launch before it generates: its error (unknown, ambiguous, conflicting or badly typed options), or --help."),
        FactDescription("job.fooocus.attention", .changesResults, "The UNet attention Fooocus uses given the options (pytorch, split, quad), or auto where the machine decides (xformers when it imports, which --attention-split and --attention-quad do not prevent)."),
        FactDescription("job.fooocus.attention_upcast", .changesResults, "false under --disable-attention-upcast: the basic, split and sub-quadratic attention kernels compute in fp16."),
        FactDescription("job.fooocus.device", .changesResults, "Where Fooocus runs the models: gpu, cpu (--always-cpu with a non-zero value) or directml."),
        FactDescription("job.fooocus.device.*", .changesResults, "Where the CLIP text encoder and the VAE run (gpu, cpu, or auto where the GPU's memory and fp16 support decide); the CPU computes in other orders and dtypes."),
        FactDescription("job.fooocus.vram", .changesResults, "The VRAM mode the options choose (gpu, high, normal, low, none, or auto); low and no VRAM move the text encoder to the CPU."),
        FactDescription("job.fooocus.option.*", .changesResults, "The value (Python's repr) of each Fooocus option that changes or may change results and that no named fact covers (attention, dtypes, devices, VRAM, preset), default included; a profile pins them all with job.fooocus.option.*."),
        FactDescription("job.fooocus.precision.*", .changesResults, "The dtype the options give the UNet, VAE, CLIP text encoder (or all); fp16, bf16 and fp32 round differently."),
        FactDescription("job.fooocus.deterministic", .changesResults, "--pytorch-deterministic: PyTorch's deterministic algorithms, slower but repeatable."),
        FactDescription("job.fooocus.xformers", .changesResults, "disabled when xformers is never used (--disable-xformers, --attention-pytorch, or not on a GPU), else allowed."),
        FactDescription("job.fooocus.install_overrides", .changesResults, "REQS_FILE, TORCH_COMMAND and TORCH_INDEX_URL as the job's environment sets them (a list): launch.py pip-installs from them before it generates."),
        FactDescription("job.fooocus.preset", .changesResults, "The preset chosen with --preset, whose settings override config.txt."),
        FactDescription("job.fooocus.config.*", .changesResults, "Fooocus' effective default settings (sampler, scheduler, styles, LoRAs, CFG, sharpness, refiner, VAE, model, performance), each of which changes the image."),
        FactDescription("job.fooocus.model.*.file", .changesResults, "The model file a setting names, found as Fooocus finds it in its path_* folders."),
        FactDescription("job.fooocus.model.*.sha256", .changesResults, "The SHA-256 of that model file: the same name can hold other weights."),
        FactDescription("job.fooocus.model.lora.*.file", .changesResults, "The file of the n-th enabled LoRA."),
        FactDescription("job.fooocus.model.lora.*.sha256", .changesResults, "The SHA-256 of the n-th enabled LoRA."),
        FactDescription("job.comfyui.version", .changesResults, "ComfyUI's version (comfyui_version.py)."),
        FactDescription("job.comfyui.commit", .changesResults, "The checkout's git commit: the exact ComfyUI code that runs."),
        FactDescription("job.comfyui.tree", .changesResults, "Whether the checkout holds exactly its commit's code: clean, or modified with the files that differ (edited, staged, deleted, untracked Python code outside custom_nodes)."),
        FactDescription("job.comfyui.python_startup", .changesResults, "What the job's own interpreter runs at every start from its installation (python.startup's form): a .pth import line or a sitecustomize there can change ComfyUI's options and settings before it reads them."),
        FactDescription("job.comfyui.options.error", .changesResults, "Present when the job's own argparse would end the launch before it generates: its error, or --help."),
        FactDescription("job.comfyui.attention", .changesResults, "The attention ComfyUI uses given the options (pytorch, split, quad, sage, flash), or auto where the machine decides (xformers when it imports)."),
        FactDescription("job.comfyui.attention_upcast", .changesResults, "forced (--force-upcast-attention), false (--dont-upcast-attention) or auto."),
        FactDescription("job.comfyui.device", .changesResults, "Where ComfyUI runs the models: gpu, cpu (--cpu) or directml."),
        FactDescription("job.comfyui.device.*", .changesResults, "Where the VAE runs (cpu under --cpu-vae)."),
        FactDescription("job.comfyui.vram", .changesResults, "The VRAM mode the options choose (gpu, high, normal, low, none, or auto)."),
        FactDescription("job.comfyui.option.*", .changesResults, "The value (Python's repr) of each ComfyUI option that changes or may change results and that no named fact covers, default included."),
        FactDescription("job.comfyui.precision.*", .changesResults, "The dtype the options give the UNet, VAE, text encoder (or all)."),
        FactDescription("job.comfyui.deterministic", .changesResults, "--deterministic: PyTorch's deterministic algorithms."),
        FactDescription("job.comfyui.fast", .changesResults, "The --fast optimizations enabled (a list); each trades accuracy for speed."),
        FactDescription("job.comfyui.xformers", .changesResults, "--disable-xformers: whether xformers may be used when installed."),
        FactDescription("job.comfyui.extra_model_paths", .changesResults, "The SHA-256 of extra_model_paths.yaml beside main.py (or absent): ComfyUI loads it at start and searches its model folders."),
        FactDescription("job.comfyui.custom_nodes", .changesResults, "The custom nodes ComfyUI imports at start (a list of custom_nodes entries); each can replace samplers and models."),
        FactDescription("job.comfyui.graph.samplers", .changesResults, "The sampler_name of every sampler node in an image's ComfyUI graph (a list; envlock audit only)."),
        FactDescription("job.comfyui.graph.schedulers", .changesResults, "The scheduler of every sampler node in an image's ComfyUI graph (a list; envlock audit only)."),
        FactDescription("job.comfyui.graph.cfg", .changesResults, "The cfg of every sampler node in an image's ComfyUI graph (a list; envlock audit only)."),
        FactDescription("job.comfyui.graph.checkpoints", .changesResults, "The ckpt_name of every checkpoint loader in an image's ComfyUI graph (a list; envlock audit only)."),
        FactDescription("job.comfyui.graph.loras", .changesResults, "The lora_name of every LoRA loader in an image's ComfyUI graph (a list; envlock audit only)."),
        FactDescription("cuda_code.*.sass", .changesResults, "The GPU architectures a library (libtorch_cuda.so, xformers' and flash-attention's extensions) carries machine code for: a GPU runs the highest one of its own major version, so a build without sm_89 runs sm_86 kernels on an L4."),
        FactDescription("cuda_code.*.ptx", .changesResults, "The PTX a library carries: a GPU with no fitting machine code runs it compiled by the driver, whose compiler then decides the kernels."),
        FactDescription("cuda_code.*.gpu.*", .changesResults, "Which of a library's GPU code this GPU runs (sm_86, ptx compute_80 compiled by the driver, or none: the kernels cannot launch); different code computes differently."),
        FactDescription("*.runtime", .changesResults, "A CUDA library torch loads (its nvidia-*-cuNN wheel or the copy in torch/lib); its kernels run the model."),
    ]

    /// Why a rule on `pattern` could never see a fact, or nil when some detector reports
    /// keys like it. A rule whose key no detector reports would pass an `absent` check
    /// whatever the machine has (`env.nvidia_tf32_override`, `python.packages.Torch`), so
    /// profiles and locks refuse such keys when they are loaded.
    static func unreportableKeyProblem(_ pattern: FactPattern) -> String? {
        let packagePrefix = "python.packages."
        if pattern.text.hasPrefix(packagePrefix) {
            var name = pattern.text.dropFirst(packagePrefix.count)
            // `python.packages.NAME.files`: the check of NAME's installed files.
            let filesSuffix = ".files"
            let suffix = name.hasSuffix(filesSuffix) && name.utf8.count > filesSuffix.utf8.count ? filesSuffix : ""
            name = name.dropLast(suffix.count)
            let normalized = PackageName.normalize(name)
            if normalized != name {
                return "'\(pattern.text)' can never match: Python package keys are PEP 503 normalized (lowercase, runs of -, _ and . as one -); write '\(packagePrefix)\(normalized)\(suffix)'"
            }
        }
        if entries.contains(where: { $0.pattern.overlaps(pattern) }) { return nil }
        // Keys are case-sensitive: suggest the spelling that would match, if one does.
        let envName = pattern.text.hasPrefix("env.") ? "env." + pattern.text.dropFirst(4).uppercased() : nil
        for candidate in [pattern.text.lowercased(), envName].compactMap({ $0 }) where candidate != pattern.text {
            if let respelled = FactPattern(candidate), entries.contains(where: { $0.pattern.overlaps(respelled) }) {
                return "'\(pattern.text)' can never match: keys are case-sensitive; write '\(candidate)'"
            }
        }
        if pattern.text.hasPrefix("env.") {
            let reported = entries.map(\.pattern.text).filter { $0.hasPrefix("env.") }.joined(separator: ", ")
            return "'\(pattern.text)' can never match: envlock reports only these environment variables: \(reported) (docs/FACTS.md)"
        }
        return "'\(pattern.text)' can never match: no detector reports such keys; check the key against docs/FACTS.md"
    }

    /// The first description whose pattern matches `key`.
    static func describe(_ key: String) -> FactDescription? {
        entries.first { $0.pattern.matches(key) }
    }

    /// How much a difference in `key` can change results. Job facts (`job.…`, the settings
    /// the job itself runs with: attention, precision, sampler, styles, LoRAs, models, app
    /// version) change results unless the catalog says otherwise; other keys the catalog does
    /// not know may change results.
    public static func impact(of key: String) -> FactImpact {
        if let description = describe(key) { return description.impact }
        return key.hasPrefix(jobPrefix) ? .changesResults : .mayChangeResults
    }

    /// Why a difference in `key` matters, also for keys the catalog does not list.
    public static func why(_ key: String) -> String {
        if let description = describe(key) { return description.why }
        return key.hasPrefix(jobPrefix)
            ? "A setting of the job itself (attention, precision, sampler, styles, LoRAs, models, app version): another value makes other images."
            : "Not in envlock's fact catalog; compare it by hand."
    }

    static let jobPrefix = "job."
}

import EnvLock

/// `job.fooocus.*`: a Fooocus launch as Fooocus itself would run it: its version and commit,
/// whether it updates itself first, its options parsed as its argparse does, its effective
/// default settings, and the SHA-256 of the model files those settings name.
///
/// Recognised from the checkout: the script is `entry_with_update.py`, `launch.py` or
/// `webui.py` beside `fooocus_version.py`. Upstream files (Fooocus 2.5.5) cited where used.
public struct FooocusDetector: Detector {
    public let name = "fooocus"
    public let provides = ["job.fooocus."]
    public var job: JobInvocation?

    public init(job: JobInvocation?) {
        self.job = job
    }

    static let entryScripts = ["entry_with_update.py", "launch.py", "webui.py"]

    /// `ldm_patched/modules/args_parser.py` and `args_manager.py`: every option Fooocus 2.5.5
    /// accepts, with its groups. Fooocus parses `sys.argv` with this parser in args_manager.
    static let parser = PythonArgparse(
        options: [
            .init("-h"), .init("--help"),
            .init("--listen", .optional), .init("--port", .one), .init("--disable-header-check", .optional),
            .init("--web-upload-size", .one), .init("--hf-mirror", .one), .init("--external-working-path", .atLeastOne),
            .init("--output-path", .one), .init("--temp-path", .one), .init("--cache-path", .one),
            .init("--in-browser"), .init("--disable-in-browser"), .init("--gpu-device-id", .one),
            .init("--async-cuda-allocation"), .init("--disable-async-cuda-allocation"), .init("--disable-attention-upcast"),
            .init("--all-in-fp32"), .init("--all-in-fp16"),
            .init("--unet-in-bf16"), .init("--unet-in-fp16"), .init("--unet-in-fp8-e4m3fn"), .init("--unet-in-fp8-e5m2"),
            .init("--vae-in-fp16"), .init("--vae-in-fp32"), .init("--vae-in-bf16"), .init("--vae-in-cpu"),
            .init("--clip-in-fp8-e4m3fn"), .init("--clip-in-fp8-e5m2"), .init("--clip-in-fp16"), .init("--clip-in-fp32"),
            .init("--directml", .optional), .init("--disable-ipex-hijack"),
            .init("--preview-option", .one, choices: ["none", "auto", "fast", "taesd"]),
            .init("--attention-split"), .init("--attention-quad"), .init("--attention-pytorch"), .init("--disable-xformers"),
            .init("--always-gpu"), .init("--always-high-vram"), .init("--always-normal-vram"), .init("--always-low-vram"),
            .init("--always-no-vram"), .init("--always-cpu", .optional), .init("--always-offload-from-vram"),
            .init("--pytorch-deterministic"), .init("--disable-server-log"), .init("--debug-mode"),
            .init("--is-windows-embedded-python"), .init("--disable-server-info"), .init("--multi-user"),
            // args_manager.py
            .init("--share"), .init("--preset", .one), .init("--disable-preset-selection"), .init("--language", .one),
            .init("--disable-offload-from-vram"), .init("--theme", .one), .init("--disable-image-log"),
            .init("--disable-analytics"), .init("--disable-metadata"), .init("--disable-preset-download"),
            .init("--disable-enhance-output-sorting"), .init("--enable-auto-describe-image"),
            .init("--always-download-new-model"), .init("--rebuild-hash-cache", .optional),
        ],
        exclusiveGroups: [
            ["--async-cuda-allocation", "--disable-async-cuda-allocation"],
            ["--all-in-fp32", "--all-in-fp16"],
            ["--unet-in-bf16", "--unet-in-fp16", "--unet-in-fp8-e4m3fn", "--unet-in-fp8-e5m2"],
            ["--vae-in-fp16", "--vae-in-fp32", "--vae-in-bf16"],
            ["--clip-in-fp8-e4m3fn", "--clip-in-fp8-e5m2", "--clip-in-fp16", "--clip-in-fp32"],
            ["--attention-split", "--attention-quad", "--attention-pytorch"],
            ["--always-gpu", "--always-high-vram", "--always-normal-vram", "--always-low-vram", "--always-no-vram", "--always-cpu"],
        ]
    )

    /// The facts the options give, named by their effect (`ldm_patched/modules/model_management.py`).
    static func optionFacts(_ parsed: PythonArgparse.Parsed) -> [String: String] {
        // Without a choice, torch >= 2 on NVIDIA uses PyTorch attention unless xformers is
        // installed and not disabled: it depends on the machine, so "auto".
        let attention = parsed.effect([("--attention-split", "split"), ("--attention-quad", "quad"), ("--attention-pytorch", "pytorch")], otherwise: "auto")
        let all = parsed.effect([("--all-in-fp16", "fp16"), ("--all-in-fp32", "fp32")], otherwise: "auto")
        // unet_dtype() and text_encoder_dtype(): an explicit choice, else fp16 under
        // FORCE_FP16, fp32 under FORCE_FP32, else what the GPU supports.
        let unet = parsed.effect([("--unet-in-bf16", "bf16"), ("--unet-in-fp16", "fp16"), ("--unet-in-fp8-e4m3fn", "fp8_e4m3fn"), ("--unet-in-fp8-e5m2", "fp8_e5m2")], otherwise: all)
        let clip = parsed.effect([("--clip-in-fp8-e4m3fn", "fp8_e4m3fn"), ("--clip-in-fp8-e5m2", "fp8_e5m2"), ("--clip-in-fp16", "fp16"), ("--clip-in-fp32", "fp32")], otherwise: all)
        // VAE_DTYPE ignores --all-in-*: bf16 on GPUs of compute capability 8 and newer, else
        // fp32, unless chosen (this is one of the L4/A30 differences).
        let vae = parsed.effect([("--vae-in-fp16", "fp16"), ("--vae-in-bf16", "bf16"), ("--vae-in-fp32", "fp32"), ("--vae-in-cpu", "fp32")], otherwise: "auto")
        return [
            "job.fooocus.attention": attention,
            "job.fooocus.precision.all": all,
            "job.fooocus.precision.unet": unet,
            "job.fooocus.precision.clip": clip,
            "job.fooocus.precision.vae": vae,
            "job.fooocus.deterministic": parsed.isSet("--pytorch-deterministic") ? "true" : "false",
            "job.fooocus.xformers": parsed.isSet("--disable-xformers") ? "disabled" : "allowed",
            "job.fooocus.preset": parsed.value("--preset") ?? "none",
        ]
    }

    /// `fooocus_version.py`: `version = '2.5.5'`.
    static func parseVersion(_ text: String) -> String? {
        guard case .string(let version)? = PythonVersionModule.assignments(text)["version"] else { return nil }
        return version
    }

    public func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let job, let launch = JobInvocation.launch(job.command) else { return .skipped(JobDetectors.noCommand) }
        guard let script = launch.script.map({ job.physicalPath($0, in: context) }) else { return .absent("the command runs no script file, so it is not a Fooocus launch") }
        let file = script.split(separator: "/").last.map(String.init) ?? script
        let checkout = String(script.dropLast(file.count + 1))
        guard Self.entryScripts.contains(file), context.exists(checkout + "/fooocus_version.py") else {
            return .absent("\(script) is not a Fooocus entry script (entry_with_update.py, launch.py or webui.py beside fooocus_version.py)")
        }
        var facts: [String: String] = [
            "job.fooocus.entry": file,
            // entry_with_update.py fetches and fast-forwards the checkout before it imports
            // launch.py, so the code that runs is not the code that was verified.
            "job.fooocus.self_update": file == "entry_with_update.py" ? "true" : "false",
        ]
        var diagnostics: [String] = []
        do {
            let text = try context.readText(checkout + "/fooocus_version.py", limit: 64 << 10)
            guard let version = Self.parseVersion(text) else {
                return .failed("\(checkout)/fooocus_version.py has no version = '…' line", facts: facts)
            }
            facts["job.fooocus.version"] = version
        } catch {
            return .failed("cannot read the Fooocus version: \(error)", facts: facts)
        }
        switch GitHead.commit(of: checkout, in: context) {
        case .commit(let commit): facts["job.fooocus.commit"] = commit
        case .notACheckout: diagnostics.append("\(checkout) is not a git checkout, so job.fooocus.commit is not known")
        case .unreadable(let reason): return .failed("cannot read the checkout's commit: \(reason)", facts: facts)
        }
        let parsed: PythonArgparse.Parsed
        do {
            parsed = try Self.parser.parse(launch.arguments)
        } catch {
            // Fooocus prints argparse's error and exits 2 before it loads anything.
            facts["job.fooocus.options.error"] = error.description
            return .ok(facts, diagnostics: diagnostics)
        }
        facts.merge(Self.optionFacts(parsed)) { $1 }
        let environment = context.environment
        var layers: [MinimalJSON.Value] = []
        func layer(_ path: String, missing: String?) throws(FileReadError) {
            do {
                let bytes = try context.readBytes(path)
                layers.append(try MinimalJSON.parse(bytes))
            } catch let error as FileReadError {
                if case .notFound = error {
                    if let missing { diagnostics.append(missing) }
                    return
                }
                throw error
            } catch {
                // Fooocus prints the JSON error and goes on without this file.
                diagnostics.append("\(path): \(error); Fooocus ignores this file")
            }
        }
        let configPath = environment["config_path"].map { $0.hasPrefix("/") ? $0 : checkout + "/" + $0 } ?? checkout + "/config.txt"
        do {
            try layer(checkout + "/presets/default.json", missing: "\(checkout)/presets/default.json is missing; Fooocus starts from its built-in defaults")
            try layer(configPath, missing: nil)
            if let preset = parsed.value("--preset") {
                try layer(checkout + "/presets/\(preset).json", missing: "preset \(preset): \(checkout)/presets/\(preset).json is missing; Fooocus ignores it")
            }
        } catch {
            return .failed("cannot read Fooocus' configuration: \(error)", facts: facts, diagnostics: diagnostics)
        }
        let styleNames: [String]
        do {
            styleNames = try Self.styleNames(in: checkout + "/sdxl_styles", context: context, diagnostics: &diagnostics)
        } catch {
            return .failed("cannot read Fooocus' style files: \(error)", facts: facts, diagnostics: diagnostics)
        }
        let config = FooocusConfig.resolve(layers: layers, environment: environment, legalStyles: FooocusConfig.legalStyles(fromStyleFiles: styleNames))
        facts["job.fooocus.config.model"] = config.model
        facts["job.fooocus.config.refiner"] = config.refiner
        facts["job.fooocus.config.refiner_switch"] = config.refinerSwitch
        facts["job.fooocus.config.sampler"] = config.sampler
        facts["job.fooocus.config.scheduler"] = config.scheduler
        facts["job.fooocus.config.styles"] = FactList.encode(config.styles)
        facts["job.fooocus.config.prompt_expansion"] = config.promptExpansion ? "true" : "false"
        facts["job.fooocus.config.loras"] = FactList.encode(config.enabledLoRAs.map(\.name))
        facts["job.fooocus.config.lora_weights"] = FactList.encode(config.enabledLoRAs.map(\.weight))
        facts["job.fooocus.config.performance"] = config.performance
        facts["job.fooocus.config.cfg_scale"] = config.cfgScale
        facts["job.fooocus.config.sharpness"] = config.sharpness
        facts["job.fooocus.config.vae"] = config.vae
        do {
            try modelFacts(config, options: parsed, checkout: checkout, job: job, context: context, into: &facts, diagnostics: &diagnostics)
        } catch {
            return .failed("cannot hash a model file: \(error)", facts: facts, diagnostics: diagnostics)
        }
        return .ok(facts, diagnostics: diagnostics)
    }

    /// The style names of every `*.json` file in the checkout's `sdxl_styles` folder
    /// (`modules/sdxl_styles.py`); a file that is not a style list is skipped, as Fooocus skips it.
    static func styleNames(in folder: String, context: HostContext, diagnostics: inout [String]) throws(FileReadError) -> [String] {
        let files: [String]
        do {
            files = try context.listDirectory(folder).filter { $0.hasSuffix(".json") }
        } catch {
            guard case .notFound = error else { throw error }
            diagnostics.append("\(folder) is missing: Fooocus knows no styles but Fooocus V2 and Random Style")
            return []
        }
        var names: [String] = []
        for file in files {
            let parsed: MinimalJSON.Value
            do {
                parsed = try MinimalJSON.parse(try context.readBytes(folder + "/" + file, limit: 16 << 20))
            } catch let error as FileReadError {
                throw error
            } catch {
                diagnostics.append("\(folder)/\(file): \(error); Fooocus skips this style file")
                continue
            }
            guard let fileNames = FooocusConfig.styleNames(inStyleFile: parsed) else {
                diagnostics.append("\(folder)/\(file) is not a list of styles with names; Fooocus skips it")
                continue
            }
            names += fileNames
        }
        return names
    }

    /// `modules/config.py` `get_dir_or_set_default`: the configured folder(s) when every one
    /// exists, else the default under the checkout. The environment variable, when set, is
    /// taken as the path text.
    static func folders(_ key: String, default relative: String, config: FooocusConfig, environment: [String: String], checkout: String, context: HostContext) -> [String] {
        let value: MinimalJSON.Value? = environment[key].map(MinimalJSON.Value.string) ?? config.merged[key]
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : checkout + "/" + path }
        var candidates: [String]?
        switch value {
        case .string(let path)?: candidates = [absolute(path)]
        case .array(let items)?: candidates = items.compactMap { if case .string(let path) = $0 { absolute(path) } else { nil } }
        default: break
        }
        if let candidates, !candidates.isEmpty, candidates.allSatisfy({ context.isDirectory($0) }) { return candidates }
        return [checkout + "/" + relative]
    }

    /// `modules/util.py` `get_file_from_folder_list`: the first folder holding the file, else the first folder.
    static func file(_ name: String, in folders: [String], context: HostContext) -> String {
        folders.map { $0 + "/" + name }.first { context.exists($0) } ?? folders[0] + "/" + name
    }

    func modelFacts(_ config: FooocusConfig, options: PythonArgparse.Parsed, checkout: String, job: JobInvocation, context: HostContext, into facts: inout [String: String], diagnostics: inout [String]) throws(FileReadError) {
        let environment = context.environment
        func folders(_ key: String, _ relative: String) -> [String] {
            Self.folders(key, default: relative, config: config, environment: environment, checkout: checkout, context: context)
        }
        var models: [(key: String, path: String)] = []
        let checkpoints = folders("path_checkpoints", "models/checkpoints")
        var base = Self.file(config.model, in: checkpoints, context: context)
        // launch.py download_models: without --disable-preset-download or
        // --always-download-new-model, a missing default model is replaced by the first of
        // previous_default_models that exists, and that one becomes the default.
        if !context.exists(base), !options.isSet("--disable-preset-download"), !options.isSet("--always-download-new-model"),
           let alternative = config.previousModels.first(where: { context.exists(Self.file($0, in: checkpoints, context: context)) }) {
            base = Self.file(alternative, in: checkpoints, context: context)
            facts["job.fooocus.config.model"] = alternative
            diagnostics.append("\(config.model) is missing, so Fooocus uses \(alternative) from previous_default_models")
        }
        models.append(("job.fooocus.model.base", base))
        if config.refiner != "None" {
            models.append(("job.fooocus.model.refiner", Self.file(config.refiner, in: folders("path_checkpoints", "models/checkpoints"), context: context)))
        }
        if config.vae != FooocusConfig.defaultVAE {
            models.append(("job.fooocus.model.vae", Self.file(config.vae, in: folders("path_vae", "models/vae"), context: context)))
        }
        for (index, lora) in config.enabledLoRAs.enumerated() {
            models.append(("job.fooocus.model.lora.\(index)", Self.file(lora.name, in: folders("path_loras", "models/loras"), context: context)))
        }
        if config.promptExpansion {
            // launch.py downloads the expansion model as pytorch_model.bin into this folder.
            let folder = folders("path_fooocus_expansion", "models/prompt_expansion/fooocus_expansion")[0]
            models.append(("job.fooocus.model.expansion", folder + "/pytorch_model.bin"))
        }
        for model in models {
            facts[model.key + ".file"] = model.path
            guard job.wantsDigest(model.key + ".sha256") else { continue }
            do {
                let result = try job.digests.digest(of: model.path, in: context)
                facts[model.key + ".sha256"] = result.digest
                if let note = result.cacheNote { diagnostics.append(note) }
            } catch {
                guard case .notFound = error else { throw error }
                // launch.py downloads a missing default model at start: what would run is unknown.
                diagnostics.append("\(model.path) is missing; Fooocus would download it when it starts")
            }
        }
    }
}

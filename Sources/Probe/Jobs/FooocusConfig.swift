import EnvLock

/// Fooocus' effective default settings, resolved as its `modules/config.py` resolves them
/// (Fooocus 2.5.5): `presets/default.json`, updated by the config file (`config_path`,
/// default `./config.txt`), updated by `presets/<--preset>.json`; then, per key, an
/// environment variable named exactly like the key overrides it (read with
/// `modules/extra_utils.py` `try_eval_env_var`: a Python literal, kept as text when it is
/// not one or not of the key's type), and a value its validator refuses falls back to the
/// built-in default (`get_config_item_or_set_default`).
struct FooocusConfig: Equatable {
    /// The settings that change images, as Python would print them.
    var model = "model.safetensors"
    /// `previous_default_models`: used instead of a missing `default_model` (launch.py).
    var previousModels: [String] = []
    var refiner = "None"
    var refinerSwitch = "0.8"
    /// `[enabled, name, weight]` entries, two-item `[name, weight]` entries read as enabled.
    var loras: [(enabled: Bool, name: String, weight: String)] = Array(repeating: (true, "None", "1.0"), count: 5)
    var cfgScale = "7.0"
    var sharpness = "2.0"
    var sampler = "dpmpp_2m_sde_gpu"
    var scheduler = "karras"
    var vae = defaultVAE
    var styles = ["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"]
    var performance = "Speed"
    /// The merged dictionary, for the `path_*` folder keys the detector resolves itself.
    var merged: [String: MinimalJSON.Value] = [:]

    static func == (lhs: FooocusConfig, rhs: FooocusConfig) -> Bool {
        lhs.model == rhs.model && lhs.refiner == rhs.refiner && lhs.refinerSwitch == rhs.refinerSwitch
            && lhs.loras.elementsEqual(rhs.loras) { $0.enabled == $1.enabled && $0.name == $1.name && $0.weight == $1.weight }
            && lhs.cfgScale == rhs.cfgScale && lhs.sharpness == rhs.sharpness && lhs.sampler == rhs.sampler
            && lhs.scheduler == rhs.scheduler && lhs.vae == rhs.vae && lhs.styles == rhs.styles && lhs.performance == rhs.performance
    }

    /// `modules/flags.py` `default_vae`.
    static let defaultVAE = "Default (model)"
    /// The style whose presence turns on prompt expansion (`modules/sdxl_styles.py` `fooocus_expansion`).
    static let expansionStyle = "Fooocus V2"
    /// `modules/flags.py` `sampler_list` (KSAMPLER and SAMPLER_EXTRA keys).
    static let samplers = ["euler", "euler_ancestral", "heun", "heunpp2", "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast",
                           "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_sde",
                           "dpmpp_2m_sde_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "tcd", "restart",
                           "ddim", "uni_pc", "uni_pc_bh2"]
    /// `modules/flags.py` `scheduler_list`.
    static let schedulers = ["normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "lcm", "turbo",
                             "align_your_steps", "tcd", "edm_playground_v2.5"]
    /// `modules/flags.py` `Performance` values.
    static let performances = ["Quality", "Speed", "Extreme Speed", "Lightning", "Hyper-SD"]

    enum Expected { case string, number, list }

    /// `modules/sdxl_styles.py` `normalize_key`: the name a style file's entry is known by.
    static func normalizeStyleName(_ name: String) -> String {
        let words = name.replacing("-", with: " ").split(separator: " ", omittingEmptySubsequences: false).map { word in
            (word.first.map { String($0).uppercased() } ?? "") + word.dropFirst().lowercased()
        }
        return words.joined(separator: " ").replacing("3d", with: "3D").replacing("Sai", with: "SAI")
            .replacing("Mre", with: "MRE").replacing("(s", with: "(S")
    }

    /// The style names one `sdxl_styles/*.json` file defines (a list of `{"name": …}`), or
    /// nil when Fooocus would fail to load it (it prints the error and skips the file).
    static func styleNames(inStyleFile value: MinimalJSON.Value) -> [String]? {
        guard case .array(let entries) = value else { return nil }
        var names: [String] = []
        for entry in entries {
            guard case .string(let name)? = entry["name"] else { return nil }
            names.append(normalizeStyleName(name))
        }
        return names
    }

    /// `modules/sdxl_styles.py` `legal_style_names`: Fooocus V2, Random Style and the styles
    /// of the checkout's style files.
    static func legalStyles(fromStyleFiles names: [String]) -> Set<String> {
        Set([expansionStyle, "Random Style"] + names)
    }

    /// Resolves the layers (each a parsed JSON object; later ones win) and the environment;
    /// `legalStyles` are the style names Fooocus knows (`default_styles` must use only those).
    static func resolve(layers: [MinimalJSON.Value], environment: [String: String], legalStyles: Set<String>) -> FooocusConfig {
        var merged: [String: MinimalJSON.Value] = [:]
        for case .object(let members) in layers {
            for member in members { merged[member.key] = member.value }
        }
        var config = FooocusConfig()
        func setting(_ key: String, _ expected: Expected, valid: (MinimalJSON.Value) -> Bool) -> MinimalJSON.Value? {
            if let text = environment[key] { merged[key] = evaluateEnvironment(text, expected) }
            guard var value = merged[key] else { return nil }
            // "disable_empty_as_none" is off for every key read here: null and "" become 'None'.
            if value == .null || value == .string("") { value = .string("None") }
            return valid(value) ? value : nil
        }
        func string(_ key: String, allowed: [String]? = nil) -> String? {
            guard case .string(let text)? = setting(key, .string, valid: { value in
                guard case .string(let text) = value else { return false }
                return allowed?.contains(text) ?? true
            }) else { return nil }
            return text
        }
        func number(_ key: String, range: ClosedRange<Double>? = nil) -> String? {
            guard case .number(let text)? = setting(key, .number, valid: { value in
                guard case .number(let text) = value, let number = Double(text) else { return false }
                return range?.contains(number) ?? true
            }) else { return nil }
            return text
        }
        config.model = string("default_model") ?? config.model
        if case .array(let items)? = setting("previous_default_models", .list, valid: { value in
            guard case .array(let items) = value else { return false }
            return items.allSatisfy { if case .string = $0 { true } else { false } }
        }) {
            config.previousModels = items.compactMap { if case .string(let name) = $0 { name } else { nil } }
        }
        config.refiner = string("default_refiner") ?? config.refiner
        config.refinerSwitch = number("default_refiner_switch", range: 0...1) ?? config.refinerSwitch
        if case .array(let entries)? = setting("default_loras", .list, valid: { value in
            guard case .array(let entries) = value else { return false }
            return entries.allSatisfy { lora(from: $0) != nil }
        }) {
            config.loras = entries.compactMap(lora(from:))
        }
        config.cfgScale = number("default_cfg_scale") ?? config.cfgScale
        config.sharpness = number("default_sample_sharpness") ?? config.sharpness
        config.sampler = string("default_sampler", allowed: samplers) ?? config.sampler
        config.scheduler = string("default_scheduler", allowed: schedulers) ?? config.scheduler
        config.vae = string("default_vae") ?? config.vae
        // An unknown style name makes Fooocus fall back to its default styles, Fooocus V2 included.
        if case .array(let items)? = setting("default_styles", .list, valid: { value in
            guard case .array(let items) = value else { return false }
            return items.allSatisfy { if case .string(let name) = $0 { legalStyles.contains(name) } else { false } }
        }) {
            config.styles = items.compactMap { if case .string(let name) = $0 { name } else { nil } }
        }
        config.performance = string("default_performance", allowed: performances) ?? config.performance
        config.merged = merged
        return config
    }

    /// One `default_loras` entry as the validator in `modules/config.py` accepts it.
    static func lora(from value: MinimalJSON.Value) -> (enabled: Bool, name: String, weight: String)? {
        guard case .array(let parts) = value else { return nil }
        switch parts.count {
        case 3:
            if case .bool(let enabled) = parts[0], case .string(let name) = parts[1], case .number(let weight) = parts[2] { return (enabled, name, weight) }
        case 2:
            if case .string(let name) = parts[0], case .number(let weight) = parts[1] { return (true, name, weight) }
        default:
            break
        }
        return nil
    }

    /// `try_eval_env_var`: the literal when it is one of the expected type, else the text.
    static func evaluateEnvironment(_ text: String, _ expected: Expected) -> MinimalJSON.Value {
        guard let value = PythonLiteralEval.parse(text) else { return .string(text) }
        switch (expected, value) {
        case (.string, .string), (.number, .number), (.list, .array): return value
        default: return .string(text)
        }
    }

    /// The enabled LoRAs: enabled entries other than the `None` placeholder.
    var enabledLoRAs: [(name: String, weight: String)] {
        loras.filter { $0.enabled && $0.name != "None" }.map { ($0.name, $0.weight) }
    }

    var promptExpansion: Bool { styles.contains(Self.expansionStyle) }
}

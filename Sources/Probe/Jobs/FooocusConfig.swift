import EnvLock

/// Fooocus' effective default settings, resolved as Fooocus 2.5.5 resolves them, on Python's
/// own values (`PythonValue`): what `json.load` builds, what `ast.literal_eval` builds, and the
/// validators of `modules/config.py` run with Python's rules (a `bool` is an `int` and a
/// `numbers.Number`, `null` and `""` become the string `'None'`, one bad element rejects a
/// whole list). Every decision below is recorded, with the upstream line it comes from, in
/// `docs/upstream/fooocus-2.5.5.md` and `Tests/ProbeTests/Jobs/Upstream/fooocus-2.5.5.json` (lllyasviel/Fooocus at
/// 59f183ab9b8e4a4bbf0fb8bc43886e19e8dfdfae, which differs from the 2.5.5 tag only in its
/// readme) and tested against that table.
///
/// Where Fooocus would crash while reading its settings (a validator that raises) or where
/// envlock cannot be sure what Python computes, the setting is undetermined, with the reason:
/// the gate refuses it rather than guess.
struct FooocusConfig {
    /// One setting as Fooocus ends up with it.
    enum Setting: Equatable {
        case value(PythonValue)
        case undetermined(String)

        var value: PythonValue? {
            if case .value(let value) = self { value } else { nil }
        }
    }

    /// `config_dict` after the layers: string keys only (a JSON list of pairs can add keys of
    /// other types, which no `str` lookup can ever find).
    var merged: [String: PythonValue] = [:]
    /// Why the merged dictionary itself is not known (a layer could not be read as Python would).
    var layersUndetermined: String?

    var model = Setting.value(.string(PythonString("model.safetensors")))
    var previousModels = Setting.value(.list([]))
    var refiner = Setting.value(.string(PythonString("None")))
    var refinerSwitch = Setting.value(.float(0.8))
    /// The LoRA entries after Fooocus' normalisation and its truncation or padding to
    /// `default_max_lora_number` (config.py L339, L722): each `(enabled, name, weight)`.
    var loras: Result<[(enabled: Bool, name: PythonString, weight: PythonValue)], LoRAUndetermined> = .success(Array(repeating: (true, PythonString("None"), .float(1.0)), count: 5))
    var cfgScale = Setting.value(.float(7.0))
    var sharpness = Setting.value(.float(2.0))
    var sampler = Setting.value(.string(PythonString("dpmpp_2m_sde_gpu")))
    var scheduler = Setting.value(.string(PythonString("karras")))
    var vae = Setting.value(.string(PythonString(defaultVAE)))
    var styles = Setting.value(.list(["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"].map { .string(PythonString($0)) }))
    var performance = Setting.value(.string(PythonString("Speed")))
    /// The settings that reach generation through the UI's starting values (webui.py: the
    /// negative prompt, aspect ratio, adaptive CFG, CLIP skip, step and switch overrides, NSFW
    /// black-out, output format, enhance), by fact name (`job.fooocus.config.NAME`).
    var generation: [String: Setting] = [:]
    /// `temp_path` and `temp_path_cleanup_on_launch` (config.py L256-267): launch.py empties the
    /// folder at start when the second is true.
    var tempPath = Setting.value(.none)
    var tempCleanup = Setting.value(.bool(true))

    struct LoRAUndetermined: Error, Equatable {
        var reason: String
    }

    /// `modules/flags.py` `default_vae`.
    static let defaultVAE = "Default (model)"
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
    /// Past this many LoRA slots (`default_max_lora_number`) envlock does not build Fooocus'
    /// padded list; Fooocus itself would allocate it, or fail with MemoryError.
    static let loraSlotLimit = 10_000

    /// The `expected_type` of `try_eval_env_var` for a key.
    enum Expected: Sendable {
        case string, number, int, list, bool
        /// `expected_type=None` (`default_overwrite_upscale`): the literal is kept whatever its type.
        case any
    }

    // MARK: Layers

    /// What one layer's file held, as Fooocus reads it.
    enum Layer {
        /// The file is not there, or Fooocus' `try` swallows why it could not be read.
        case skipped
        case parsed(PythonValue)
        case undetermined(String)
    }

    /// `config_dict.update(value)` as Python's `dict.update` does it: a mapping's items; else
    /// an iterable of pairs, each applied in turn, so that a bad element leaves the pairs
    /// before it applied. Returns why the update raises, or nil.
    static func update(_ merged: inout [String: PythonValue], with value: PythonValue) -> String? {
        func element(_ item: PythonValue) -> [PythonValue]? {
            switch item {
            case .list(let items), .tuple(let items), .set(let items): return items
            case .string(let text): return text.codePoints.map { .string(PythonString(codePoints: [$0])) }
            case .dict(let entries): return entries.map(\.key)
            case .bytes(let bytes): return bytes.map { .int(PythonInt(Int($0))) }
            default: return nil
            }
        }
        let pairs: [PythonValue]
        switch value {
        case .dict(let entries):
            for entry in entries {
                if case .string(let key) = entry.key, let name = key.swiftString { merged[name] = entry.value }
            }
            return nil
        case .list(let items), .tuple(let items), .set(let items):
            pairs = items
        case .string, .bytes:
            pairs = element(value) ?? []
        default:
            return "'\(value.typeName)' object is not iterable"
        }
        for (number, item) in pairs.enumerated() {
            guard let pair = element(item) else { return "cannot convert dictionary update sequence element #\(number) to a sequence" }
            guard pair.count == 2 else { return "dictionary update sequence element #\(number) has length \(pair.count); 2 is required" }
            switch pair[0] {
            case .list, .dict, .set: return "unhashable type: '\(pair[0].typeName)'"
            case .string(let key):
                guard let name = key.swiftString else { return nil }
                merged[name] = pair[1]
            default: continue
            }
        }
        return nil
    }

    // MARK: Settings

    /// Resolves the layers (each as its file was read; later ones win), the preset (whose
    /// `update` is not guarded: a value that is not a mapping or pairs crashes Fooocus), and
    /// the environment; `styles` are the style names Fooocus knows.
    static func resolve(defaults: Layer, config: Layer, preset: Layer?, environment: [String: String], styles: FooocusStyles) -> FooocusConfig {
        var result = FooocusConfig()
        for (layer, name) in [(defaults, "presets/default.json"), (config, "the config file")] {
            switch layer {
            case .skipped: break
            case .undetermined(let reason): result.layersUndetermined = result.layersUndetermined ?? "\(name): \(reason)"
            case .parsed(let value): _ = update(&result.merged, with: value)  // config.py L31-49: every exception swallowed
            }
        }
        switch preset {
        case nil, .skipped?: break
        case .undetermined(let reason)?: result.layersUndetermined = result.layersUndetermined ?? "the --preset file: \(reason)"
        case .parsed(let value)?:
            // config.py L132: outside any try, so Fooocus stops with this error.
            if let error = update(&result.merged, with: value) {
                result.layersUndetermined = result.layersUndetermined ?? "Fooocus would stop at start: the --preset file's content cannot update its settings (\(error))"
            }
        }
        if let reason = result.layersUndetermined {
            let all = Setting.undetermined(reason)
            result.model = all; result.previousModels = all; result.refiner = all; result.refinerSwitch = all
            result.loras = .failure(LoRAUndetermined(reason: reason)); result.cfgScale = all; result.sharpness = all
            result.sampler = all; result.scheduler = all; result.vae = all; result.styles = all; result.performance = all
            for name in generationFacts { result.generation[name] = all }
            result.tempPath = all; result.tempCleanup = all
            return result
        }
        var reader = SettingReader(merged: result.merged, environment: environment)
        result.model = reader.setting("default_model", default: result.model, .string) { .valid(isString($0)) }
        result.previousModels = reader.setting("previous_default_models", default: result.previousModels, .list) { value in
            guard case .list(let items) = value else { return .valid(false) }
            return .valid(items.allSatisfy(isString))
        }
        result.refiner = reader.setting("default_refiner", default: result.refiner, .string) { .valid(isString($0)) }
        result.refinerSwitch = reader.setting("default_refiner_switch", default: result.refinerSwitch, .number) { value in
            guard value.isNumber else { return .valid(false) }
            return inClosedRange(value, 0, 1)
        }
        let loraSetting = reader.setting("default_loras", default: .value(defaultLoRAs), .list, valid: validLoRAs)
        result.cfgScale = reader.setting("default_cfg_scale", default: result.cfgScale, .number) { .valid($0.isNumber) }
        result.sharpness = reader.setting("default_sample_sharpness", default: result.sharpness, .number) { .valid($0.isNumber) }
        result.sampler = reader.setting("default_sampler", default: result.sampler, .string) { .valid(isOneOf($0, samplers)) }
        result.scheduler = reader.setting("default_scheduler", default: result.scheduler, .string) { .valid(isOneOf($0, schedulers)) }
        result.vae = reader.setting("default_vae", default: result.vae, .string) { .valid(isString($0)) }
        result.styles = reader.setting("default_styles", default: result.styles, .list) { value in
            guard case .list(let items) = value else { return .valid(false) }
            return styles.allLegal(items)
        }
        result.performance = reader.setting("default_performance", default: result.performance, .string) { .valid(isOneOf($0, performances)) }
        result.loras = resolveLoRAs(loraSetting, reader: &reader)
        result.tempPath = reader.setting("temp_path", default: .value(.none), .string) { .valid(isString($0)) }
        result.tempCleanup = reader.setting("temp_path_cleanup_on_launch", default: result.tempCleanup, .bool) { .valid(isBool($0)) }
        for setting in generationSettings {
            result.generation[setting.fact] = reader.setting(setting.key, default: .value(setting.default), setting.expected, emptyAsNone: !setting.keepsEmpty, valid: setting.valid)
        }
        result.generation["aspect_ratio"] = aspectRatio(reader: &reader)
        return result
    }

    /// One setting read as `get_config_item_or_set_default(key, default, validator, expected_type,
    /// disable_empty_as_none)` (config.py, lines in docs/upstream/fooocus-2.5.5.md §2.3).
    struct GenerationSetting: Sendable {
        var fact: String
        var key: String
        var `default`: PythonValue
        var expected: Expected
        var keepsEmpty = false
        var valid: @Sendable (PythonValue) -> Validity
    }

    static let generationSettings: [GenerationSetting] = [
        GenerationSetting(fact: "prompt_negative", key: "default_prompt_negative", default: .string(PythonString("")), expected: .string, keepsEmpty: true) { .valid(isString($0)) },
        GenerationSetting(fact: "prompt", key: "default_prompt", default: .string(PythonString("")), expected: .string, keepsEmpty: true) { .valid(isString($0)) },
        GenerationSetting(fact: "output_format", key: "default_output_format", default: .string(PythonString("png")), expected: .string) { .valid(isOneOf($0, ["png", "jpeg", "webp"])) },
        GenerationSetting(fact: "enhance", key: "default_enhance_checkbox", default: .bool(false), expected: .bool) { .valid(isBool($0)) },
        GenerationSetting(fact: "cfg_tsnr", key: "default_cfg_tsnr", default: .float(7.0), expected: .number) { .valid($0.isNumber) },
        GenerationSetting(fact: "clip_skip", key: "default_clip_skip", default: .int(PythonInt(2)), expected: .int) { value in
            value.isInt ? inClosedRange(value, 1, 12) : .valid(false)
        },
        GenerationSetting(fact: "overwrite_step", key: "default_overwrite_step", default: .int(PythonInt(-1)), expected: .int) { .valid($0.isInt) },
        GenerationSetting(fact: "overwrite_switch", key: "default_overwrite_switch", default: .int(PythonInt(-1)), expected: .int) { .valid($0.isInt) },
        GenerationSetting(fact: "overwrite_upscale", key: "default_overwrite_upscale", default: .int(PythonInt(-1)), expected: .any) { .valid($0.isNumber) },
        GenerationSetting(fact: "black_out_nsfw", key: "default_black_out_nsfw", default: .bool(false), expected: .bool) { .valid(isBool($0)) },
    ]

    /// Every fact name in `generation`.
    static let generationFacts = generationSettings.map(\.fact) + ["aspect_ratio"]

    /// modules/flags.py `sdxl_aspect_ratios`.
    static let aspectRatios = ["704*1408", "704*1344", "768*1344", "768*1280", "832*1216", "832*1152", "896*1152", "896*1088", "960*1088",
                               "960*1024", "1024*1024", "1024*960", "1088*960", "1088*896", "1152*896", "1152*832", "1216*832", "1280*768",
                               "1344*768", "1344*704", "1408*704", "1472*704", "1536*640", "1600*640", "1664*576", "1728*576"]

    /// config.py L478-489: `available_aspect_ratios` (every entry holding a `*`, more than one),
    /// then `default_aspect_ratio`, which must be one of them (its default `1152*896` when that
    /// is available, else the first).
    static func aspectRatio(reader: inout SettingReader) -> Setting {
        let available = reader.setting("available_aspect_ratios", default: .value(.list(aspectRatios.map { .string(PythonString($0)) })), .list) { value in
            guard case .list(let items) = value else { return .valid(false) }
            for item in items {
                switch item {
                // all('*' in v for v in x) stops at the first entry without a '*'.
                case .string(let text): if !text.codePoints.contains(0x2A) { return .valid(false) }
                case .none, .bool, .int, .float, .complex, .ellipsis: return .raises("argument of type '\(item.typeName)' is not iterable")
                default: return .undetermined("available_aspect_ratios holds a \(item.typeName)")
                }
            }
            return .valid(items.count > 1)
        }
        guard case .value(.list(let items)) = available else {
            if case .undetermined(let reason) = available { return .undetermined(reason) }
            return .undetermined("available_aspect_ratios is not a list")
        }
        let preferred = PythonValue.string(PythonString("1152*896"))
        let fallback = items.contains(preferred) ? preferred : items[0]
        return reader.setting("default_aspect_ratio", default: .value(fallback), .string) { .valid(items.contains($0)) }
    }

    /// config.py L304-340 and L722: the LoRA list normalised, then cut or padded to
    /// `default_max_lora_number` (whose default is the list's length, or 5 for an empty list).
    static func resolveLoRAs(_ setting: Setting, reader: inout SettingReader) -> Result<[(enabled: Bool, name: PythonString, weight: PythonValue)], LoRAUndetermined> {
        guard case .value(.list(let entries)) = setting else {
            if case .undetermined(let reason) = setting { return .failure(LoRAUndetermined(reason: reason)) }
            return .failure(LoRAUndetermined(reason: "default_loras is not a list"))
        }
        var normalised: [(enabled: Bool, name: PythonString, weight: PythonValue)] = []
        for entry in entries {
            guard let parts = sequenceItems(entry) else { return .failure(LoRAUndetermined(reason: "a default_loras entry is not a sequence")) }
            switch parts.count {
            case 3:
                guard case .bool(let enabled) = parts[0], case .string(let name) = parts[1] else { return .failure(LoRAUndetermined(reason: "a default_loras entry has other types than its validator allowed")) }
                normalised.append((enabled, name, parts[2]))
            case 2:
                guard case .string(let name) = parts[0] else { return .failure(LoRAUndetermined(reason: "a default_loras entry has other types than its validator allowed")) }
                normalised.append((true, name, parts[1]))
            default:
                return .failure(LoRAUndetermined(reason: "a default_loras entry has \(parts.count) items"))
            }
        }
        let defaultCount = entries.isEmpty ? 5 : entries.count
        let count = reader.setting("default_max_lora_number", default: .value(.int(PythonInt(defaultCount))), .int) { value in
            guard value.isInt else { return .valid(false) }
            return greaterOrEqual(value, 1)
        }
        let slots: Int
        switch count {
        case .undetermined(let reason): return .failure(LoRAUndetermined(reason: reason))
        case .value(.bool(let flag)): slots = flag ? 1 : 0
        case .value(.int(let number)):
            guard let exact = number.exactInt, exact <= loraSlotLimit else {
                return .failure(LoRAUndetermined(reason: "default_max_lora_number is \(number): Fooocus would build a list of that many LoRA slots"))
            }
            slots = exact
        default: return .failure(LoRAUndetermined(reason: "default_max_lora_number is not an int"))
        }
        let kept = Array(normalised.prefix(slots))
        return .success(kept + Array(repeating: (true, PythonString("None"), PythonValue.float(1.0)), count: max(0, slots - kept.count)))
    }

    /// config.py L304: the built-in LoRA list, five `[True, 'None', 1.0]`.
    static let defaultLoRAs = PythonValue.list(Array(repeating: .list([.bool(true), .string(PythonString("None")), .float(1.0)]), count: 5))

    /// The `default_loras` validator, in Python's evaluation order: `all()` stops at the first
    /// false entry, and `len()` of an entry that has none raises (Fooocus stops at start).
    static func validLoRAs(_ value: PythonValue) -> Validity {
        guard case .list(let entries) = value else { return .valid(false) }
        for entry in entries {
            let length: Int
            switch entry {
            case .list(let items), .tuple(let items), .set(let items): length = items.count
            case .dict(let items): length = items.count
            case .string(let text): length = text.codePoints.count
            case .bytes(let bytes): length = bytes.count
            default: return .raises("object of type '\(entry.typeName)' has no len()")
            }
            // `y[0]` of a dict is a key lookup: JSON and literal dicts here have no key 0 unless
            // one was written, which envlock does not model.
            if case .dict = entry, length == 2 || length == 3 { return .raises("a default_loras entry is a dict; y[0] looks up the key 0") }
            if case .set = entry, length == 2 || length == 3 { return .raises("'set' object is not subscriptable") }
            let items = sequenceItems(entry) ?? []
            let threeForm = length == 3 && isBool(items[0]) && isString(items[1]) && items[2].isNumber
            let twoForm = length == 2 && isString(items[0]) && items[1].isNumber
            if !(threeForm || twoForm) { return .valid(false) }
        }
        return .valid(true)
    }

    static func sequenceItems(_ value: PythonValue) -> [PythonValue]? {
        switch value {
        case .list(let items), .tuple(let items): items
        case .string(let text): text.codePoints.map { .string(PythonString(codePoints: [$0])) }
        case .bytes(let bytes): bytes.map { .int(PythonInt(Int($0))) }
        default: nil
        }
    }

    static func isString(_ value: PythonValue) -> Bool {
        if case .string = value { true } else { false }
    }

    static func isBool(_ value: PythonValue) -> Bool {
        if case .bool = value { true } else { false }
    }

    /// `x in ["a", "b"]`: `==` against each string, code point by code point; any other type is
    /// simply not equal.
    static func isOneOf(_ value: PythonValue, _ names: [String]) -> Bool {
        guard case .string(let text) = value else { return false }
        return names.contains { PythonString($0) == text }
    }

    /// `low <= x <= high` for a number; comparing a complex raises.
    static func inClosedRange(_ value: PythonValue, _ low: Double, _ high: Double) -> Validity {
        switch value {
        case .complex: return .raises("'<=' not supported between instances of 'int' and 'complex'")
        default:
            guard let number = approximateReal(value) else { return .valid(false) }
            return .valid(low <= number && number <= high)
        }
    }

    /// `x >= bound` for an int (or bool).
    static func greaterOrEqual(_ value: PythonValue, _ bound: Double) -> Validity {
        guard let number = approximateReal(value) else { return .valid(false) }
        return .valid(number >= bound)
    }

    /// A real number's value for comparisons with small bounds: exact for bools and floats; an
    /// int's rounding to a Double never crosses a small integer bound.
    static func approximateReal(_ value: PythonValue) -> Double? {
        switch value {
        case .bool(let flag): flag ? 1 : 0
        case .int(let number): Double(number.description)
        case .float(let number): number
        default: nil
        }
    }

    /// What a validator answered, or that it raised (Fooocus then stops at start), or that
    /// envlock cannot tell.
    enum Validity: Sendable {
        case valid(Bool)
        case raises(String)
        case undetermined(String)
    }

    /// `get_config_item_or_set_default` (config.py L207-233) over one merged dictionary and
    /// environment.
    struct SettingReader {
        var merged: [String: PythonValue]
        var environment: [String: String]

        mutating func setting(_ key: String, default fallback: Setting, _ expected: Expected, emptyAsNone: Bool = true, valid: (PythonValue) -> Validity) -> Setting {
            if let text = environment[key] {
                switch FooocusConfig.evaluateEnvironment(text, expected) {
                case .value(let value): merged[key] = value
                case .undetermined(let reason): return .undetermined("environment variable \(key): \(reason)")
                }
            }
            guard var value = merged[key] else { return fallback }
            // Unless disable_empty_as_none (the two prompts), None and '' become 'None'.
            if emptyAsNone, value == .none || value == .string(PythonString("")) { value = .string(PythonString("None")) }
            switch valid(value) {
            case .valid(true): return .value(value)
            case .valid(false): return fallback
            case .raises(let error): return .undetermined("Fooocus would stop at start: its validator for \(key) raises (\(error))")
            case .undetermined(let reason): return .undetermined("\(key): \(reason)")
            }
        }
    }

    /// `modules/extra_utils.py` `try_eval_env_var`: `ast.literal_eval` of the text, kept when it
    /// is an instance of the expected type, else the text itself (any exception keeps the text).
    static func evaluateEnvironment(_ text: String, _ expected: Expected) -> Setting {
        let raw = PythonValue.string(PythonString(text))
        switch PythonLiteralEvaluator.evaluate(text) {
        case .error: return .value(raw)
        case .undetermined(let reason): return .undetermined(reason)
        case .value(let value):
            let fits: Bool
            switch expected {
            case .string: fits = isString(value)
            case .number: fits = value.isNumber
            case .int: fits = value.isInt
            case .list: if case .list = value { fits = true } else { fits = false }
            case .bool: fits = isBool(value)
            case .any: fits = true
            }
            return .value(fits ? value : raw)
        }
    }

    // MARK: Facts

    /// The enabled LoRAs: enabled entries other than the `None` placeholder.
    var enabledLoRAs: Result<[(name: PythonString, weight: PythonValue)], LoRAUndetermined> {
        loras.map { entries in entries.filter { $0.enabled && $0.name != PythonString("None") }.map { ($0.name, $0.weight) } }
    }

    /// Whether "Fooocus V2" is among the styles: nil when the styles are undetermined.
    var promptExpansion: Bool? {
        guard case .value(.list(let items)) = styles else { return nil }
        return items.contains(.string(PythonString(FooocusImageRecord.expansionStyle)))
    }
}

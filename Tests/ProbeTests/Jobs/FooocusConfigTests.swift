@testable import EnvLock
import Testing
@testable import Probe

/// Fooocus' settings resolve as modules/config.py (Fooocus 2.5.5) resolves them, on Python's
/// values: each test names a class of behaviour from the upstream table
/// (Tests/ProbeTests/Jobs/Upstream/fooocus-2.5.5.json).
@Suite struct FooocusConfigTests {
    static func layer(_ text: String) -> FooocusConfig.Layer {
        switch PythonJSON.read(Array(text.utf8)) {
        case .value(let value): .parsed(value)
        case .error: .skipped
        case .undetermined(let reason): .undetermined(reason)
        }
    }

    static var styles: FooocusStyles {
        var styles = FooocusStyles()
        for name in ["Fooocus Enhance", "Fooocus Sharp", "SAI 3D Model"] { styles.names.insert(PythonString(name)) }
        return styles
    }

    /// The facts and undetermined keys for these layers (default.json, config.txt, preset).
    static func facts(_ defaults: String = "{}", config: String? = nil, preset: String? = nil, environment: [String: String] = [:], styles: FooocusStyles = styles) -> (facts: [String: String], undetermined: [String: String]) {
        let resolved = FooocusConfig.resolve(defaults: layer(defaults), config: config.map(layer) ?? .skipped, preset: preset.map(layer), environment: environment, styles: styles)
        var facts: [String: String] = [:]
        var unreadable: [String: String] = [:]
        FooocusDetector.settingFacts(resolved, into: &facts, unreadable: &unreadable)
        return (facts, unreadable)
    }

    // presets/default.json of Fooocus 2.5.5, the keys that matter here.
    static let defaultPreset = """
        {"default_model": "juggernautXL_v8Rundiffusion.safetensors", "default_refiner": "None", "default_refiner_switch": 0.5,
         "default_loras": [[true, "sd_xl_offset_example-lora_1.0.safetensors", 0.1], [true, "None", 1.0]],
         "default_cfg_scale": 4.0, "default_sample_sharpness": 2.0, "default_sampler": "dpmpp_2m_sde_gpu",
         "default_scheduler": "karras", "default_performance": "Speed", "default_styles": ["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"]}
        """

    @Test func defaultPresetAlone() {
        let (facts, undetermined) = Self.facts(Self.defaultPreset)
        #expect(undetermined.isEmpty)
        #expect(facts["job.fooocus.config.sampler"] == "dpmpp_2m_sde_gpu")
        #expect(facts["job.fooocus.config.cfg_scale"] == "4.0")
        #expect(facts["job.fooocus.config.loras"] == FactList.encode(["sd_xl_offset_example-lora_1.0.safetensors"]))
        #expect(facts["job.fooocus.config.prompt_expansion"] == "true")
    }

    /// A one-character typo makes Python reject config.txt, and Fooocus then runs
    /// default.json's settings: the gate must see those, not the typo'd file's.
    @Test(arguments: ["02", "2.", ".2", "+2", "1.2.3", "0x2", "2_0"])
    func aConfigPythonCannotParseIsIgnoredWhole(number: String) {
        let config = #"{"default_image_number": \#(number), "default_sampler": "euler_ancestral", "default_styles": []}"#
        let (facts, _) = Self.facts(Self.defaultPreset, config: config)
        #expect(facts["job.fooocus.config.sampler"] == "dpmpp_2m_sde_gpu", "\(number)")
        #expect(facts["job.fooocus.config.prompt_expansion"] == "true", "\(number)")
    }

    @Test func pythonsJSONExtensionsAreRead() {
        // NaN passes the Number validator; duplicate keys keep the last value.
        let (facts, _) = Self.facts(config: #"{"default_cfg_scale": NaN, "default_sampler": "euler", "default_sampler": "euler_ancestral"}"#)
        #expect(facts["job.fooocus.config.cfg_scale"] == "nan")
        #expect(facts["job.fooocus.config.sampler"] == "euler_ancestral")
    }

    /// `dict.update` takes a list of pairs (and of two-character strings), and a bad element
    /// leaves the pairs before it applied.
    @Test func aListOfPairsUpdatesTheSettingsEvenWhenItFailsHalfway() {
        #expect(Self.facts(config: #"[["default_sampler", "euler_ancestral"], 5, ["default_cfg_scale", 3]]"#).facts["job.fooocus.config.sampler"] == "euler_ancestral")
        #expect(Self.facts(config: #"[["default_sampler", "euler_ancestral"], 5, ["default_cfg_scale", 3]]"#).facts["job.fooocus.config.cfg_scale"] == "7.0")
        #expect(Self.facts(config: #"[{"default_scheduler": 1, "karras": 2}]"#).facts["job.fooocus.config.scheduler"] == "karras")
    }

    /// A preset whose content cannot update a dict stops Fooocus at start (config.py L132 is
    /// outside any try): every setting is undetermined.
    @Test func aPresetThatIsNotAMappingIsUndetermined() {
        let (facts, undetermined) = Self.facts(Self.defaultPreset, preset: "[1, 2]")
        #expect(facts["job.fooocus.config.sampler"] == nil)
        #expect(undetermined["job.fooocus.config.sampler"]?.contains("Fooocus would stop at start") == true)
    }

    /// Python's value model: a bool is an int and a Number; null becomes the string 'None'.
    @Test func boolIsANumberAndNullIsTheStringNone() {
        let (facts, _) = Self.facts(config: #"{"default_loras": [[true, "detail.safetensors", true]], "default_sample_sharpness": true, "default_refiner_switch": true, "default_model": null}"#)
        #expect(facts["job.fooocus.config.loras"] == FactList.encode(["detail.safetensors"]))
        #expect(facts["job.fooocus.config.lora_weights"] == FactList.encode(["True"]))
        #expect(facts["job.fooocus.config.sharpness"] == "True")
        #expect(facts["job.fooocus.config.refiner_switch"] == "True")
        #expect(facts["job.fooocus.config.model"] == "None")
        // An int is not a bool: [1, "x", 1.0] fails the validator, so the whole list falls back.
        #expect(Self.facts(config: #"{"default_loras": [[1, "x.safetensors", 1.0]]}"#).facts["job.fooocus.config.loras"] == FactList.encode([]))
    }

    /// A validator that raises stops Fooocus at start: undetermined, never a fallback.
    @Test func aValidatorThatRaisesIsUndetermined() {
        let (_, undetermined) = Self.facts(config: #"{"default_loras": [1]}"#)
        #expect(undetermined["job.fooocus.config.loras"]?.contains("has no len()") == true)
        let complex = Self.facts(environment: ["default_refiner_switch": "1+2j"])
        #expect(complex.undetermined["job.fooocus.config.refiner_switch"] != nil)
    }

    /// default_max_lora_number cuts the list (and True counts as 1).
    @Test func theLoRAListIsCutToItsMaximum() {
        let loras = #"[[true, "a.safetensors", 0.5], [true, "b.safetensors", 0.5]]"#
        #expect(Self.facts(config: #"{"default_loras": \#(loras), "default_max_lora_number": 1}"#).facts["job.fooocus.config.loras"] == FactList.encode(["a.safetensors"]))
        #expect(Self.facts(config: #"{"default_loras": \#(loras), "default_max_lora_number": true}"#).facts["job.fooocus.config.loras"] == FactList.encode(["a.safetensors"]))
        #expect(Self.facts(config: #"{"default_loras": \#(loras), "default_max_lora_number": 1.0}"#).facts["job.fooocus.config.loras"] == FactList.encode(["a.safetensors", "b.safetensors"]))
    }

    /// Environment overrides are Python literals: PEP 515 underscores only between digits, a
    /// tuple is not a list, and a value of the wrong type stays text (and then fails).
    @Test func environmentOverridesAreReadAsAstLiteralEvalReadsThem() {
        #expect(Self.facts(environment: ["default_cfg_scale": "_4.0"]).facts["job.fooocus.config.cfg_scale"] == "7.0")
        #expect(Self.facts(environment: ["default_cfg_scale": "4_0.0"]).facts["job.fooocus.config.cfg_scale"] == "40.0")
        #expect(Self.facts(environment: ["default_styles": "()"]).facts["job.fooocus.config.prompt_expansion"] == "true")
        #expect(Self.facts(environment: ["default_styles": "[]"]).facts["job.fooocus.config.prompt_expansion"] == "false")
        #expect(Self.facts(environment: ["default_sampler": "'euler_ancestral'"]).facts["job.fooocus.config.sampler"] == "euler_ancestral")
        #expect(Self.facts(environment: ["default_sampler": "u'euler_' 'ancestral' # c"]).facts["job.fooocus.config.sampler"] == "euler_ancestral")
    }

    @Test func anUnknownStyleFallsBackToTheDefaultStyles() {
        let facts = Self.facts(config: #"{"default_styles": ["No Such Style"]}"#).facts
        #expect(facts["job.fooocus.config.styles"] == FactList.encode(["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"]))
        #expect(facts["job.fooocus.config.prompt_expansion"] == "true")
    }

    /// A style name that envlock could not read for certain leaves a list naming it undetermined.
    @Test func anUncertainStyleListIsUndetermined() {
        var styles = Self.styles
        styles.uncertain = "cannot read sdxl_styles/mine.json"
        let (facts, undetermined) = Self.facts(config: #"{"default_styles": ["My Style"]}"#, styles: styles)
        #expect(facts["job.fooocus.config.styles"] == nil)
        #expect(undetermined["job.fooocus.config.styles"]?.contains("mine.json") == true)
    }

    /// Style names compare by code point: an NFD spelling is another name than the NFC one.
    @Test func styleNamesCompareByCodePoint() {
        var styles = Self.styles
        styles.names.insert(PythonString("Caf\u{E9}"))
        #expect(Self.facts(config: #"{"default_styles": ["Caf\u00e9"]}"#, styles: styles).facts["job.fooocus.config.prompt_expansion"] == "false")
        #expect(Self.facts(config: #"{"default_styles": ["Cafe\u0301"]}"#, styles: styles).facts["job.fooocus.config.prompt_expansion"] == "true")
    }

    @Test func styleNamesAreNormalizedAsFooocusNormalizesThem() throws {
        func normalized(_ name: String) throws -> String? { try FooocusStyles.normalizeKey(PythonString(name)).swiftString }
        #expect(try normalized("sai-3d-model") == "SAI 3D Model")
        #expect(try normalized("mre-dark  future") == "MRE Dark  Future")
        #expect(try normalized("Saint 3d") == "SAInt 3D")
        // str.lower's final sigma, and full case mappings.
        #expect(try normalized("ΟΔΟΣ") == "Οδος")
        #expect(try normalized("ßtraße") == "SStraße")
    }
}

/// `try_eval_env_var` (modules/extra_utils.py L31-41 at 59f183ab): the rows of the table in
/// Tests/ProbeTests/Jobs/Upstream/fooocus-2.5.5.json ("try_eval_env_var"), each checked
/// against CPython 3.11 when the table was made.
@Suite struct FooocusEnvironmentTableTests {
    enum Outcome: Equatable {
        case text
        case value(PythonValue)
    }

    static let rows: [(text: String, expected: FooocusConfig.Expected, outcome: Outcome)] = [
        ("True", .number, .value(.bool(true))),
        ("True", .int, .value(.bool(true))),
        ("true", .int, .text),
        ("2.0", .int, .text),
        ("0x10", .int, .value(.int(PythonInt(16)))),
        ("1_000", .int, .value(.int(PythonInt(1000)))),
        (" 5", .int, .value(.int(PythonInt(5)))),
        ("1e400", .number, .value(.float(.infinity))),
        ("nan", .number, .text),
        ("1+2j", .number, .value(.complex(real: 1, imaginary: 2))),
        ("'abc'", .string, .value(.string(PythonString("abc")))),
        ("abc", .string, .text),
        ("123", .string, .text),
        ("None", .string, .text),
        ("['a']", .list, .value(.list([.string(PythonString("a"))]))),
        ("[\"a\"]", .list, .value(.list([.string(PythonString("a"))]))),
        ("[true]", .list, .text),
        ("(1,2)", .list, .text),
    ]

    @Test func everyRowOfTheUpstreamTable() {
        for row in Self.rows {
            let got = FooocusConfig.evaluateEnvironment(row.text, row.expected)
            switch row.outcome {
            case .text: #expect(got == .value(.string(PythonString(row.text))), "\(row.text)")
            case .value(let value): #expect(got == .value(value), "\(row.text)")
            }
        }
    }
}

import EnvLock
import Testing
@testable import Probe

/// Fooocus' settings resolve as modules/config.py resolves them.
@Suite struct FooocusConfigTests {
    static func json(_ text: String) throws -> MinimalJSON.Value { try MinimalJSON.parse(Array(text.utf8)) }

    // presets/default.json of Fooocus 2.5.5, the keys that matter here.
    static let defaultPreset = """
        {"default_model": "juggernautXL_v8Rundiffusion.safetensors", "default_refiner": "None", "default_refiner_switch": 0.5,
         "default_loras": [[true, "sd_xl_offset_example-lora_1.0.safetensors", 0.1], [true, "None", 1.0]],
         "default_cfg_scale": 4.0, "default_sample_sharpness": 2.0, "default_sampler": "dpmpp_2m_sde_gpu",
         "default_scheduler": "karras", "default_performance": "Speed", "default_styles": ["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"]}
        """

    static let styles = FooocusConfig.legalStyles(fromStyleFiles: ["Fooocus Enhance", "Fooocus Sharp", "SAI 3D Model"])

    @Test func anUnknownStyleFallsBackToTheDefaultStyles() throws {
        let config = FooocusConfig.resolve(layers: [try Self.json(#"{"default_styles": ["No Such Style"]}"#)], environment: [:], legalStyles: Self.styles)
        #expect(config.styles == ["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"])
        #expect(config.promptExpansion)
    }

    @Test func styleNamesAreNormalizedAsFooocusNormalizesThem() throws {
        #expect(FooocusConfig.normalizeStyleName("sai-3d-model") == "SAI 3D Model")
        #expect(FooocusConfig.normalizeStyleName("mre-dark-cyberpunk") == "MRE Dark Cyberpunk")
        #expect(FooocusConfig.normalizeStyleName("Fooocus Sharp") == "Fooocus Sharp")
        let file = try Self.json(#"[{"name": "Fooocus Enhance", "prompt": "x"}, {"name": "sai-anime"}]"#)
        #expect(FooocusConfig.styleNames(inStyleFile: file) == ["Fooocus Enhance", "SAI Anime"])
        #expect(FooocusConfig.styleNames(inStyleFile: try Self.json(#"{"name": "x"}"#)) == nil)
    }

    @Test func defaultPresetAlone() throws {
        let config = FooocusConfig.resolve(layers: [try Self.json(Self.defaultPreset)], environment: [:], legalStyles: Self.styles)
        #expect(config.sampler == "dpmpp_2m_sde_gpu")
        #expect(config.cfgScale == "4.0")
        #expect(config.enabledLoRAs.map(\.name) == ["sd_xl_offset_example-lora_1.0.safetensors"])
        #expect(config.promptExpansion)
    }

    @Test func laterLayersAndThenTheEnvironmentWin() throws {
        let config = FooocusConfig.resolve(
            layers: [try Self.json(Self.defaultPreset), try Self.json(#"{"default_sampler": "euler_ancestral", "default_styles": []}"#),
                     try Self.json(#"{"default_loras": [["None", 1.0], [false, "off.safetensors", 1.0], ["two.safetensors", 0.7]]}"#)],
            environment: ["default_styles": "['Fooocus V2']", "default_cfg_scale": "7", "default_refiner": "refiner.safetensors"],
            legalStyles: Self.styles
        )
        #expect(config.sampler == "euler_ancestral")
        #expect(config.styles == ["Fooocus V2"])
        #expect(config.cfgScale == "7")
        #expect(config.refiner == "refiner.safetensors")
        #expect(config.enabledLoRAs.map(\.name) == ["two.safetensors"])
        #expect(config.enabledLoRAs.map(\.weight) == ["0.7"])
    }

    @Test func refusedValuesFallBackToTheBuiltInDefault() throws {
        let config = FooocusConfig.resolve(
            layers: [try Self.json(#"{"default_sampler": "no_such_sampler", "default_refiner_switch": 2, "default_loras": "x"}"#)],
            environment: ["default_styles": "Fooocus V2"],
            legalStyles: Self.styles
        )
        // The built-in defaults of modules/config.py, not the preset's.
        #expect(config.sampler == "dpmpp_2m_sde_gpu")
        #expect(config.refinerSwitch == "0.8")
        #expect(config.styles == ["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"])
        #expect(config.enabledLoRAs.isEmpty)
    }
}

import CZlib
@testable import EnvLock
import Testing

/// PNG files built in memory, with chunks framed and CRC'd as the PNG specification says.
enum PNGBytes {
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = PNGText.crc32(body)
        return be(UInt32(data.count)) + body + be(crc)
    }

    static func be(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static func png(_ chunks: [[UInt8]], textAfterData: Bool = false) -> [UInt8] {
        let header = chunk("IHDR", be(1) + be(1) + [8, 2, 0, 0, 0])
        let data = chunk("IDAT", [1, 2, 3, 4])
        return PNGText.signature + header + (textAfterData ? data + chunks.joined() : chunks.joined() + data) + chunk("IEND", [])
    }

    static func compress(_ text: String) -> [UInt8] {
        let input = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: input.count + 64)
        var length = UInt(output.count)
        let status = CZlib.compress(&output, &length, input, UInt(input.count))
        precondition(status == Z_OK)
        return Array(output.prefix(Int(length)))
    }
}

@Suite struct PNGTextTests {
    @Test func readsTEXtZTXtAndITXtCompressedOrNotBeforeOrAfterTheImageData() throws {
        let chunks = [
            PNGBytes.chunk("tEXt", Array("parameters".utf8) + [0] + Array("{\"a\": 1}".utf8)),
            PNGBytes.chunk("zTXt", Array("workflow".utf8) + [0, 0] + PNGBytes.compress("{\"nodes\": []}")),
            PNGBytes.chunk("iTXt", Array("prompt".utf8) + [0, 1, 0] + Array("en".utf8) + [0, 0] + PNGBytes.compress("{\"3\": \"ü\"}")),
            PNGBytes.chunk("iTXt", Array("fooocus_scheme".utf8) + [0, 0, 0, 0, 0] + Array("fooocus".utf8)),
        ]
        for after in [false, true] {
            let texts = try PNGText.textChunks(of: InMemoryImage(bytes: PNGBytes.png(chunks, textAfterData: after)))
            #expect(texts == ["parameters": "{\"a\": 1}", "workflow": "{\"nodes\": []}", "prompt": "{\"3\": \"ü\"}", "fooocus_scheme": "fooocus"])
        }
    }

    @Test func aWrongCRCIsDamage() throws {
        var bytes = PNGBytes.png([PNGBytes.chunk("tEXt", Array("parameters".utf8) + [0, 65])])
        bytes[8 + 25 + 8 + 11] ^= 1
        #expect(throws: ImageReadError.self) { try PNGText.textChunks(of: InMemoryImage(bytes: bytes)) }
    }

    /// Every prefix and every one-byte change of a PNG with a record is read or refused, never a crash.
    @Test func everyPrefixAndByteFlipIsReadOrRefused() {
        let bytes = PNGBytes.png([PNGBytes.chunk("tEXt", Array("parameters".utf8) + [0] + Array("{}".utf8)),
                                  PNGBytes.chunk("zTXt", Array("w".utf8) + [0, 0] + PNGBytes.compress("x"))])
        for length in 0..<bytes.count {
            let reading = ImageRecordReader.read(bytes: Array(bytes.prefix(length)))
            guard case .unreadable = reading else { Issue.record("a \(length)-byte prefix read as \(reading)"); continue }
        }
        for index in bytes.indices {
            var flipped = bytes
            flipped[index] ^= 0xFF
            _ = ImageRecordReader.read(bytes: flipped)
        }
    }
}

@Suite struct FooocusImageRecordTests {
    @Test func theFooocusSchemeGivesTheLaunchTimeKeys() throws {
        let record = try FooocusImageRecord.facts(parameters: #"""
            {"base_model": "juggernautXL_v8", "base_model_hash": "abcdef0123", "guidance_scale": 4.0, "loras": [["add-detail", 0.5, "0123456789"]],
             "performance": "Speed", "refiner_model": "None", "refiner_switch": 0.8, "sampler": "dpmpp_2m_sde_gpu", "scheduler": "karras",
             "sharpness": 2.0, "styles": "['Fooocus V2', 'Fooocus Sharp']", "vae": "Default (model)", "version": "Fooocus v2.5.5"}
            """#, scheme: "fooocus")
        #expect(record.facts == [
            "job.fooocus.version": "2.5.5", "job.fooocus.config.model": "juggernautXL_v8", "job.fooocus.model.base.sha256": "sha256:abcdef0123",
            "job.fooocus.config.cfg_scale": "4.0", "job.fooocus.config.loras": #"["add-detail"]"#, "job.fooocus.config.lora_weights": #"["0.5"]"#,
            "job.fooocus.model.lora.0.sha256": "sha256:0123456789", "job.fooocus.config.performance": "Speed", "job.fooocus.config.refiner": "None",
            "job.fooocus.config.sampler": "dpmpp_2m_sde_gpu", "job.fooocus.config.scheduler": "karras",
            "job.fooocus.config.sharpness": "2.0", "job.fooocus.config.styles": #"["Fooocus V2","Fooocus Sharp"]"#,
            "job.fooocus.config.prompt_expansion": "true", "job.fooocus.config.vae": "Default (model)",
        ])
        // Recorded, but without a refiner it had no effect.
        #expect(record.notApplicable["job.fooocus.config.refiner_switch"] != nil)
    }

    @Test func theA1111SchemeMapsDisplayNamesBack() throws {
        let text = "a cat\nNegative prompt: ugly\nSteps: 30, Sampler: Euler a, Seed: 1, CFG scale: 7, Sharpness: 2.0, Model: base, Model hash: abcdef0123, "
            + "Performance: Speed, Scheduler: karras, VAE: Default (model), Lora hashes: \"detail: 0123456789\", Lora weights: \"detail: 0.5\", Raw prompt: a cat, Version: Fooocus v2.5.5"
        let record = try FooocusImageRecord.facts(parameters: text, scheme: "a1111")
        #expect(record.facts["job.fooocus.config.sampler"] == "euler_ancestral")
        #expect(record.facts["job.fooocus.config.styles"] == "[]")
        #expect(record.facts["job.fooocus.config.prompt_expansion"] == "false")
        #expect(record.facts["job.fooocus.config.loras"] == #"["detail"]"#)
        #expect(record.facts["job.fooocus.model.lora.0.sha256"] == "sha256:0123456789")
        #expect(record.facts["job.fooocus.version"] == "2.5.5")
        #expect(record.notApplicable["job.fooocus.config.refiner_switch"] != nil)
    }

    /// A Fooocus record with or without a refiner, in either scheme; the `fooocus` scheme
    /// records the switch whatever the refiner, as `async_worker.py` `save_and_log` does.
    static func record(scheme: String, refiner: String?) throws -> ImageRecord {
        if scheme == "fooocus" {
            let hash = refiner.map { _ in #", "refiner_model_hash": "0123456789""# } ?? ""
            return try FooocusImageRecord.facts(parameters: #"{"loras": [], "refiner_model": ""# + (refiner ?? "None") + #"", "refiner_switch": 0.8, "#
                + #""sampler": "euler", "styles": "[]""# + hash + "}", scheme: scheme)
        }
        let refinerParameters = refiner.map { ", Refiner: \($0), Refiner hash: 0123456789" } ?? ""
        return try FooocusImageRecord.facts(parameters: "a cat\nSteps: 30, Sampler: Euler a, Seed: 1" + refinerParameters + ", Raw prompt: a cat, Version: Fooocus v2.5.5", scheme: scheme)
    }

    /// Every setting that acts only through a refiner (FooocusImageRecord.onlyWithARefiner)
    /// is not judged without one, in either scheme and whatever the record says of it (the
    /// `fooocus` scheme's switch of 0.8 against a lock's 0.5); with a refiner each is judged.
    @Test(arguments: ["fooocus", "a1111"])
    func whatOnlyARefinerUsesIsJudgedOnlyWithARefiner(scheme: String) throws {
        let dependent = FooocusImageRecord.onlyWithARefiner.map(\.key)
        #expect(Set(dependent) == ["job.fooocus.config.refiner_switch", "job.fooocus.model.refiner.sha256"])
        let rules = [
            Rule(pattern: FactPattern("job.fooocus.config.refiner_switch")!, check: .equals("0.5")),
            Rule(pattern: FactPattern("job.fooocus.model.refiner.sha256")!, check: .equals("sha256:" + String(repeating: "ab", count: 32))),
        ]
        for none in scheme == "fooocus" ? ["None", ""] : ["None"] {
            let record = try Self.record(scheme: scheme, refiner: none == "None" ? nil : none)
            #expect(Set(record.notApplicable.keys) == Set(dependent), "\(scheme) \(none): \(record.notApplicable)")
            let evaluation = ImageAudit.evaluate(record, rules: rules, lockedFacts: [:])
            #expect(evaluation.results.isEmpty && !evaluation.hasErrors, "\(scheme) without a refiner (\(none.debugDescription)) judged \(evaluation.results)")
        }
        let refined = try Self.record(scheme: scheme, refiner: "refiner_xl")
        #expect(refined.notApplicable.isEmpty)
        let evaluation = ImageAudit.evaluate(refined, rules: rules, lockedFacts: [:])
        #expect(Set(evaluation.results.filter { $0.verdict == .fail }.map(\.key)) == Set(dependent), "\(scheme) with a refiner: \(evaluation.results)")
    }

    @Test func sharedDisplayNamesGiveEveryCandidate() {
        #expect(FooocusImageRecord.sampler(fromDisplayName: "DPM++ 2M SDE Karras") == "dpmpp_2m_sde|dpmpp_2m_sde_gpu")
        #expect(FooocusImageRecord.sampler(fromDisplayName: "DPM++ 2M Karras") == "dpmpp_2m")
        #expect(FooocusImageRecord.sampler(fromDisplayName: "dpmpp_3m_sde_gpu") == "dpmpp_3m_sde_gpu")
    }

    @Test func aRewrittenA1111PromptLeavesStylesUndetermined() throws {
        let text = "a cat, highly detailed\nSteps: 30, Sampler: Euler a, Seed: 1, Raw prompt: a cat, Version: Fooocus v2.5.5"
        let record = try FooocusImageRecord.facts(parameters: text, scheme: "a1111")
        #expect(record.facts["job.fooocus.config.styles"] == nil)
        #expect(record.undetermined["job.fooocus.config.styles"] != nil)
    }
}

@Suite struct ComfyUIImageRecordTests {
    @Test func inputsAreReadByNameOnEveryNode() throws {
        let record = try ComfyUIImageRecord.facts(prompt: #"""
            {"3": {"class_type": "KSampler", "inputs": {"sampler_name": "euler", "scheduler": "normal", "cfg": 8, "model": ["10", 0]}},
             "5": {"class_type": "KSamplerAdvanced", "inputs": {"sampler_name": "dpmpp_2m_sde_gpu", "scheduler": "karras", "cfg": 8}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
             "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "detail.safetensors", "strength_model": 1.0}}}
            """#)
        #expect(record.facts["job.comfyui.graph.samplers"] == #"["dpmpp_2m_sde_gpu","euler"]"#)
        #expect(record.facts["job.comfyui.graph.schedulers"] == #"["karras","normal"]"#)
        #expect(record.facts["job.comfyui.graph.cfg"] == #"["8"]"#)
        #expect(record.facts["job.comfyui.graph.checkpoints"] == #"["sdxl.safetensors"]"#)
        #expect(record.facts["job.comfyui.graph.loras"] == #"["detail.safetensors"]"#)
    }

    @Test func aGraphThatIsNotObjectsIsRefused() {
        #expect(throws: RecordError.self) { try ComfyUIImageRecord.facts(prompt: "[1, 2]") }
        #expect(throws: RecordError.self) { try ComfyUIImageRecord.facts(prompt: #"{"3": 4}"#) }
    }
}

@Suite struct ImageAuditTests {
    static let digest = "sha256:abcdef0123" + String(repeating: "4", count: 54)

    @Test func aRecordedHashPrefixAgreesWithTheLockedDigestThatStartsWithIt() {
        #expect(ImageAudit.agrees(key: "job.fooocus.model.base.sha256", recorded: "sha256:abcdef0123", locked: Self.digest))
        #expect(!ImageAudit.agrees(key: "job.fooocus.model.base.sha256", recorded: "sha256:abcdef0124", locked: Self.digest))
        #expect(!ImageAudit.agrees(key: "job.fooocus.model.base.sha256", recorded: "sha256:", locked: Self.digest))
        #expect(ImageAudit.agrees(key: "job.fooocus.config.model", recorded: "juggernaut", locked: "juggernaut.safetensors"))
        #expect(ImageAudit.agrees(key: "job.fooocus.config.cfg_scale", recorded: "7.0", locked: "7"))
        #expect(ImageAudit.agrees(key: "job.fooocus.config.loras", recorded: #"["detail"]"#, locked: #"["detail.safetensors"]"#))
        #expect(!ImageAudit.agrees(key: "job.fooocus.config.sampler", recorded: "euler", locked: "euler_ancestral"))
    }

    @Test func aPinnedDigestPassesOnItsPrefixAndFailsOnAnother() throws {
        let rule = Rule(pattern: FactPattern("job.fooocus.model.*.sha256")!, check: .pin)
        let locked = ["job.fooocus.model.base.sha256": Self.digest, "job.fooocus.model.expansion.sha256": "sha256:" + String(repeating: "1", count: 64)]
        let lockedRecorded = locked.filter { key, _ in ImageAudit.recordedKeys.contains { $0.matches(key) } }
        let same = ImageRecord(source: "fooocus", facts: ["job.fooocus.model.base.sha256": "sha256:abcdef0123"])
        #expect(!ImageAudit.evaluate(same, rules: [rule], lockedFacts: lockedRecorded).hasErrors)
        let other = ImageRecord(source: "fooocus", facts: ["job.fooocus.model.base.sha256": "sha256:0000000000"])
        let evaluation = ImageAudit.evaluate(other, rules: [rule], lockedFacts: lockedRecorded)
        #expect(evaluation.results.first?.found == "sha256:0000000000")
        #expect(evaluation.hasErrors)
    }
}

@Suite struct ExifTextTests {
    /// A big-endian TIFF whose UserComment sits in the Exif IFD as UNDEFINED with the
    /// `ASCII\0\0\0` character code, as EXIF itself puts it.
    static func tiff(userComment: [UInt8]) -> [UInt8] {
        func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func be32(_ v: Int) -> [UInt8] { be16(v >> 16) + be16(v & 0xFFFF) }
        let ifd0 = be16(1) + be16(0x8769) + be16(4) + be32(1) + be32(26) + be32(0)
        let exifIFD = be16(1) + be16(0x9286) + be16(7) + be32(userComment.count) + be32(44) + be32(0)
        return Array("MM".utf8) + be16(42) + be32(8) + ifd0 + exifIFD + userComment
    }

    @Test func aUserCommentInTheExifIFDWithItsCharacterCodeIsRead() throws {
        let exif = try ExifText.tiff(Self.tiff(userComment: Array("ASCII".utf8) + [0, 0, 0] + Array("{\"version\": \"Fooocus v2.5.5\"}".utf8)))
        #expect(exif.userComment == "{\"version\": \"Fooocus v2.5.5\"}")
        #expect(exif.makerNote == nil)
    }

    @Test func aWebPEXIFChunkIsFoundAmongItsRIFFChunks() throws {
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        let exif = Self.tiff(userComment: Array("ASCII".utf8) + [0, 0, 0] + Array(#"{"sampler": "euler", "styles": "[]", "loras": []}"#.utf8))
        let image = Array("VP8 ".utf8) + le32(5) + [1, 2, 3, 4, 5, 0] + Array("EXIF".utf8) + le32(exif.count) + exif
        let bytes = Array("RIFF".utf8) + le32(image.count + 4) + Array("WEBP".utf8) + image
        guard case .record(let record) = ImageRecordReader.read(bytes: bytes) else { Issue.record("no record"); return }
        #expect(record.facts["job.fooocus.config.sampler"] == "euler")
        guard case .unreadable = ImageRecordReader.read(bytes: Array(bytes[0..<(bytes.count - 10)])) else { Issue.record("a cut WebP was read"); return }
    }
}

/// Image files written byte by byte as Fooocus and ComfyUI save them through Pillow: PNG text
/// chunks (`PngInfo.add_text`: tEXt, or iTXt for text outside Latin-1) and JPEG EXIF in IFD0
/// (`Image.Exif`, as Fooocus' `get_exif` fills it). No image library is involved.
enum TestImages {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        bigEndian(UInt32(data.count)) + Array(type.utf8) + data + bigEndian(crc32(Array(type.utf8) + data))
    }

    /// A 1×1 RGB PNG whose IDAT holds `imageDataBytes` bytes (never decoded by envlock), with
    /// the text chunks before the image data, or after it when `textAfterData`.
    static func png(_ texts: [(String, String)], textAfterData: Bool = false, imageDataBytes: Int = 16) -> [UInt8] {
        let header = chunk("IHDR", bigEndian(1) + bigEndian(1) + [8, 2, 0, 0, 0])
        let textChunks = texts.flatMap { keyword, text in
            text.unicodeScalars.allSatisfy({ $0.value < 256 })
                ? chunk("tEXt", Array(keyword.utf8) + [0] + text.unicodeScalars.map { UInt8($0.value) })
                : chunk("iTXt", Array(keyword.utf8) + [0, 0, 0, 0, 0] + Array(text.utf8))
        }
        let data = chunk("IDAT", [UInt8](repeating: 0x5A, count: imageDataBytes))
        let end = chunk("IEND", [])
        return [137, 80, 78, 71, 13, 10, 26, 10] + header + (textAfterData ? data + textChunks : textChunks + data) + end
    }

    /// A JPEG (SOI, APP1 Exif, EOI) with Fooocus' EXIF: UserComment (0x9286) the parameters,
    /// Software (0x0131), MakerNote (0x927C) the scheme, all ASCII in IFD0, little-endian.
    static func jpeg(userComment: String, makerNote: String) -> [UInt8] {
        let fields: [(UInt16, [UInt8])] = [
            (0x0131, Array("Fooocus v2.5.5".utf8) + [0]), (0x9286, Array(userComment.utf8) + [0]), (0x927C, Array(makerNote.utf8) + [0]),
        ]
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        var dataOffset = 8 + 2 + 12 * fields.count + 4
        var entries: [UInt8] = []
        var values: [UInt8] = []
        for (tag, value) in fields {
            entries += le16(Int(tag)) + le16(2) + le32(value.count) + le32(dataOffset)
            values += value
            dataOffset += value.count
        }
        let tiff = Array("II".utf8) + le16(42) + le32(8) + le16(fields.count) + entries + le32(0) + values
        let app1 = Array("Exif".utf8) + [0, 0] + tiff
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8((app1.count + 2) >> 8), UInt8((app1.count + 2) & 0xFF)] + app1 + [0xFF, 0xD9]
    }

    /// Fooocus' `fooocus` scheme as `json.dumps(dict(sorted(res.items())))` writes it, for a
    /// conforming Speed image; `changes` replace members (raw JSON values).
    static func fooocusRecord(baseHash: String, _ changes: [String: String] = [:]) -> String {
        var members: [String: String] = [
            "adm_guidance": #""(1.5, 0.8, 0.3)""#, "base_model": #""base""#, "base_model_hash": "\"\(baseHash)\"",
            "full_negative_prompt": #"["ugly"]"#, "full_prompt": #"["a cat"]"#, "guidance_scale": "4.0", "loras": "[]",
            "metadata_scheme": #""fooocus""#, "negative_prompt": #""ugly""#, "performance": #""Speed""#, "prompt": #""a cat""#,
            "prompt_expansion": #""""#, "refiner_model": #""None""#, "refiner_switch": "0.8", "resolution": #""(1152, 896)""#,
            "sampler": #""euler_ancestral""#, "scheduler": #""karras""#, "seed": #""1234""#, "sharpness": "2.0", "steps": "30",
            "styles": #""[]""#, "vae": #""Default (model)""#, "version": #""Fooocus v2.5.5""#,
        ]
        members.merge(changes) { $1 }
        return "{" + members.keys.sorted().map { "\"\($0)\": \(members[$0]!)" }.joined(separator: ", ") + "}"
    }

    /// Fooocus' `a1111` scheme for the same conforming image.
    static func a1111Record(baseHash: String, sampler: String = "Euler a") -> String {
        "a cat\nNegative prompt: ugly\nSteps: 30, Sampler: \(sampler), Seed: 1234, Size: 1152x896, CFG scale: 4.0, Sharpness: 2.0, "
            + "ADM Guidance: \"(1.5, 0.8, 0.3)\", Model: base, Model hash: \(baseHash), Performance: Speed, Scheduler: karras, "
            + "VAE: Default (model), Raw prompt: a cat, Raw negative prompt: ugly, Version: Fooocus v2.5.5"
    }

    /// ComfyUI's `prompt` chunk: the default text-to-image graph with `sampler`.
    static func comfyUIPrompt(sampler: String) -> String {
        #"{"3": {"inputs": {"seed": 1, "steps": 20, "cfg": 8.0, "sampler_name": ""# + sampler
            + #"", "scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}, "class_type": "KSampler"}, "#
            + #""4": {"inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}, "class_type": "CheckpointLoaderSimple"}, "#
            + #""9": {"inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "class_type": "SaveImage"}}"#
    }
}

/// Writes an image file at `target`, making missing parent folders; returns its path.
@discardableResult
func writeImage(_ target: String, _ bytes: [UInt8]) -> String {
    makeFolders(String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)]))
    writeBytes(target, bytes)
    return target
}

/// The `job.` facts an image's generation record gives, in the keys and values the
/// launch-time job gate uses (docs/FACTS.md), and the keys it cannot tell.
public struct ImageRecord: Sendable, Equatable {
    /// `fooocus` (scheme `fooocus` or `a1111`) or `comfyui`.
    var source: String
    var facts: [String: String]
    /// Keys the record leaves undetermined, with why: a rule on one fails, since the image
    /// cannot show that it conforms.
    var undetermined: [String: String]
    /// Keys the record does not carry because they had no effect on this image (the refiner
    /// switch without a refiner): rules on them are not judged for this image.
    var notApplicable: [String: String]

    init(source: String, facts: [String: String], undetermined: [String: String] = [:], notApplicable: [String: String] = [:]) {
        self.source = source
        self.facts = facts
        self.undetermined = undetermined
        self.notApplicable = notApplicable
    }
}

/// What reading one image gave.
public enum ImageReading: Sendable, Equatable {
    case record(ImageRecord)
    /// The image carries no generation record (saved with `--disable-metadata`, re-encoded, or
    /// not made by Fooocus or ComfyUI); `detail` says what was looked for.
    case noRecord(String)
    case unreadable(String)
}

public enum ImageRecordReader {
    /// Reads the generation record of the image at `path` (PNG, JPEG or WebP, told apart by
    /// their first bytes, not by the file name).
    public static func read(path: String) -> ImageReading {
        do {
            return try read(ImageFile(path: path))
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// Reads the generation record of an image held in memory (the fuzzer, tests).
    public static func read(bytes: [UInt8]) -> ImageReading {
        do {
            return try read(InMemoryImage(bytes: bytes))
        } catch {
            return .unreadable("\(error)")
        }
    }

    static func read(_ image: some ImageBytes) throws(ImageReadError) -> ImageReading {
        let head = try image.read(at: 0, count: Swift.min(12, image.size), what: "the file is empty")
        if PNGText.isPNG(head) {
            let texts = try PNGText.textChunks(of: image)
            // Fooocus `modules/private_logger.py`: `parameters` and `fooocus_scheme` text chunks.
            if let parameters = texts["parameters"] {
                return try fooocus(parameters: parameters, scheme: texts["fooocus_scheme"])
            }
            // ComfyUI `nodes.py` SaveImage: `prompt` (the executed graph) and `workflow`.
            if let prompt = texts["prompt"] {
                return try comfyUI(prompt: prompt)
            }
            return .noRecord("no parameters (Fooocus) or prompt (ComfyUI) text chunk")
        }
        let exif: ExifText?
        if ExifText.isJPEG(head) {
            exif = try ExifText.jpeg(image)
        } else if ExifText.isWebP(head) {
            exif = try ExifText.webp(image)
        } else {
            throw .malformed("not a PNG, JPEG or WebP image")
        }
        guard let exif, let parameters = exif.userComment else { return .noRecord("no EXIF UserComment (Fooocus) in the image") }
        return try fooocus(parameters: parameters, scheme: exif.makerNote)
    }

    static func fooocus(parameters: String, scheme: String?) throws(ImageReadError) -> ImageReading {
        do {
            return .record(try FooocusImageRecord.facts(parameters: parameters, scheme: scheme))
        } catch {
            throw .malformed("the Fooocus record cannot be read: \(error.reason)")
        }
    }

    static func comfyUI(prompt: String) throws(ImageReadError) -> ImageReading {
        do {
            return .record(try ComfyUIImageRecord.facts(prompt: prompt))
        } catch {
            throw .malformed("the ComfyUI prompt cannot be read: \(error.reason)")
        }
    }
}

/// A record whose content is not what its front end writes.
struct RecordError: Error, Equatable {
    var reason: String
}

/// A Fooocus image's record as `job.fooocus.*` facts. Fooocus 2.5.5 writes it in one of two
/// schemes (`modules/meta_parser.py`): `fooocus`, a JSON object (`FooocusMetadataParser.to_string`),
/// and `a1111`, the text form Civitai reads (`A1111MetadataParser.to_string`). Which one is
/// told as `read_info_from_image` does: the scheme named beside the parameters, else a JSON
/// object is `fooocus` and text is `a1111`.
package enum FooocusImageRecord {
    /// The style whose presence turns on prompt expansion (`modules/sdxl_styles.py`
    /// `fooocus_expansion`), which Fooocus' settings (Probe's FooocusConfig) name too.
    package static let expansionStyle = "Fooocus V2"
    /// `fooocus_version.py` as `async_worker.py` writes it: `Fooocus v2.5.5`.
    static let versionPrefix = "Fooocus v"

    static func facts(parameters: String, scheme: String?) throws(RecordError) -> ImageRecord {
        // Which scheme the text is in is decided by whether it parses: the a1111 text is not JSON.
        var notJSON = "not a JSON object"
        var json: MinimalJSON.Value?
        do throws(MinimalJSON.SyntaxError) {
            json = try MinimalJSON.parse(Array(parameters.utf8))
        } catch {
            notJSON = error.description
        }
        var record: ImageRecord
        if let json, case .object = json, scheme != "a1111" {
            record = try fooocusScheme(json)
        } else if scheme == "fooocus" {
            throw RecordError(reason: "the scheme is fooocus but the parameters are \(notJSON)")
        } else {
            record = try a1111Scheme(parameters)
        }
        setAsideWhatHadNoEffect(&record)
        return record
    }

    /// Settings that act only through another one, with why they had no effect without it.
    /// Fooocus uses the refiner switch and the refiner's weights only when a refiner is set
    /// (`modules/default_pipeline.py`; the refiner is off when named `None`, or empty as
    /// `meta_parser.py` tests it), yet the `fooocus` scheme records the switch whatever the
    /// refiner. Each scheme's reader gives what it finds; this one table says, for both, what
    /// is then not judged.
    static let onlyWithARefiner: [(key: String, why: String)] = [
        ("job.fooocus.config.refiner_switch", "no refiner, so the refiner switch had no effect"),
        ("job.fooocus.model.refiner.sha256", "no refiner, so no refiner model was used"),
    ]

    /// Marks the settings that had no effect on this image as not applicable, whatever the
    /// record says of them, so that a lock's rule on them is not judged.
    static func setAsideWhatHadNoEffect(_ record: inout ImageRecord) {
        guard let refiner = record.facts["job.fooocus.config.refiner"], refiner == "None" || refiner.isEmpty else { return }
        for (key, why) in onlyWithARefiner {
            record.facts[key] = nil
            record.undetermined[key] = nil
            record.notApplicable[key] = why
        }
    }

    /// A JSON value as Python's `str` would show a number or string: the text as written.
    static func text(_ value: MinimalJSON.Value?) -> String? {
        switch value {
        case .string(let text)?, .number(let text)?: text
        case .bool(let flag)?: flag ? "True" : "False"
        default: nil
        }
    }

    /// The `fooocus` scheme: the keys of `async_worker.py` `save_and_log` plus those
    /// `FooocusMetadataParser.to_string` adds (`base_model_hash`, `loras` as `[name, weight, hash]`).
    static func fooocusScheme(_ record: MinimalJSON.Value) throws(RecordError) -> ImageRecord {
        var facts: [String: String] = [:]
        var undetermined: [String: String] = [:]
        if let version = text(record["version"]) {
            facts["job.fooocus.version"] = version.hasPrefix(versionPrefix) ? String(version.dropFirst(versionPrefix.count)) : version
        }
        let simple = [
            ("sampler", "job.fooocus.config.sampler"), ("scheduler", "job.fooocus.config.scheduler"),
            ("performance", "job.fooocus.config.performance"), ("guidance_scale", "job.fooocus.config.cfg_scale"),
            ("sharpness", "job.fooocus.config.sharpness"), ("base_model", "job.fooocus.config.model"),
            ("refiner_model", "job.fooocus.config.refiner"), ("refiner_switch", "job.fooocus.config.refiner_switch"),
            ("vae", "job.fooocus.config.vae"),
        ]
        for (name, key) in simple {
            if let value = text(record[name]) { facts[key] = value }
        }
        if let hash = text(record["base_model_hash"]) { facts["job.fooocus.model.base.sha256"] = "sha256:" + hash }
        if let hash = text(record["refiner_model_hash"]) { facts["job.fooocus.model.refiner.sha256"] = "sha256:" + hash }
        // `styles` is `str()` of a Python list: "['Fooocus V2', 'Fooocus Sharp']".
        if let styles = text(record["styles"]) {
            guard case .value(.list(let items)) = PythonLiteralEvaluator.evaluate(styles) else { throw RecordError(reason: "styles is not a Python list") }
            let names = items.compactMap { $0.string?.swiftString }
            guard names.count == items.count else { throw RecordError(reason: "styles holds a value that is not a name") }
            facts["job.fooocus.config.styles"] = FactList.encode(names)
            facts["job.fooocus.config.prompt_expansion"] = names.contains(expansionStyle) ? "true" : "false"
        } else {
            undetermined["job.fooocus.config.styles"] = "the record has no styles"
        }
        if case .array(let loras)? = record["loras"] {
            var names: [String] = []
            var weights: [String] = []
            for (index, lora) in loras.enumerated() {
                guard case .array(let parts) = lora, parts.count == 3, let name = text(parts[0]), let weight = text(parts[1]), let hash = text(parts[2]) else {
                    throw RecordError(reason: "loras entry \(index + 1) is not [name, weight, hash]")
                }
                names.append(name)
                weights.append(weight)
                facts["job.fooocus.model.lora.\(index).sha256"] = "sha256:" + hash
            }
            facts["job.fooocus.config.loras"] = FactList.encode(names)
            facts["job.fooocus.config.lora_weights"] = FactList.encode(weights)
        } else {
            undetermined["job.fooocus.config.loras"] = "the record has no loras"
        }
        return ImageRecord(source: "fooocus", facts: facts, undetermined: undetermined)
    }

    /// `modules/flags.py` `SAMPLERS`: Fooocus' sampler names and the names the a1111 scheme
    /// shows. Several share one name (`DPM++ 2M SDE` is `dpmpp_2m_sde` and `dpmpp_2m_sde_gpu`);
    /// names without one are written as they are.
    static let samplerDisplayNames: [(name: String, display: String)] = [
        ("euler", "Euler"), ("euler_ancestral", "Euler a"), ("heun", "Heun"), ("dpm_2", "DPM2"), ("dpm_2_ancestral", "DPM2 a"),
        ("lms", "LMS"), ("dpm_fast", "DPM fast"), ("dpm_adaptive", "DPM adaptive"), ("dpmpp_2s_ancestral", "DPM++ 2S a"),
        ("dpmpp_sde", "DPM++ SDE"), ("dpmpp_sde_gpu", "DPM++ SDE"), ("dpmpp_2m", "DPM++ 2M"), ("dpmpp_2m_sde", "DPM++ 2M SDE"),
        ("dpmpp_2m_sde_gpu", "DPM++ 2M SDE"), ("lcm", "LCM"), ("tcd", "TCD"), ("restart", "Restart"), ("ddim", "DDIM"), ("uni_pc", "UniPC"),
    ]

    /// The sampler an a1111 `Sampler:` value names. Fooocus' own reader strips ` Karras` and
    /// takes the first sampler with that display name, so it reads `DPM++ 2M SDE` back as
    /// `dpmpp_2m_sde` even when the image was made with `dpmpp_2m_sde_gpu`. An audit must not
    /// pass a GPU sampler on that guess: an ambiguous name gives every candidate, joined by
    /// `|` (`dpmpp_2m_sde|dpmpp_2m_sde_gpu`), which no `equals` matches and `excludes: "*_gpu"` catches.
    static func sampler(fromDisplayName shown: String) -> String {
        let display = shown.hasSuffix(" Karras") ? String(shown.dropLast(" Karras".count)) : shown
        let names = samplerDisplayNames.filter { $0.display == display }.map(\.name)
        return names.isEmpty ? display : names.joined(separator: "|")
    }

    /// `re_param` of `meta_parser.py`: `Key: value` pairs separated by commas; a value with a
    /// comma, colon, quote or newline is a JSON string (`modules/util.py` `quote`).
    static func a1111Parameters(_ line: String) -> [String: String] {
        var pairs: [String: String] = [:]
        var rest = Substring(line)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            guard let colon = rest.firstIndex(of: ":") else { break }
            let key = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...].drop { $0 == " " }
            let value: String
            if rest.first == "\"" {
                var end = rest.index(after: rest.startIndex)
                var escaped = false
                while end < rest.endIndex, escaped || rest[end] != "\"" {
                    escaped = !escaped && rest[end] == "\\"
                    end = rest.index(after: end)
                }
                let close = end < rest.endIndex ? rest.index(after: end) : rest.endIndex
                let quoted = rest[rest.startIndex..<close]
                // meta_parser.py quotes such values with json.dumps; a quote that is not valid
                // JSON (cut short, hand-edited) is kept as written, quotes included.
                do {
                    if case .string(let text) = try MinimalJSON.parse(Array(quoted.utf8)) { value = text } else { value = String(quoted) }
                } catch {
                    value = String(quoted)
                }
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
                if let comma = rest.firstIndex(of: ",") { rest = rest[rest.index(after: comma)...] } else { rest = "" }
            } else {
                let comma = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<comma])
                rest = comma < rest.endIndex ? rest[rest.index(after: comma)...] : ""
            }
            pairs[key.trimmingSpaces] = value
        }
        return pairs
    }

    /// The `a1111` scheme: prompt lines, an optional `Negative prompt:` part, then one line of
    /// parameters (`A1111MetadataParser.to_string`). It names no styles: Fooocus' reader finds
    /// them by matching the prompt against its style templates, and takes Fooocus V2 when the
    /// written prompt is not the raw prompt. Here, a prompt equal to `Raw prompt` (newlines as
    /// `, `, as the reader compares it) means no style and no expansion; any other prompt was
    /// rewritten by styles or Fooocus V2, which this scheme cannot tell apart.
    static func a1111Scheme(_ text: String) throws(RecordError) -> ImageRecord {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last?.trimmingSpaces.isEmpty == true { lines.removeLast() }
        guard let last = lines.popLast() else { throw RecordError(reason: "the parameters are empty") }
        let parameters = a1111Parameters(last)
        guard parameters.count >= 3 else { throw RecordError(reason: "the last line holds no generation parameters") }
        var facts: [String: String] = [:]
        var undetermined: [String: String] = [:]
        if let version = parameters["Version"] {
            facts["job.fooocus.version"] = version.hasPrefix(versionPrefix) ? String(version.dropFirst(versionPrefix.count)) : version
        }
        if let shown = parameters["Sampler"] { facts["job.fooocus.config.sampler"] = sampler(fromDisplayName: shown) }
        let simple = [
            ("Scheduler", "job.fooocus.config.scheduler"), ("Performance", "job.fooocus.config.performance"),
            ("CFG scale", "job.fooocus.config.cfg_scale"), ("Sharpness", "job.fooocus.config.sharpness"),
            ("Model", "job.fooocus.config.model"), ("VAE", "job.fooocus.config.vae"),
        ]
        for (name, key) in simple {
            if let value = parameters[name] { facts[key] = value }
        }
        if let hash = parameters["Model hash"] { facts["job.fooocus.model.base.sha256"] = "sha256:" + hash }
        if let refiner = parameters["Refiner"] {
            facts["job.fooocus.config.refiner"] = refiner
            if let hash = parameters["Refiner hash"] { facts["job.fooocus.model.refiner.sha256"] = "sha256:" + hash }
            undetermined["job.fooocus.config.refiner_switch"] = "the a1111 scheme does not record the refiner switch"
        } else {
            // Written only when a refiner is set (setAsideWhatHadNoEffect says what that leaves out).
            facts["job.fooocus.config.refiner"] = "None"
        }
        // "Lora hashes: name: hash, …" and "Lora weights: name: weight, …", in the same order.
        let hashes = (parameters["Lora hashes"] ?? "").split(separator: ",").map { $0.split(separator: ":").map { String($0).trimmingSpaces } }
        let weights = (parameters["Lora weights"] ?? "").split(separator: ",").map { $0.split(separator: ":").map { String($0).trimmingSpaces } }
        guard hashes.count == weights.count, (hashes + weights).allSatisfy({ $0.count == 2 }) else {
            throw RecordError(reason: "Lora hashes and Lora weights do not list the same LoRAs")
        }
        for (index, entry) in hashes.enumerated() { facts["job.fooocus.model.lora.\(index).sha256"] = "sha256:" + entry[1] }
        facts["job.fooocus.config.loras"] = FactList.encode(weights.map { $0[0] })
        facts["job.fooocus.config.lora_weights"] = FactList.encode(weights.map { $0[1] })
        let promptLines = lines.prefix { !$0.hasPrefix("Negative prompt:") }
        if let raw = parameters["Raw prompt"] {
            if promptLines.joined(separator: "\n").trimmingSpaces == raw.replacing("\n", with: ", ").trimmingSpaces {
                facts["job.fooocus.config.styles"] = FactList.encode([])
                facts["job.fooocus.config.prompt_expansion"] = "false"
            } else {
                let why = "the prompt was rewritten by styles or Fooocus V2 (prompt expansion); the a1111 scheme does not name which"
                undetermined["job.fooocus.config.styles"] = why
                undetermined["job.fooocus.config.prompt_expansion"] = why
            }
        } else {
            undetermined["job.fooocus.config.styles"] = "the record has no Raw prompt to tell styles by"
            undetermined["job.fooocus.config.prompt_expansion"] = "the record has no Raw prompt to tell prompt expansion by"
        }
        return ImageRecord(source: "fooocus", facts: facts, undetermined: undetermined)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}

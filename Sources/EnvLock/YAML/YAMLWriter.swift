import CYAML

/// envlock's YAML writer, over libyaml's emitter.
///
/// Output is block style with a 2-space indent, without `---` or `...`. Every string value is
/// double-quoted, so YAML 1.1 tools read `2.10` back as the string "2.10"; keys are written
/// plain only when they look like identifiers (`host.os.id`, `gpu.*.name`) and every YAML
/// reader takes them for strings, and double-quoted otherwise. Booleans and null are plain,
/// empty arrays and objects are `[]` and `{}`, object members keep their order, and text is
/// UTF-8 with control characters escaped. libyaml 0.2.5 escapes characters outside the Basic
/// Multilingual Plane (`\U0001F600`); every YAML reader reads them back as the same character.
public enum YAMLWriter {
    /// The YAML text of `value`, ending with a newline.
    public static func write(_ value: JSONValue) -> String {
        // libyaml keeps pointers to the emitter inside itself, so it needs a fixed address.
        let emitter = UnsafeMutablePointer<yaml_emitter_t>.allocate(capacity: 1)
        defer { emitter.deallocate() }
        guard yaml_emitter_initialize(emitter) == 1 else {
            fatalError("libyaml could not allocate an emitter")
        }
        defer { yaml_emitter_delete(emitter) }
        let output = UnsafeMutablePointer<[UInt8]>.allocate(capacity: 1)
        output.initialize(to: [])
        defer { output.deinitialize(count: 1); output.deallocate() }

        yaml_emitter_set_output(
            emitter,
            { data, buffer, size in
                guard let data, let buffer else { return 0 }
                data.assumingMemoryBound(to: [UInt8].self).pointee.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
                return 1
            },
            output)
        yaml_emitter_set_unicode(emitter, 1)
        yaml_emitter_set_indent(emitter, 2)
        // No line folding: a long string stays on one line, as people grep for it.
        yaml_emitter_set_width(emitter, -1)

        let events = EventSink(emitter: emitter)
        events.emit { yaml_stream_start_event_initialize(&$0, YAML_UTF8_ENCODING) }
        events.emit { yaml_document_start_event_initialize(&$0, nil, nil, nil, 1) }
        events.value(value)
        events.emit { yaml_document_end_event_initialize(&$0, 1) }
        events.emit { yaml_stream_end_event_initialize(&$0) }
        return String(decoding: unescapingAstralCharacters(output.pointee), as: UTF8.self)
    }

    /// libyaml 0.2.5 takes every character outside the Basic Multilingual Plane for
    /// unprintable and writes it as `\UXXXXXXXX`; YAML counts them printable, so this writes
    /// them as UTF-8 again. Only double-quoted scalars contain quotes or backslashes in this
    /// writer's output, which makes a quote-and-escape scan exact.
    static func unescapingAstralCharacters(_ text: [UInt8]) -> [UInt8] {
        guard text.contains(UInt8(ascii: "\\")) else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var inQuotes = false
        var index = 0
        while index < text.count {
            let byte = text[index]
            if !inQuotes {
                inQuotes = byte == UInt8(ascii: "\"")
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = false
            } else if byte == UInt8(ascii: "\\"), index + 1 < text.count {
                if text[index + 1] == UInt8(ascii: "U"), index + 10 <= text.count,
                    let value = UInt32(String(decoding: text[(index + 2)..<(index + 10)], as: UTF8.self), radix: 16),
                    value >= 0x10000, let scalar = Unicode.Scalar(value)
                {
                    result.append(contentsOf: Array(String(Character(scalar)).utf8))
                    index += 10
                    continue
                }
                // Any other escape, including `\\` and `\"`, is copied as it is.
                result.append(byte)
                result.append(text[index + 1])
                index += 2
                continue
            }
            result.append(byte)
            index += 1
        }
        return result
    }

    /// Whether `key` can be written without quotes: an identifier-like name (letters, digits,
    /// `_ . - / *`, starting with a letter or `_`) that no YAML reader turns into anything but
    /// a string.
    static func isPlainSafeKey(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard let first = utf8.first, utf8.count <= 128,
            isLetter(first) || first == UInt8(ascii: "_"),
            utf8.allSatisfy({ isLetter($0) || isDigit($0) || plainKeyPunctuation.contains($0) })
        else { return false }
        return PlainScalarResolution.readings(of: key).isEmpty
    }

    private static let plainKeyPunctuation: Set<UInt8> = [
        UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "*"),
    ]

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// Feeds events to the emitter.
private struct EventSink {
    let emitter: UnsafeMutablePointer<yaml_emitter_t>

    /// Initializes an event with `initialize` and emits it. Both fail only on allocation
    /// failure or an event sequence that this writer never produces, so a failure is a bug.
    func emit(_ initialize: (inout yaml_event_t) -> Int32) {
        var event = yaml_event_t()
        guard initialize(&event) == 1 else { fatalError("libyaml could not create an event") }
        // The emitter takes the event over, even when it fails.
        guard yaml_emitter_emit(emitter, &event) == 1 else {
            let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown problem"
            fatalError("libyaml refused an event: \(problem)")
        }
    }

    func value(_ value: JSONValue) {
        switch value {
        case .string(let text):
            scalar(text, style: YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        case .bool(let flag):
            scalar(flag ? "true" : "false", style: YAML_PLAIN_SCALAR_STYLE)
        case .null:
            scalar("null", style: YAML_PLAIN_SCALAR_STYLE)
        case .array(let items):
            let style = items.isEmpty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE
            emit { yaml_sequence_start_event_initialize(&$0, nil, nil, 1, style) }
            for item in items { self.value(item) }
            emit { yaml_sequence_end_event_initialize(&$0) }
        case .object(let members):
            let style = members.isEmpty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE
            emit { yaml_mapping_start_event_initialize(&$0, nil, nil, 1, style) }
            for member in members {
                let keyStyle = YAMLWriter.isPlainSafeKey(member.key) ? YAML_PLAIN_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE
                scalar(member.key, style: keyStyle)
                self.value(member.value)
            }
            emit { yaml_mapping_end_event_initialize(&$0) }
        }
    }

    private func scalar(_ text: String, style: yaml_scalar_style_t) {
        var text = text
        text.withUTF8 { bytes in
            emit { event in
                // libyaml copies the value; an empty buffer may have no address, so give it one.
                withUnsafePointer(to: UInt8(0)) { empty in
                    yaml_scalar_event_initialize(
                        &event, nil, nil, bytes.baseAddress ?? empty, Int32(bytes.count), 1, 1, style)
                }
            }
        }
    }
}

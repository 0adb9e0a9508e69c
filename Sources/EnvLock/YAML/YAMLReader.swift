import CYAML

// One job, kept in one file although it passes 300 lines: turning libyaml's events into a
// YAMLNode tree under envlock's limits, with every refusal positioned.

/// Bounds that a document must stay within before envlock spends effort on it.
public struct YAMLLimits: Sendable, Equatable {
    /// The largest accepted input, in bytes.
    public var maxBytes = 1 << 20
    /// The deepest accepted nesting of sequences and mappings (the root collection is level 1).
    var maxDepth = 32
    /// The longest accepted scalar, in bytes of its value.
    var maxScalarBytes = 4096

    /// Limits with envlock's defaults unless given.
    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32, maxScalarBytes: Int = 4096) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxScalarBytes = maxScalarBytes
    }
}

/// envlock's strict YAML reader: one document of plain, untagged strings, sequences and
/// mappings, read through libyaml's event API.
///
/// Everything a hostile file could use to make reading expensive or ambiguous is refused at
/// the byte or event where it appears, before the tree grows past it: anchors and aliases
/// (so a "billion laughs" document costs one event), merge keys, tags, directives, deep
/// nesting, long scalars, duplicate keys as YAML 1.1 and 1.2 readers compare them, several
/// documents, and input that is not UTF-8. JSON documents are YAML and read the same way.
public enum YAMLReader {
    /// The document in `bytes`; `path` names the file in errors.
    public static func read(_ bytes: [UInt8], path: String, limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> YAMLNode {
        do throws(YAMLError) {
            try checkEncoding(bytes, limits: limits)
            let rewrite = JSONSurrogateEscapes.rewrite(bytes)
            return try (rewrite?.bytes ?? bytes).withUnsafeBufferPointer { buffer in
                Result { () throws(YAMLError) -> YAMLNode in try parse(buffer, limits: limits, rewrite: rewrite) }
            }.get()
        } catch {
            throw error.at(path: path)
        }
    }

    // MARK: Bytes

    /// Checks size and encoding before libyaml sees the input: libyaml would silently accept
    /// a BOM or UTF-16, and its messages for NUL bytes and bad UTF-8 carry no position.
    static func checkEncoding(_ bytes: [UInt8], limits: YAMLLimits) throws(YAMLError) {
        let start = Mark(line: 1, column: 1)
        guard bytes.count <= limits.maxBytes else {
            throw YAMLError(path: "", mark: start, reason: .tooLarge(bytes: bytes.count, limit: limits.maxBytes))
        }
        if let encoding = byteOrderMark(bytes) {
            throw YAMLError(path: "", mark: start, reason: .byteOrderMark(encoding: encoding))
        }
        if let encoding = wideEncodingWithoutMark(bytes) {
            throw YAMLError(path: "", mark: start, reason: .unsupportedEncoding(encoding))
        }
        let problem: (offset: Int, reason: YAMLError.Reason)? = bytes.withUnsafeBufferPointer(firstEncodingProblem)
        if let problem {
            throw YAMLError(path: "", mark: mark(ofByteOffset: problem.offset, in: bytes), reason: problem.reason)
        }
    }

    private static func byteOrderMark(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return "UTF-8" }
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return "UTF-32BE" }
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return "UTF-32LE" }
        if bytes.starts(with: [0xFE, 0xFF]) { return "UTF-16BE" }
        if bytes.starts(with: [0xFF, 0xFE]) { return "UTF-16LE" }
        return nil
    }

    /// UTF-16 and UTF-32 put NUL bytes beside the first ASCII character, which is how the
    /// YAML spec itself detects them.
    private static func wideEncodingWithoutMark(_ bytes: [UInt8]) -> String? {
        if bytes.count >= 4 {
            if bytes[0] == 0, bytes[1] == 0, bytes[2] == 0, bytes[3] != 0 { return "UTF-32BE" }
            if bytes[0] != 0, bytes[1] == 0, bytes[2] == 0, bytes[3] == 0 { return "UTF-32LE" }
        }
        if bytes.count >= 2 {
            if bytes[0] == 0, bytes[1] != 0 { return "UTF-16BE" }
            if bytes[0] != 0, bytes[1] == 0 { return "UTF-16LE" }
        }
        return nil
    }

    /// The byte offset of the first NUL byte or invalid UTF-8 sequence, in one pass.
    private static func firstEncodingProblem(_ bytes: UnsafeBufferPointer<UInt8>) -> (offset: Int, reason: YAMLError.Reason)? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead == 0 { return (index, .nulByte) }
                index += 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: return (index, .invalidUTF8)
            }
            guard index + length <= count, secondRange.contains(bytes[index + 1]) else { return (index, .invalidUTF8) }
            for continuation in (index + 2)..<(index + length) where bytes[continuation] & 0xC0 != 0x80 {
                return (index, .invalidUTF8)
            }
            index += length
        }
        return nil
    }

    /// The 1-based line and column (in characters, as libyaml counts) of a byte offset.
    static func mark(ofByteOffset offset: Int, in bytes: [UInt8]) -> Mark {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && (index + 1 >= bytes.count || bytes[index + 1] != UInt8(ascii: "\n"))) {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return Mark(line: line, column: column)
    }

    // MARK: Events

    /// Parses `input`; `rewrite` maps its positions back when it is a rewritten copy.
    private static func parse(_ input: UnsafeBufferPointer<UInt8>, limits: YAMLLimits, rewrite: JSONSurrogateEscapes?) throws(YAMLError) -> YAMLNode {
        guard let base = input.baseAddress, !input.isEmpty else {
            throw YAMLError(path: "", mark: Mark(line: 1, column: 1), reason: .emptyDocument)
        }
        // libyaml keeps pointers to the parser inside itself, so it needs a fixed address.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            // Only an allocation failure makes initialization fail.
            fatalError("libyaml could not allocate a parser")
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, base, input.count)

        var builder = TreeBuilder(limits: limits, rewrite: rewrite)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                throw syntaxError(parser.pointee, input: input, rewrite: rewrite)
            }
            defer { yaml_event_delete(&event) }
            if let root = try builder.consume(event) { return root }
        }
    }

    private static func syntaxError(_ parser: yaml_parser_t, input: UnsafeBufferPointer<UInt8>, rewrite: JSONSurrogateEscapes?) -> YAMLError {
        func original(_ mark: Mark) -> Mark { rewrite?.original(mark) ?? mark }
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        if parser.error == YAML_READER_ERROR {
            // Reader errors carry a byte offset instead of a mark.
            let mark = mark(ofByteOffset: parser.problem_offset, in: Array(input))
            return YAMLError(path: "", mark: original(mark), reason: .syntax(problem))
        }
        var text = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            text += " (\(context) at \(original(Mark(parser.context_mark))))"
        }
        return YAMLError(path: "", mark: original(Mark(parser.problem_mark)), reason: .syntax(text))
    }
}

extension Mark {
    /// A libyaml mark, which counts from 0.
    init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}

/// Builds the tree event by event, refusing what envlock does not accept at the event that
/// introduces it.
private struct TreeBuilder {
    /// An open sequence or mapping.
    struct Frame {
        var isMapping: Bool
        var mark: Mark
        var items: [YAMLNode] = []
        var entries: [YAMLMappingEntry] = []
        /// The key whose value comes next; nil when the next scalar is a key.
        var pendingKey: YAMLScalar?
        /// Every identity of every key so far, with the mark of the key that had it first.
        var keyIdentities: [String: Mark] = [:]
    }

    let limits: YAMLLimits
    let rewrite: JSONSurrogateEscapes?
    var frames: [Frame] = []
    var sawDocument = false
    var root: YAMLNode?

    init(limits: YAMLLimits, rewrite: JSONSurrogateEscapes?) {
        self.limits = limits
        self.rewrite = rewrite
    }

    /// Takes in one event; returns the root once the stream ends.
    mutating func consume(_ event: yaml_event_t) throws(YAMLError) -> YAMLNode? {
        let mark = rewrite?.original(Mark(event.start_mark)) ?? Mark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT, YAML_NO_EVENT:
            return nil
        case YAML_DOCUMENT_START_EVENT:
            guard !sawDocument else { throw error(mark, .multipleDocuments) }
            sawDocument = true
            let start = event.data.document_start
            if start.version_directive != nil { throw error(mark, .directive("%YAML")) }
            if start.tag_directives.start != start.tag_directives.end { throw error(mark, .directive("%TAG")) }
            return nil
        case YAML_STREAM_END_EVENT:
            guard let root else { throw error(Mark(line: 1, column: 1), .emptyDocument) }
            return root
        case YAML_ALIAS_EVENT:
            throw error(mark, .alias(text(event.data.alias.anchor)))
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            try refuseAnchorAndTag(anchor: scalar.anchor, tag: scalar.tag, at: mark)
            guard scalar.length <= limits.maxScalarBytes else {
                throw error(mark, .scalarTooLong(bytes: scalar.length, limit: limits.maxScalarBytes))
            }
            let bytes = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
            let node = YAMLScalar(value: String(decoding: bytes, as: UTF8.self), style: ScalarStyle(scalar.style), mark: mark)
            try add(scalar: node, bytes: bytes)
            return nil
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            try refuseAnchorAndTag(anchor: start.anchor, tag: start.tag, at: mark)
            try open(isMapping: false, at: mark)
            return nil
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            try refuseAnchorAndTag(anchor: start.anchor, tag: start.tag, at: mark)
            try open(isMapping: true, at: mark)
            return nil
        case YAML_SEQUENCE_END_EVENT:
            let frame = frames.removeLast()
            try add(node: .sequence(frame.items, frame.mark))
            return nil
        case YAML_MAPPING_END_EVENT:
            let frame = frames.removeLast()
            try add(node: .mapping(frame.entries, frame.mark))
            return nil
        default:
            throw error(mark, .syntax("unexpected libyaml event \(event.type.rawValue)"))
        }
    }

    private func refuseAnchorAndTag(anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?, at mark: Mark) throws(YAMLError) {
        if let anchor { throw error(mark, .anchor(text(anchor))) }
        if let tag {
            // libyaml expands `!!binary` to its full name; show it as it was written.
            let name = text(tag)
            let yamlOrg = "tag:yaml.org,2002:"
            throw error(mark, .tag(name.hasPrefix(yamlOrg) ? "!!" + name.dropFirst(yamlOrg.count) : name))
        }
    }

    private mutating func open(isMapping: Bool, at mark: Mark) throws(YAMLError) {
        if let top = frames.last, top.isMapping, top.pendingKey == nil { throw error(mark, .complexKey) }
        guard frames.count < limits.maxDepth else { throw error(mark, .tooDeep(limit: limits.maxDepth)) }
        frames.append(Frame(isMapping: isMapping, mark: mark))
    }

    private mutating func add(scalar: YAMLScalar, bytes: UnsafeBufferPointer<UInt8>) throws(YAMLError) {
        let top = frames.count - 1
        guard top >= 0, frames[top].isMapping, frames[top].pendingKey == nil else {
            try add(node: .scalar(scalar))
            return
        }
        // A key.
        var identities = ["string:" + scalar.value]
        if scalar.style == .plain {
            let readings = PlainScalarResolution.readings(of: bytes)
            if readings.contains(where: { $0.meaning == .merge }) { throw error(scalar.mark, .mergeKey) }
            identities += readings.flatMap(\.keyIdentities)
        }
        for identity in identities {
            if let first = frames[top].keyIdentities[identity] {
                throw error(scalar.mark, .duplicateKey(scalar.value, first: first))
            }
        }
        for identity in identities { frames[top].keyIdentities[identity] = scalar.mark }
        frames[top].pendingKey = scalar
    }

    private mutating func add(node: YAMLNode) throws(YAMLError) {
        let top = frames.count - 1
        guard top >= 0 else {
            if case .scalar(let scalar) = node, scalar.style == .plain, scalar.value.isEmpty {
                // `---` alone, or `--- # comment`.
                throw error(scalar.mark, .emptyDocument)
            }
            root = node
            return
        }
        if frames[top].isMapping {
            // The key was set by add(scalar:); open(isMapping:at:) refuses collections as keys.
            guard let key = frames[top].pendingKey else { throw error(node.mark, .complexKey) }
            frames[top].entries.append(YAMLMappingEntry(key: key, value: node))
            frames[top].pendingKey = nil
        } else {
            frames[top].items.append(node)
        }
    }

    private func error(_ mark: Mark, _ reason: YAMLError.Reason) -> YAMLError {
        YAMLError(path: "", mark: mark, reason: reason)
    }

    private func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}

extension ScalarStyle {
    init(_ style: yaml_scalar_style_t) {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: self = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: self = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: self = .literal
        case YAML_FOLDED_SCALAR_STYLE: self = .folded
        default: self = .plain
        }
    }
}

/// Why a profile, lock or snapshot document could not be loaded.
public enum DocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The YAML itself is malformed or breaks envlock's input limits.
    case yaml(YAMLError)
    /// The YAML is well formed but says something envlock cannot accept.
    case invalid(path: String, mark: Mark, message: String)
    /// The document declares a format version this envlock does not read.
    case unsupportedFormat(path: String, mark: Mark, found: String)
    /// A DSSE envelope that is not a lock envlock accepts.
    case envelope(path: String, EnvelopeError)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "\(path): error: cannot read: \(reason)"
        case .yaml(let error):
            error.description
        case .invalid(let path, let mark, let message):
            "\(path):\(mark): error: \(message)"
        case .unsupportedFormat(let path, let mark, let found):
            "\(path):\(mark): error: unsupported format version \(found); this envlock reads version \(Profile.formatVersion) (upgrade envlock to read newer files)"
        case .envelope(let path, let error):
            "\(path): error: \(error)"
        }
    }
}

/// Decoding helpers shared by the profile, lock and snapshot readers.
struct DocumentDecoder {
    let path: String

    func invalid(_ node: YAMLNode, _ message: String) -> DocumentError {
        .invalid(path: path, mark: node.mark, message: message)
    }

    func invalid(_ scalar: YAMLScalar, _ message: String) -> DocumentError {
        .invalid(path: path, mark: scalar.mark, message: message)
    }

    /// Runs a YAML accessor, turning its error into a document error.
    func yaml<T>(_ body: () throws(YAMLError) -> T) throws(DocumentError) -> T {
        do {
            return try body()
        } catch {
            // Accessors do not know the file; the reader does.
            throw .yaml(error.path.isEmpty ? error.at(path: path) : error)
        }
    }

    func mapping(_ node: YAMLNode, _ what: String, allowed: Set<String>) throws(DocumentError) -> [String: YAMLNode] {
        try yaml { () throws(YAMLError) in try node.mapping(what, allowedKeys: allowed) }
    }

    func entries(_ node: YAMLNode, _ what: String) throws(DocumentError) -> [YAMLMappingEntry] {
        try yaml { () throws(YAMLError) in try node.mapping(what) }
    }

    func string(_ node: YAMLNode, _ what: String) throws(DocumentError) -> String {
        try yaml { () throws(YAMLError) in try node.string(what) }
    }

    func bool(_ node: YAMLNode, _ what: String) throws(DocumentError) -> Bool {
        try yaml { () throws(YAMLError) in try node.bool(what) }
    }

    func integer(_ node: YAMLNode, _ what: String) throws(DocumentError) -> Int {
        try yaml { () throws(YAMLError) in try node.integer(what) }
    }

    func strings(_ node: YAMLNode, _ what: String) throws(DocumentError) -> [String] {
        let items = try yaml { () throws(YAMLError) in try node.sequence(what) }
        var values: [String] = []
        for item in items { values.append(try string(item, what)) }
        return values
    }

    /// The format version field (`envlock: 1`), checked against what this envlock reads.
    func formatVersion(_ node: YAMLNode?, in document: YAMLNode) throws(DocumentError) {
        guard let node else { throw invalid(document, "missing field 'envlock' (the format version): add `envlock: 1`") }
        if case .scalar(let scalar) = node, scalar.value != String(Profile.formatVersion) {
            throw .unsupportedFormat(path: path, mark: scalar.mark, found: scalar.value)
        }
        let version = try integer(node, "field 'envlock'")
        guard version == Profile.formatVersion else {
            throw .unsupportedFormat(path: path, mark: node.mark, found: String(version))
        }
    }
}

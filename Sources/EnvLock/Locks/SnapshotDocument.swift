extension Snapshot {
    /// The snapshot document that `probe --format json|yaml` writes:
    /// `{"schema", "facts", "detectors", "findings"}`.
    public var document: JSONValue {
        var members: [JSONValue.Member] = [
            .init("schema", .string(Snapshot.schema)),
            .init("facts", .sortedObject(facts)),
            .init("detectors", .array(detectors.map { report in
                var fields: [JSONValue.Member] = [.init("name", .string(report.name)), .init("status", .string(report.status.rawValue))]
                if let detail = report.detail { fields.append(.init("detail", .string(detail))) }
                if !report.diagnostics.isEmpty { fields.append(.init("diagnostics", .array(report.diagnostics.map(JSONValue.string)))) }
                if !report.unreadable.isEmpty { fields.append(.init("unreadable", .sortedObject(report.unreadable))) }
                return .object(fields)
            })),
        ]
        if !findings.isEmpty {
            members.append(.init("findings", .array(findings.map { finding in
                .object([
                    "code": .string(finding.code),
                    "message": .string(finding.message),
                    "keys": .array(finding.keys.map(JSONValue.string)),
                ])
            })))
        }
        return .object(members)
    }

    /// Reads a snapshot written by `probe` (JSON or YAML).
    public static func load(_ bytes: [UInt8], path: String) throws(DocumentError) -> Snapshot {
        let decoder = DocumentDecoder(path: path)
        let root = try decoder.yaml { () throws(YAMLError) in try YAMLReader.read(bytes, path: path) }
        return try load(root, decoder)
    }

    static func load(_ root: YAMLNode, _ decoder: DocumentDecoder) throws(DocumentError) -> Snapshot {
        let fields = try decoder.mapping(root, "the snapshot", allowed: ["schema", "facts", "detectors", "findings"])
        guard let schemaNode = fields["schema"] else { throw decoder.invalid(root, "missing field 'schema'") }
        let schema = try decoder.string(schemaNode, "field 'schema'")
        guard schema == Snapshot.schema else {
            throw decoder.invalid(schemaNode, "schema '\(schema)' is not \(Snapshot.schema); this file is not an envlock snapshot")
        }
        var snapshot = Snapshot()
        // A snapshot without facts is not an empty machine: it is not a snapshot at all.
        guard let factsNode = fields["facts"] else { throw decoder.invalid(root, "missing field 'facts'") }
        for entry in try decoder.entries(factsNode, "field 'facts'") {
            snapshot.facts[entry.key.value] = try decoder.string(entry.value, "fact '\(entry.key.value)'")
        }
        if let detectorsNode = fields["detectors"] {
            for item in try decoder.yaml({ () throws(YAMLError) in try detectorsNode.sequence("field 'detectors'") }) {
                let report = try decoder.mapping(item, "a detector", allowed: ["name", "status", "detail", "diagnostics", "unreadable"])
                guard let nameNode = report["name"], let statusNode = report["status"] else {
                    throw decoder.invalid(item, "a detector needs name and status")
                }
                let statusText = try decoder.string(statusNode, "detector status")
                guard let status = DetectorStatus(rawValue: statusText) else {
                    throw decoder.invalid(statusNode, "unknown detector status '\(statusText)'")
                }
                snapshot.detectors.append(DetectorReport(
                    name: try decoder.string(nameNode, "detector name"),
                    status: status,
                    detail: try report["detail"].map { node throws(DocumentError) in try decoder.string(node, "detector detail") },
                    diagnostics: try report["diagnostics"].map { node throws(DocumentError) in try decoder.strings(node, "detector diagnostics") } ?? [],
                    unreadable: try report["unreadable"].map { node throws(DocumentError) in
                        var unreadable: [String: String] = [:]
                        for entry in try decoder.entries(node, "detector unreadable") {
                            unreadable[entry.key.value] = try decoder.string(entry.value, "unreadable '\(entry.key.value)'")
                        }
                        return unreadable
                    } ?? [:]
                ))
            }
        }
        return snapshot
    }
}

/// The facts of a document given to `diff`: a snapshot or a lock, recognized by content.
public struct FactsDocument: Sendable {
    public var facts: [String: String]
    /// For a lock, its rules: the lock records only the facts they name, so a comparison with
    /// a full snapshot looks at those keys only.
    var lockRules: [Rule]?

    public init(facts: [String: String], lockRules: [Rule]? = nil) {
        self.facts = facts
        self.lockRules = lockRules
    }

    /// Reads the snapshot or lock a command-line argument names: a file, or `-` for a
    /// snapshot on standard input.
    public static func load(argument: String) throws(DocumentError) -> FactsDocument {
        if argument == Fleet.standardInputArgument {
            return try load(try DocumentFile.readStandardInput(limit: YAMLLimits().maxBytes), path: DocumentFile.standardInputName)
        }
        return try load(try DocumentFile.read(at: argument, role: .comparedDocument), path: argument)
    }

    /// Reads a snapshot (JSON or YAML) or a lock. A lock's trust is not checked here, since
    /// diff only compares.
    public static func load(_ bytes: [UInt8], path: String) throws(DocumentError) -> FactsDocument {
        if InTotoStatement.looksLikeEnvelope(bytes) {
            let lock = try LoadedLock.load(bytes, path: path).lock
            return FactsDocument(facts: lock.facts, lockRules: lock.rules)
        }
        let decoder = DocumentDecoder(path: path)
        let root = try decoder.yaml { () throws(YAMLError) in try YAMLReader.read(bytes, path: path) }
        let entries = try decoder.entries(root, "the document")
        if entries.contains(where: { $0.key.value == "schema" }) {
            return FactsDocument(facts: try Snapshot.load(root, decoder).facts, lockRules: nil)
        }
        if entries.contains(where: { $0.key.value == "envlock" }) {
            let lock = try LoadedLock.load(bytes, path: path).lock
            return FactsDocument(facts: lock.facts, lockRules: lock.rules)
        }
        throw decoder.invalid(root, "neither a snapshot (no 'schema' field) nor a lock (no 'envlock' field)")
    }

    /// This document's facts, and the other side's restricted to what a lock on either side covers.
    public func compared(with other: FactsDocument) -> (left: [String: String], right: [String: String]) {
        var left = facts, right = other.facts
        if let rules = lockRules { right = Evaluator.factsToLock(for: rules, from: right) }
        if let rules = other.lockRules { left = Evaluator.factsToLock(for: rules, from: left) }
        return (left, right)
    }
}

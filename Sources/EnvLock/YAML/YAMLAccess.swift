// Strict accessors: the only way envlock turns a YAMLNode into values.
//
// Each takes `what`, a phrase naming the place for the user ("rule 'host.glibc' field
// 'version'"), and throws a YAMLError at the node's mark. A string is accepted unquoted only
// when every YAML reader would also read it as a string, so a lock or profile means the same to
// envlock and to PyYAML. Errors carry no path; DocumentDecoder
// (DocumentError.swift) adds the file's.

extension YAMLScalar {
    /// The scalar's text, refusing a plain scalar that YAML 1.1 or 1.2 readers would turn into
    /// null, a boolean, a number or a date (`yes`, `~`, `012`, `1.10`, `2024-01-01`).
    func string(_ what: String) throws(YAMLError) -> String {
        if style == .plain, let reading = PlainScalarResolution.readings(of: value).first {
            throw YAMLError(
                path: "", mark: mark,
                reason: .ambiguousScalar(what: what, text: value, readAs: reading.phrase, yamlVersion: reading.yamlVersion))
        }
        return value
    }

    /// Whether the scalar is YAML's null: plain `~`, `null`, `Null`, `NULL` or nothing.
    var isNull: Bool {
        style == .plain && PlainScalarResolution.nullForms.contains(value)
    }

    /// How the scalar is named in an error message.
    var foundPhrase: String {
        switch style {
        case .plain:
            if value.isEmpty { return "nothing" }
            return isNull ? "null (\(value))" : value.count > 40 ? String(value.prefix(40)) + "…" : value
        case .singleQuoted, .doubleQuoted:
            return "the quoted string \"\(value.count > 40 ? String(value.prefix(40)) + "…" : value)\""
        case .literal, .folded:
            return "a block string"
        }
    }
}

extension YAMLNode {
    /// The node as a string; see ``YAMLScalar/string(_:)``.
    func string(_ what: String) throws(YAMLError) -> String {
        try scalar(what, expected: "a string").string(what)
    }

    /// The node as a boolean: plain `true` or `false`, nothing else (`yes`, `on`, `"true"`).
    func bool(_ what: String) throws(YAMLError) -> Bool {
        let expected = "true or false, unquoted"
        let scalar = try scalar(what, expected: expected)
        if scalar.style == .plain {
            if scalar.value == "true" { return true }
            if scalar.value == "false" { return false }
        }
        throw YAMLError(path: "", mark: mark, reason: .wrongType(what: what, expected: expected, found: scalar.foundPhrase))
    }

    /// The node as a non-negative whole number in decimal digits (`1`, `7`); signs, leading
    /// zeros, underscores, other bases, fractions and block scalars are refused.
    ///
    /// The digits may be quoted (`"1"`): envlock's writer quotes every string and its document
    /// tree has no numbers, so a lock it wrote says `envlock: "1"`, while people write
    /// `envlock: 1` in profiles. Both read the same to every YAML reader that matters here.
    func integer(_ what: String) throws(YAMLError) -> Int {
        let expected = "a whole number in decimal digits without leading zeros, such as 7"
        let scalar = try scalar(what, expected: expected)
        let digits = scalar.value.utf8
        if scalar.style == .plain || scalar.style == .doubleQuoted || scalar.style == .singleQuoted,
            let first = digits.first, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            first != UInt8(ascii: "0") || digits.count == 1, let number = Int(scalar.value)
        {
            return number
        }
        throw YAMLError(path: "", mark: mark, reason: .wrongType(what: what, expected: expected, found: scalar.foundPhrase))
    }

    /// The entries of a mapping, in document order.
    func mapping(_ what: String) throws(YAMLError) -> [YAMLMappingEntry] {
        guard case .mapping(let entries, _) = self else {
            throw YAMLError(path: "", mark: mark, reason: .wrongType(what: what, expected: "a mapping", found: foundPhrase))
        }
        return entries
    }

    /// The values of a mapping by key, refusing keys outside `allowedKeys` and requiring
    /// every key in `requiredKeys`: envlock rejects unknown fields rather than ignore them.
    func mapping(_ what: String, allowedKeys: Set<String>, requiredKeys: Set<String> = []) throws(YAMLError) -> [String: YAMLNode] {
        let entries = try mapping(what)
        var values: [String: YAMLNode] = [:]
        var keyMarks: [String: Mark] = [:]
        values.reserveCapacity(entries.count)
        for entry in entries {
            guard allowedKeys.contains(entry.key.value) else {
                throw YAMLError(
                    path: "", mark: entry.key.mark,
                    reason: .unknownKey(what: what, key: entry.key.value, allowed: allowedKeys.sorted()))
            }
            // The reader refuses duplicates; this guards trees built by other means.
            if let first = keyMarks[entry.key.value] {
                throw YAMLError(path: "", mark: entry.key.mark, reason: .duplicateKey(entry.key.value, first: first))
            }
            values[entry.key.value] = entry.value
            keyMarks[entry.key.value] = entry.key.mark
        }
        for key in requiredKeys.sorted() where values[key] == nil {
            throw YAMLError(path: "", mark: mark, reason: .missingKey(what: what, key: key))
        }
        return values
    }

    /// The items of a sequence, in document order.
    func sequence(_ what: String) throws(YAMLError) -> [YAMLNode] {
        guard case .sequence(let items, _) = self else {
            throw YAMLError(path: "", mark: mark, reason: .wrongType(what: what, expected: "a sequence", found: foundPhrase))
        }
        return items
    }

    /// Whether the node is YAML's null (plain `~`, `null`, `Null`, `NULL` or nothing).
    var isNull: Bool {
        if case .scalar(let scalar) = self { return scalar.isNull }
        return false
    }

    private func scalar(_ what: String, expected: String) throws(YAMLError) -> YAMLScalar {
        guard case .scalar(let scalar) = self else {
            throw YAMLError(path: "", mark: mark, reason: .wrongType(what: what, expected: expected, found: foundPhrase))
        }
        return scalar
    }

    private var foundPhrase: String {
        switch self {
        case .scalar(let scalar): scalar.foundPhrase
        case .sequence: "a sequence"
        case .mapping: "a mapping"
        }
    }
}

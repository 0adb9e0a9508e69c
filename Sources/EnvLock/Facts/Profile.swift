#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A hand-written profile: the rules a lock is made from (kept in `profiles/`).
public struct Profile: Sendable, Equatable {
    /// The profile and lock format version this envlock reads and writes.
    static let formatVersion = 1

    public var name: String
    var description: String?
    public var rules: [Rule]
    public var run: RunPolicy
    /// When locks made from this profile stop being valid (copied into the signed lock).
    var expires: Timestamp?
    /// A number that grows with each release of the lock, so verifiers can refuse replays.
    var serial: Int?

    init(name: String, description: String? = nil, rules: [Rule], run: RunPolicy = RunPolicy(), expires: Timestamp? = nil, serial: Int? = nil) {
        self.name = name
        self.description = description
        self.rules = rules
        self.run = run
        self.expires = expires
        self.serial = serial
    }

    static let fields: Set<String> = ["envlock", "name", "description", "extends", "rules", "run", "expires", "serial"]

    /// How many profiles an `extends` chain may hold; a real stack is two or three deep.
    static let maxExtendsDepth = 8

    /// Reads the profile file at `path`, with the profiles it extends.
    public static func load(at path: String) throws(DocumentError) -> Profile {
        try load(try DocumentFile.read(at: path, role: .profile), path: path)
    }

    /// Reads a profile from YAML text; `path` is used in error messages and is where a
    /// relative `extends:` path starts from. `readFile` reads an extended profile (tests and
    /// the fuzzer inject it).
    public static func load(
        _ bytes: [UInt8], path: String,
        readFile: (String) throws(DocumentError) -> [UInt8] = { path throws(DocumentError) in try DocumentFile.read(at: path, role: .extendedProfile) }
    ) throws(DocumentError) -> Profile {
        try load(bytes, path: path, chain: [ProfilePaths.identity(path)], readFile: readFile)
    }

    /// One profile of an `extends` chain; `chain` holds the files being loaded, outermost first.
    private static func load(
        _ bytes: [UInt8], path: String, chain: [String],
        readFile: (String) throws(DocumentError) -> [UInt8]
    ) throws(DocumentError) -> Profile {
        let decoder = DocumentDecoder(path: path)
        let root = try decoder.yaml { () throws(YAMLError) in try YAMLReader.read(bytes, path: path) }
        let fields = try decoder.mapping(root, "the profile", allowed: Profile.fields)
        try decoder.formatVersion(fields["envlock"], in: root)
        guard let nameNode = fields["name"] else { throw decoder.invalid(root, "missing field 'name'") }
        let parent = try fields["extends"].map { node throws(DocumentError) in
            try loadParent(node, of: path, chain: chain, decoder, readFile: readFile)
        }
        guard fields["rules"] != nil || parent != nil else { throw decoder.invalid(root, "missing field 'rules'") }
        let rules = try fields["rules"].map { node throws(DocumentError) in try RuleCoding.decodeRules(node, decoder) } ?? []
        let runFields = try fields["run"].map { node throws(DocumentError) in try decoder.mapping(node, "field 'run'", allowed: ["require", "forbid"]) } ?? [:]
        let require = try runFields["require"].map { node throws(DocumentError) in try decoder.strings(node, "run field 'require'") }
        let forbid = try runFields["forbid"].map { node throws(DocumentError) in try decoder.strings(node, "run field 'forbid'") }
        return Profile(
            name: try decoder.string(nameNode, "field 'name'"),
            description: try fields["description"].map { node throws(DocumentError) in try decoder.string(node, "field 'description'") } ?? parent?.description,
            rules: Profile.merge(parent?.rules ?? [], overriddenBy: rules),
            run: RunPolicy(require: require ?? parent?.run.require ?? [], forbid: forbid ?? parent?.run.forbid ?? []),
            expires: try fields["expires"].map { node throws(DocumentError) in try RuleCoding.decodeTimestamp(node, "field 'expires'", decoder) } ?? parent?.expires,
            serial: try fields["serial"].map { node throws(DocumentError) in try decoder.integer(node, "field 'serial'") } ?? parent?.serial
        )
    }

    /// The profile `extends:` names, resolved against the folder of the profile that names it.
    private static func loadParent(
        _ node: YAMLNode, of path: String, chain: [String], _ decoder: DocumentDecoder,
        readFile: (String) throws(DocumentError) -> [UInt8]
    ) throws(DocumentError) -> Profile {
        let written = try decoder.string(node, "field 'extends'")
        guard !written.isEmpty else { throw decoder.invalid(node, "field 'extends' is empty: name the profile file this one builds on") }
        let parentPath = ProfilePaths.resolve(written, relativeTo: path)
        let identity = ProfilePaths.identity(parentPath)
        if let start = chain.firstIndex(of: identity) {
            let cycle = (chain[start...] + [identity]).joined(separator: " -> ")
            throw decoder.invalid(node, "extends '\(written)' makes a cycle (\(cycle)); a profile cannot extend itself, directly or through others")
        }
        guard chain.count < maxExtendsDepth else {
            throw decoder.invalid(node, "extends '\(written)' goes deeper than \(maxExtendsDepth) profiles; flatten the chain")
        }
        let bytes: [UInt8]
        do {
            bytes = try readFile(parentPath)
        } catch {
            guard case .unreadable(_, let reason) = error else { throw error }
            throw decoder.invalid(node, "extends '\(written)': cannot read \(parentPath): \(reason) (a relative path starts from the folder of \(path))")
        }
        return try load(bytes, path: parentPath, chain: chain + [identity], readFile: readFile)
    }

    /// The parent's rules with the child's applied: a child rule whose key (as written)
    /// equals a parent rule's replaces it where the parent had it; other child rules follow,
    /// in the child's order.
    static func merge(_ parent: [Rule], overriddenBy child: [Rule]) -> [Rule] {
        let childByKey = Dictionary(child.map { ($0.pattern.text, $0) }, uniquingKeysWith: { first, _ in first })
        let parentKeys = Set(parent.map(\.pattern.text))
        return parent.map { childByKey[$0.pattern.text] ?? $0 } + child.filter { !parentKeys.contains($0.pattern.text) }
    }
}

/// Paths of profiles named by `extends:`.
enum ProfilePaths {
    /// `written` as the profile at `base` means it: absolute as is, else from `base`'s folder.
    static func resolve(_ written: String, relativeTo base: String) -> String {
        if written.hasPrefix("/") { return written }
        guard let slash = base.lastIndex(of: "/") else { return written }
        return String(base[...slash]) + written
    }

    /// The real path of `path` when it exists (so `a.yaml`, `./a.yaml` and a link to it are one
    /// file for cycle detection), else `path` itself.
    static func identity(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// The YAML and canonical forms of rules and run policies, shared by profiles and locks.
enum RuleCoding {
    static let ruleFields: Set<String> = ["version", "equals", "one_of", "pin", "absent", "contains", "excludes", "severity", "why"]
    static let ruleKinds = ["version", "equals", "one_of", "pin", "absent", "contains", "excludes"]

    static func decodeRules(_ node: YAMLNode, _ decoder: DocumentDecoder) throws(DocumentError) -> [Rule] {
        var rules: [Rule] = []
        for entry in try decoder.entries(node, "field 'rules'") {
            rules.append(try decodeRule(key: entry.key, value: entry.value, decoder))
        }
        return rules
    }

    static func decodeRule(key: YAMLScalar, value: YAMLNode, _ decoder: DocumentDecoder) throws(DocumentError) -> Rule {
        guard let pattern = FactPattern(key.value) else {
            throw decoder.invalid(key, "'\(key.value)' is not a fact key: use dotted segments such as host.glibc or gpu.*.name")
        }
        if let problem = FactCatalog.unreportableKeyProblem(pattern) {
            throw decoder.invalid(key, problem)
        }
        let what = "rule '\(key.value)'"
        if case .scalar = value {
            let text = try decoder.string(value, what)
            return Rule(pattern: pattern, check: .version(try specifiers(text, at: value, what, decoder)))
        }
        let fields = try decoder.mapping(value, what, allowed: ruleFields)
        let kinds = ruleKinds.filter { fields[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first, let kindNode = fields[kind] else {
            let found = kinds.isEmpty ? "none" : kinds.joined(separator: ", ")
            throw decoder.invalid(value, "\(what) needs exactly one of \(ruleKinds.joined(separator: ", ")) (found \(found))")
        }
        let check: Rule.Check
        switch kind {
        case "version":
            check = .version(try specifiers(try decoder.string(kindNode, "\(what) field 'version'"), at: kindNode, what, decoder))
        case "equals":
            check = .equals(try decoder.string(kindNode, "\(what) field 'equals'"))
        case "one_of":
            let values = try decoder.strings(kindNode, "\(what) field 'one_of'")
            guard !values.isEmpty else { throw decoder.invalid(kindNode, "\(what): one_of needs at least one value") }
            check = .oneOf(values)
        case "contains", "excludes":
            let item = try decoder.string(kindNode, "\(what) field '\(kind)'")
            guard !item.isEmpty else { throw decoder.invalid(kindNode, "\(what): \(kind) needs an item, such as \"Fooocus V2\" or \"*_gpu\"") }
            check = kind == "contains" ? .contains(item) : .excludes(item)
        case "pin":
            guard try decoder.bool(kindNode, "\(what) field 'pin'") else {
                throw decoder.invalid(kindNode, "\(what): pin: false means nothing; remove the rule or write pin: true")
            }
            check = .pin
        default:
            guard try decoder.bool(kindNode, "\(what) field 'absent'") else {
                throw decoder.invalid(kindNode, "\(what): absent: false means nothing; remove the rule or write absent: true")
            }
            check = .absent
        }
        var severity = Severity.error
        if let node = fields["severity"] {
            let text = try decoder.string(node, "\(what) field 'severity'")
            guard let parsed = Severity(rawValue: text) else {
                throw decoder.invalid(node, "\(what): severity must be error or warning, not '\(text)'")
            }
            severity = parsed
        }
        let why = try fields["why"].map { node throws(DocumentError) in try decoder.string(node, "\(what) field 'why'") }
        return Rule(pattern: pattern, check: check, severity: severity, why: why)
    }

    static func specifiers(_ text: String, at node: YAMLNode, _ what: String, _ decoder: DocumentDecoder) throws(DocumentError) -> SpecifierSet {
        if text.allSatisfy({ $0 == " " || $0 == "\t" }) {
            throw decoder.invalid(node, "\(what): an empty version specifier matches every version; write one such as \">=2.2\", or remove the rule")
        }
        do {
            return try SpecifierSet(parsing: text)
        } catch {
            throw decoder.invalid(node, "\(what): \(error)")
        }
    }

    static func decodeRun(_ node: YAMLNode, _ decoder: DocumentDecoder) throws(DocumentError) -> RunPolicy {
        let fields = try decoder.mapping(node, "field 'run'", allowed: ["require", "forbid"])
        return RunPolicy(
            require: try fields["require"].map { node throws(DocumentError) in try decoder.strings(node, "run field 'require'") } ?? [],
            forbid: try fields["forbid"].map { node throws(DocumentError) in try decoder.strings(node, "run field 'forbid'") } ?? []
        )
    }

    static func decodeTimestamp(_ node: YAMLNode, _ what: String, _ decoder: DocumentDecoder) throws(DocumentError) -> Timestamp {
        let text = try decoder.string(node, what)
        guard let timestamp = Timestamp(parsing: text) else {
            throw decoder.invalid(node, "\(what): '\(text)' is not a UTC time; write it as \"2027-01-31T00:00:00Z\"")
        }
        return timestamp
    }

    /// The normalized form written into locks and covered by the fingerprint: a bare string
    /// rule becomes `{version: ...}` and the default severity is written out.
    static func encode(_ rules: [Rule]) -> JSONValue {
        .object(rules.map { rule in
            var members: [JSONValue.Member] = []
            switch rule.check {
            case .version(let specifiers): members.append(.init("version", .string(specifiers.text)))
            case .equals(let value): members.append(.init("equals", .string(value)))
            case .oneOf(let values): members.append(.init("one_of", .array(values.map(JSONValue.string))))
            case .pin: members.append(.init("pin", .bool(true)))
            case .absent: members.append(.init("absent", .bool(true)))
            case .contains(let item): members.append(.init("contains", .string(item)))
            case .excludes(let item): members.append(.init("excludes", .string(item)))
            }
            members.append(.init("severity", .string(rule.severity.rawValue)))
            if let why = rule.why { members.append(.init("why", .string(why))) }
            return JSONValue.Member(rule.pattern.text, .object(members))
        })
    }

    static func encode(_ run: RunPolicy) -> JSONValue {
        .object(["require": .array(run.require.map(JSONValue.string)), "forbid": .array(run.forbid.map(JSONValue.string))])
    }
}

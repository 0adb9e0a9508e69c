// TEMPORARY: stands in for the pep440, yaml and signing branches until they are merged.
public struct SpecifierSet: Sendable, Equatable {
    public var text: String
    public init(parsing text: String) throws(VersionError) { self.text = text }
    public func containsInstalled(_ candidate: String) -> Bool { fatalError() }
}
public struct Version: Sendable, Hashable {
    public init(parsing text: String) throws(VersionError) { fatalError() }
}
public enum VersionError: Error, Equatable { case invalidVersion(text: String, reason: String) }
public struct YAMLError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var mark: Mark
    public var description: String { "" }
}
public enum YAMLReader { public static func read(_ bytes: [UInt8], path: String) throws(YAMLError) -> YAMLNode { fatalError() } }
public enum YAMLWriter { public static func write(_ value: JSONValue) -> String { fatalError() } }
extension YAMLNode {
    public func string(_ what: String) throws(YAMLError) -> String { fatalError() }
    public func bool(_ what: String) throws(YAMLError) -> Bool { fatalError() }
    public func integer(_ what: String) throws(YAMLError) -> Int { fatalError() }
    public func mapping(_ what: String) throws(YAMLError) -> [YAMLMappingEntry] { fatalError() }
    public func sequence(_ what: String) throws(YAMLError) -> [YAMLNode] { fatalError() }
    public func mapping(_ what: String, allowedKeys: Set<String>) throws(YAMLError) -> [String: YAMLNode] { fatalError() }
}


// TEMPORARY: stands in for the yaml and signing branches until they are merged.
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


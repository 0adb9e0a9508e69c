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
public struct LockSignature: Sendable, Equatable { public var algorithm: String; public var keyID: String; public var value: String }
public enum SignatureError: Error, Equatable {}
public struct VerifyingKey: Sendable { public var keyID: String; public func isValidSignature(_ s: [UInt8], for m: [UInt8]) -> Bool { false } }
public struct SigningKey: Sendable { public var verifyingKey: VerifyingKey; public func signature(for message: [UInt8]) throws(SignatureError) -> [UInt8] { [] } }
public enum SignedMessage { public static func bytes(canonical: [UInt8]) -> [UInt8] { canonical } }
public enum Base64 { public static func encode(_ b: [UInt8]) -> String { "" }; public static func decode(_ s: String) -> [UInt8]? { nil } }

public enum AtomicFile { public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(FileWriteError) {} }
public enum FileWriteError: Error {}
public enum KeyFileError: Error {}
public enum KeyFiles {
    public static func readPublicKey(at path: String) throws(KeyFileError) -> VerifyingKey { fatalError() }
    public static func readPrivateKey(at path: String) throws(KeyFileError) -> SigningKey { fatalError() }
    public static func writeKeyPair(_ key: SigningKey, privatePath: String) throws(KeyFileError) {}
    public static func publicKeyPath(forPrivateKeyAt path: String) -> String { path }
}
extension SigningKey { public static func generate() -> SigningKey { fatalError() } }

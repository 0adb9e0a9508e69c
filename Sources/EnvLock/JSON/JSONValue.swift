/// A JSON-shaped document tree whose objects keep their members in order.
///
/// Locks, snapshots and reports are turned into this tree before they are written as YAML or
/// JSON, and the lock's canonical form (RFC 8785) is computed from it. Numbers are absent on
/// purpose: every value envlock writes is a string, a boolean, null, an array or an object,
/// so that no reader can turn `2.10` into the number 2.1.
///
/// Not `indirect`: arrays and objects already hold their children in array storage, and boxing
/// every string cost an allocation per fact of a large snapshot.
public enum JSONValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([Member])

    /// One member of an object, in the order it is written.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// An object from members given in order.
    static func object(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(members.map { Member($0.key, $0.value) })
    }

    /// An object whose members are sorted by key, for maps such as `facts`.
    static func sortedObject(_ dictionary: [String: String]) -> JSONValue {
        .object(dictionary.sortedByFactKey().map { Member($0.key, .string($0.value)) })
    }
}

/// One fact that differs between two machines.
public struct FactDifference: Sendable, Equatable {
    public var key: String
    /// The first segment of the key (`gpu`, `python`), for grouping.
    public var group: String
    /// The value in the first document; nil when only the second has the key.
    public var left: String?
    /// The value in the second document; nil when only the first has the key.
    public var right: String?
    /// Why the difference matters, from the fact catalog.
    public var why: String?
}

/// Compares the facts of two machines.
public enum FactDiff {
    /// Keys only on the left, only on the right, and with different values, grouped by
    /// first segment and sorted by key within the group.
    public static func compare(_ left: [String: String], _ right: [String: String]) -> [FactDifference] {
        var differences: [FactDifference] = []
        for key in Set(left.keys).union(right.keys) where !Evaluator.sameBytes(left[key], right[key]) {
            let group = String(key.prefix { $0 != "." })
            differences.append(FactDifference(key: key, group: group, left: left[key], right: right[key], why: FactCatalog.describe(key)?.why))
        }
        return differences.sorted { ($0.group, $0.key) < ($1.group, $1.key) }
    }
}

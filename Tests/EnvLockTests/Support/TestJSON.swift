@testable import EnvLock

/// The conformance tables and test vectors, read with envlock's own JSON reader.
typealias TestJSON = MinimalJSON.Value

/// A table that does not have the shape a test expects.
struct TestJSONError: Error, Equatable, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) (at byte \(offset))" }
}

extension MinimalJSON.Value {
    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var array: [TestJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var int: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }

    var isNull: Bool { self == .null }

    /// Reads and parses the JSON file at `path`.
    static func read(path: String) throws -> TestJSON {
        try MinimalJSON.parse(try TestFiles.bytes(path))
    }
}

extension MinimalJSON.Value: CustomStringConvertible {
    /// Compact text, so that a parameterized test names its row readably.
    public var description: String {
        switch self {
        case .string(let value): String(reflecting: value)
        case .number(let text): text
        case .bool(let value): String(value)
        case .null: "null"
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.map { "\(String(reflecting: $0.key)): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

func bytesFromHex(_ hex: String) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let byte = UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
        index += 2
    }
    return bytes
}

/// A position in a document, 1-based, as editors show it.
public struct Mark: Sendable, Equatable, CustomStringConvertible {
    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// How a scalar was written. Strict decoding needs it: a plain `1.10` or `yes` is what a
/// YAML 1.1 reader turns into a number or a boolean, while `"1.10"` is always a string.
enum ScalarStyle: Sendable, Equatable {
    case plain
    case singleQuoted
    case doubleQuoted
    case literal
    case folded
}

/// A scalar with its text, style and position.
public struct YAMLScalar: Sendable, Equatable {
    public var value: String
    var style: ScalarStyle
    var mark: Mark

    init(value: String, style: ScalarStyle, mark: Mark) {
        self.value = value
        self.style = style
        self.mark = mark
    }
}

/// One key and value of a mapping, in document order. Keys are always scalars: envlock's
/// reader rejects complex keys.
public struct YAMLMappingEntry: Sendable, Equatable {
    public var key: YAMLScalar
    public var value: YAMLNode

    init(key: YAMLScalar, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A YAML document tree as envlock's strict reader produces it: no anchors, aliases, tags
/// or merge keys survive to this point, and every node knows where it was written.
public indirect enum YAMLNode: Sendable, Equatable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode], Mark)
    case mapping([YAMLMappingEntry], Mark)

    /// Where the node starts.
    var mark: Mark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .sequence(_, let mark), .mapping(_, let mark): mark
        }
    }
}

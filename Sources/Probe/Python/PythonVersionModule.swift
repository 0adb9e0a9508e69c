/// A value assigned at the top level of a generated `version.py`.
enum PythonLiteral: Sendable, Equatable {
    case string(String)
    case none
    case bool(Bool)
    case integer(String)
    /// Anything else (a call, a name): the expression as written.
    case expression(String)

    /// The fact value as Python prints it: the string itself, `None`, `True`, `False`.
    var factValue: String {
        switch self {
        case .string(let value): value
        case .none: "None"
        case .bool(let value): value ? "True" : "False"
        case .integer(let value), .expression(let value): value
        }
    }
}

/// The simple assignments of a generated `version.py` (torch, torchvision, xformers).
enum PythonVersionModule {
    /// Top-level `name = literal` and `name: Type = literal` lines; the first assignment of a
    /// name wins (later ones sit in `if` blocks that only Python can evaluate).
    static func assignments(_ text: String) -> [String: PythonLiteral] {
        var result: [String: PythonLiteral] = [:]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            guard let first = rawLine.first, first.isLetter || first == "_" else { continue }
            guard let equals = rawLine.firstIndex(of: "=") else { continue }
            var target = rawLine[..<equals]
            if let colon = target.firstIndex(of: ":") { target = target[..<colon] }
            let name = String(target.trimmingPythonSpaces())
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            let afterEquals = rawLine[rawLine.index(after: equals)...]
            // `==` is a comparison, not an assignment.
            if afterEquals.first == "=" { continue }
            if result[name] == nil { result[name] = literal(String(afterEquals.trimmingPythonSpaces())) }
        }
        return result
    }

    static func literal(_ expression: String) -> PythonLiteral {
        var text = Substring(expression)
        if let hash = text.firstIndex(of: "#"), !(text.first == "'" || text.first == "\"") {
            text = text[..<hash].trimmingPythonSpaces()
        }
        if let quote = text.first, quote == "'" || quote == "\"" {
            let body = text.dropFirst()
            if let close = body.firstIndex(of: quote) { return .string(String(body[..<close])) }
            return .expression(String(text))
        }
        switch text {
        case "None": return .none
        case "True": return .bool(true)
        case "False": return .bool(false)
        default:
            if !text.isEmpty && text.allSatisfy(\.isNumber) { return .integer(String(text)) }
            return .expression(String(text))
        }
    }
}

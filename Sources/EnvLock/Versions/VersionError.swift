/// Why a version or a version specifier could not be read.
public enum VersionError: Error, Equatable, CustomStringConvertible {
    /// `text` is not a PEP 440 version; `reason` says which part is wrong.
    case invalidVersion(text: String, reason: String)
    /// `text` is not a PEP 440 specifier set; `reason` names the clause and what is wrong with it.
    case invalidSpecifier(text: String, reason: String)

    /// A message for people: the offending text, what is wrong, and what a valid one looks like.
    public var description: String {
        switch self {
        case .invalidVersion(let text, let reason):
            return "invalid version \(displayQuoted(text)): \(reason); "
                + "write a PEP 440 version such as 2.2.0, 2.2.0rc1, 1!2.0, 2.2.0.post1 or 2.2.0+cu121"
        case .invalidSpecifier(let text, let reason):
            return "invalid version specifier \(displayQuoted(text)): \(reason); "
                + "write comma-separated clauses such as \">=2.2, <3\", \"==2.2.*\", \"~=12.1\" or \"!=2.3.0\""
        }
    }
}

/// `text` in double quotes with control characters and quotes escaped, so that invisible
/// characters in a bad version show up in the message.
func displayQuoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.isWhitespace && scalar != " " {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

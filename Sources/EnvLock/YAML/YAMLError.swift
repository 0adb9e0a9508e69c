/// Why a YAML (or JSON) document was refused, where, and what to do about it.
///
/// The reader fills in `path`; errors thrown by the strict accessors on a ``YAMLNode`` carry
/// an empty path until the document's decoder names the file through ``at(path:)``.
public struct YAMLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the document came from, as the user named it; empty when not known yet.
    public var path: String
    /// Where the offending byte, event or node starts.
    var mark: Mark
    var reason: Reason

    /// An error at `mark` in the file at `path`.
    init(path: String, mark: Mark, reason: Reason) {
        self.path = path
        self.mark = mark
        self.reason = reason
    }

    /// The same error, attributed to the file at `path`.
    func at(path: String) -> YAMLError {
        YAMLError(path: path, mark: mark, reason: reason)
    }

    /// What is wrong with the input.
    enum Reason: Equatable, Sendable {
        /// The input is larger than ``YAMLLimits/maxBytes``.
        case tooLarge(bytes: Int, limit: Int)
        /// The input starts with a byte order mark (`UTF-8`, `UTF-16LE`, `UTF-32BE`, …).
        case byteOrderMark(encoding: String)
        /// The input looks like UTF-16 or UTF-32 text without a byte order mark.
        case unsupportedEncoding(String)
        /// The input contains a NUL byte.
        case nulByte
        /// The input is not valid UTF-8.
        case invalidUTF8
        /// The input holds no document: it is empty, or only whitespace and comments.
        case emptyDocument
        /// A second document (`---`) follows the first.
        case multipleDocuments
        /// libyaml could not parse the input; the text is its problem (and context).
        case syntax(String)
        /// An anchor (`&name`): envlock documents spell out every value.
        case anchor(String)
        /// An alias (`*name`).
        case alias(String)
        /// An explicit tag (`!!binary`, `!!str`, `!local`).
        case tag(String)
        /// A `%YAML` or `%TAG` directive.
        case directive(String)
        /// A YAML 1.1 merge key (`<<`).
        case mergeKey
        /// Sequences and mappings nested deeper than ``YAMLLimits/maxDepth``.
        case tooDeep(limit: Int)
        /// A scalar longer than ``YAMLLimits/maxScalarBytes``.
        case scalarTooLong(bytes: Int, limit: Int)
        /// A key that a YAML reader would take for an earlier key of the same mapping.
        case duplicateKey(String, first: Mark)
        /// A mapping key that is a sequence or a mapping.
        case complexKey
        /// A node of the wrong kind: `expected` and `found` are phrases such as "a string"
        /// and "a mapping".
        case wrongType(what: String, expected: String, found: String)
        /// A plain scalar where a string is expected, which YAML readers of `yamlVersion` turn
        /// into `readAs` ("the number 1.1", "the boolean true", "null").
        case ambiguousScalar(what: String, text: String, readAs: String, yamlVersion: String)
        /// A key that this mapping does not have; `allowed` is sorted.
        case unknownKey(what: String, key: String, allowed: [String])
        /// A key that this mapping must have.
        case missingKey(what: String, key: String)
    }

    /// `PATH:LINE:COL: error: <what is wrong> — <what to do>`.
    public var description: String {
        let location = path.isEmpty ? "\(mark)" : "\(path):\(mark)"
        return "\(location): error: \(problem) — \(remedy)"
    }

    var problem: String {
        switch reason {
        case .tooLarge(let bytes, let limit):
            "the file is \(bytes) bytes, more than the limit of \(limit) bytes"
        case .byteOrderMark(let encoding):
            "the file starts with a \(encoding) byte order mark"
        case .unsupportedEncoding(let encoding):
            "the file looks like \(encoding) text"
        case .nulByte:
            "the file contains a NUL byte"
        case .invalidUTF8:
            "the file is not valid UTF-8"
        case .emptyDocument:
            "the file holds no document (it is empty or holds only comments)"
        case .multipleDocuments:
            "a second document starts here"
        case .syntax(let problem):
            "invalid YAML: \(problem)"
        case .anchor(let name):
            "anchor '&\(name)' is not allowed"
        case .alias(let name):
            "alias '*\(name)' is not allowed"
        case .tag(let tag):
            "tag '\(tag)' is not allowed"
        case .directive(let directive):
            "directive '\(directive)' is not allowed"
        case .mergeKey:
            "merge key '<<' is not allowed"
        case .tooDeep(let limit):
            "sequences and mappings are nested more than \(limit) levels deep"
        case .scalarTooLong(let bytes, let limit):
            "a value of \(bytes) bytes is longer than the limit of \(limit) bytes"
        case .duplicateKey(let key, let first):
            "key \(quoted(key)) repeats the key at \(first)"
        case .complexKey:
            "a mapping key must be a plain or quoted string, not a sequence or mapping"
        case .wrongType(let what, let expected, let found):
            "\(what) must be \(expected), found \(found)"
        case .ambiguousScalar(let what, let text, let readAs, let version):
            text.isEmpty
                ? "\(what) is empty, which YAML \(version) tools read as \(readAs)"
                : "\(what): unquoted \(text) would be read as \(readAs) by YAML \(version) tools"
        case .unknownKey(let what, let key, _):
            "\(what) has no field \(quoted(key))"
        case .missingKey(let what, let key):
            "\(what) is missing the field \(quoted(key))"
        }
    }

    var remedy: String {
        switch reason {
        case .tooLarge:
            "envlock documents are small; check that this is the intended file"
        case .byteOrderMark, .unsupportedEncoding:
            "save the file as UTF-8 without a byte order mark"
        case .nulByte, .invalidUTF8:
            "save the file as UTF-8 text; it may be binary or damaged"
        case .emptyDocument:
            "write the document into the file"
        case .multipleDocuments:
            "keep one document per file and remove the '---' line and what follows it"
        case .syntax:
            "fix the YAML at this position"
        case .anchor, .alias, .mergeKey:
            "write the repeated content out in full"
        case .tag, .directive:
            "remove it; envlock reads every value as text and needs no tags"
        case .tooDeep:
            "flatten the document"
        case .scalarTooLong:
            "shorten the value"
        case .duplicateKey:
            "keep one of them (`1` and \"1\", `~` and `null`, `yes` and `true` count as the same key)"
        case .complexKey:
            "use a string as the key"
        case .wrongType(_, let expected, _):
            "write \(expected)"
        case .ambiguousScalar(_, let text, _, _):
            text.isEmpty ? "write the value, in double quotes" : "write \(quoted(text))"
        case .unknownKey(_, _, let allowed):
            "the fields are: \(allowed.joined(separator: ", "))"
        case .missingKey(_, let key):
            "add \(quoted(key))"
        }
    }

    /// `text` in double quotes, escaped so that the message stays on one line.
    private func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars.prefix(80) {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        if text.unicodeScalars.count > 80 { result += "…" }
        return result + "\""
    }
}

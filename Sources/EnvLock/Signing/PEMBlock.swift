/// The single PEM block of a key file (RFC 7468), split into label, headers and body.
///
/// envlock accepts exactly one block per file and nothing but blank lines around it: a file
/// with a second key or with stray text is ambiguous about which key is meant, and a reader that
/// silently picks the first block would let whoever can append to the file decide.
struct PEMBlock: Equatable {
    /// The text between `-----BEGIN ` and `-----`, such as `PRIVATE KEY`.
    var label: String
    /// RFC 1421 header lines such as `Proc-Type: 4,ENCRYPTED`, which only legacy encrypted keys carry.
    var headers: [String]
    /// The base64 body with line breaks removed.
    var base64Body: String

    /// Why a text is not a single PEM block.
    enum Failure: Error, Equatable {
        case noBlock
        case multipleBlocks(Int)
        case malformed(String)
    }

    /// Splits `text` into its one PEM block.
    static func parse(_ text: [UInt8]) throws(Failure) -> PEMBlock {
        guard text.allSatisfy({ $0 < 0x80 }) else {
            throw .malformed("it contains bytes that are not ASCII")
        }
        // Split on bytes, not Characters: Swift treats "\r\n" as one Character that is not "\n".
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0.trimmingASCIIWhitespace(), as: UTF8.self) }
        let beginIndices = lines.indices.filter { lines[$0].hasPrefix("-----BEGIN") }
        guard let begin = beginIndices.first else { throw .noBlock }
        guard beginIndices.count == 1 else { throw .multipleBlocks(beginIndices.count) }
        let beginLine = lines[begin]
        guard beginLine.hasPrefix("-----BEGIN "), beginLine.hasSuffix("-----"), beginLine.count > 16 else {
            throw .malformed("the BEGIN line is not of the form -----BEGIN LABEL-----")
        }
        let label = String(beginLine.dropFirst(11).dropLast(5))
        guard let end = lines[begin...].firstIndex(where: { $0.hasPrefix("-----END") }) else {
            throw .malformed("there is no -----END \(label)----- line")
        }
        guard lines[end] == "-----END \(label)-----" else {
            throw .malformed("the END line does not match -----BEGIN \(label)-----")
        }
        let outside = lines[..<begin] + lines[(end + 1)...]
        guard outside.allSatisfy(\.isEmpty) else {
            throw .malformed("there is text outside the PEM block")
        }
        var headers: [String] = []
        var body = ""
        for line in lines[(begin + 1)..<end] {
            if line.contains(":") {
                guard body.isEmpty else { throw .malformed("a header line follows the base64 body") }
                headers.append(String(line))
            } else {
                body += line
            }
        }
        guard !body.isEmpty else { throw .malformed("the PEM block is empty") }
        return PEMBlock(label: label, headers: headers, base64Body: body)
    }

    /// The bytes the body encodes.
    func decodedBody() throws(Failure) -> [UInt8] {
        guard let bytes = Base64Codec.decode(base64Body) else {
            throw .malformed("the body is not valid base64")
        }
        return bytes
    }

    /// PEM text for `der` under `label`, in the layout openssl writes: 64 characters a line and a final newline.
    static func encode(label: String, der: [UInt8]) -> String {
        let body = Array(Base64Codec.encode(der).utf8)
        var text = "-----BEGIN \(label)-----\n"
        var start = 0
        while start < body.count {
            let end = min(start + 64, body.count)
            text += String(decoding: body[start..<end], as: UTF8.self) + "\n"
            start = end
        }
        return text + "-----END \(label)-----\n"
    }
}

extension ArraySlice<UInt8> {
    fileprivate func trimmingASCIIWhitespace() -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}

/// Why a DER structure could not be read.
struct DERFailure: Error, Equatable {
    var reason: String
}

/// One DER element: its tag and the bytes of its contents.
struct DERElement: Equatable {
    var tag: UInt8
    var content: ArraySlice<UInt8>
}

/// A reader for the handful of DER structures a key file holds (PKCS#8, SPKI, SEC1).
///
/// It accepts definite lengths in minimal form only and single-byte tags only, which is all
/// that PKCS#8 and SPKI need; anything else is reported rather than guessed at.
struct DERReader {
    static let sequence: UInt8 = 0x30
    static let integer: UInt8 = 0x02
    static let bitString: UInt8 = 0x03
    static let octetString: UInt8 = 0x04
    static let objectIdentifier: UInt8 = 0x06
    static let contextConstructed0: UInt8 = 0xA0
    static let contextPrimitive1: UInt8 = 0x81

    private var remaining: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        remaining = bytes
    }

    init(_ bytes: [UInt8]) {
        remaining = bytes[...]
    }

    var isAtEnd: Bool { remaining.isEmpty }

    /// The tag of the next element, without consuming it.
    var nextTag: UInt8? { remaining.first }

    /// Reads the next element.
    mutating func read() throws(DERFailure) -> DERElement {
        guard let tag = remaining.first else { throw DERFailure(reason: "the DER data ends early") }
        guard tag & 0x1F != 0x1F else { throw DERFailure(reason: "multi-byte DER tags are not supported") }
        var index = remaining.index(after: remaining.startIndex)
        guard index < remaining.endIndex else { throw DERFailure(reason: "the DER data ends inside a length") }
        let first = remaining[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4 else { throw DERFailure(reason: "a DER length is indefinite or too large") }
            guard remaining.endIndex - index >= count else { throw DERFailure(reason: "the DER data ends inside a length") }
            for _ in 0..<count {
                length = length << 8 | Int(remaining[index])
                index += 1
            }
            // DER requires the shortest form; anything longer is a different encoding of the same key.
            guard length >= 0x80, length >> (8 * (count - 1)) != 0 else {
                throw DERFailure(reason: "a DER length is not in its shortest form")
            }
        }
        guard remaining.endIndex - index >= length else { throw DERFailure(reason: "a DER element is longer than the data") }
        let content = remaining[index..<(index + length)]
        remaining = remaining[(index + length)...]
        return DERElement(tag: tag, content: content)
    }

    /// Reads the next element and checks its tag; `what` names it in the error.
    mutating func read(_ tag: UInt8, _ what: String) throws(DERFailure) -> ArraySlice<UInt8> {
        guard nextTag == tag else { throw DERFailure(reason: "expected \(what)") }
        return try read().content
    }

    /// The dotted form of an OBJECT IDENTIFIER's contents, such as `1.3.101.112`.
    static func dottedObjectIdentifier(_ content: ArraySlice<UInt8>) throws(DERFailure) -> String {
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        var inArc = false
        for byte in content {
            guard value >> 56 == 0 else { throw DERFailure(reason: "an object identifier arc is too large") }
            if !inArc && byte == 0x80 { throw DERFailure(reason: "an object identifier arc is not minimal") }
            value = value << 7 | UInt64(byte & 0x7F)
            inArc = byte & 0x80 != 0
            if !inArc {
                arcs.append(value)
                value = 0
            }
        }
        guard !arcs.isEmpty, !inArc else { throw DERFailure(reason: "an object identifier is truncated") }
        let first = arcs[0]
        let leading: [UInt64] = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
        return (leading + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }
}

// The PEP 440 version grammar, read the way `packaging` 26 reads it.
//
// packaging matches versions with a regular expression whose optional groups are possessive:
// the first way a group can match is the one kept. Every group here starts with a character
// that no earlier group can end with, so scanning left to right and taking each group's first
// match accepts exactly the same strings and splits them the same way. Letters compare
// without regard to ASCII case only; digits are ASCII only; surrounding whitespace is any
// character Python's `str.isspace` accepts.

/// What is wrong with a string that is not a version, without the text itself.
enum VersionSyntaxFailure: Error, Equatable, Sendable {
    case empty
    case missingRelease(found: String)
    case unexpectedText(found: String, after: String)
    case emptyLocalLabel
    case numberTooLarge(String)

    /// The reason shown to people, completing "invalid version "…": ".
    var reason: String {
        switch self {
        case .empty:
            return "it is empty"
        case .missingRelease(let found):
            return found.isEmpty
                ? "a release number must follow the optional 'v' and epoch 'N!'"
                : "it must start with a release number such as 2 or 2.2 (after an optional 'v' and epoch 'N!'), not \(displayQuoted(found))"
        case .unexpectedText(let found, let after):
            return "unexpected \(displayQuoted(found)) after \(displayQuoted(after))"
        case .emptyLocalLabel:
            return "the local label after '+' must be letters and digits separated by '.', '-' or '_', for example +cu121"
        case .numberTooLarge(let digits):
            return "the number \(digits) is too large (at most \(Int.max))"
        }
    }
}

/// The pieces of a version string, already normalized.
struct VersionParts {
    var epoch = 0
    var release: [Int] = []
    var pre: Version.PreRelease?
    var post: Int?
    var dev: Int?
    var local: String?
}

/// Python's `str.isspace`, which is what `\s` and `str.strip()` use in packaging.
@inline(__always)
func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

/// `text` without the leading and trailing whitespace that Python's `str.strip()` removes.
func strippingPythonWhitespace<S: StringProtocol>(_ text: S) -> Substring {
    let scalars = text.unicodeScalars
    var start = scalars.startIndex
    var end = scalars.endIndex
    while start < end, isPythonWhitespace(scalars[start]) {
        start = scalars.index(after: start)
    }
    while start < end {
        let last = scalars.index(before: end)
        guard isPythonWhitespace(scalars[last]) else { break }
        end = last
    }
    return Substring(text[start..<end])
}

/// A left-to-right reader of one version string's UTF-8 bytes.
struct VersionScanner: ~Copyable {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses `text`, which must already be stripped of surrounding whitespace.
    static func parse(_ text: Substring) -> Result<VersionParts, VersionSyntaxFailure> {
        var text = text
        return text.withUTF8 { buffer in
            var scanner = VersionScanner(buffer)
            return scanner.parseVersion()
        }
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isSeparator(_ byte: UInt8?) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isAlphanumeric(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        let lower = byte | 0x20
        return isDigit(byte) || (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The end of the run of digits that starts at `start`.
    private func digitsEnd(from start: Int) -> Int {
        var end = start
        while Self.isDigit(byte(at: end)) { end += 1 }
        return end
    }

    private func number(_ range: Range<Int>) -> Result<Int, VersionSyntaxFailure> {
        var value = 0
        for index in range {
            let (times10, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times10.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
            if overflowTimes || overflowSum { return .failure(.numberTooLarge(text(range))) }
            value = sum
        }
        return .success(value)
    }

    /// Consumes the first word of `words` (compared without ASCII case) that the input
    /// continues with, trying them in the order given as the reference grammar does.
    private mutating func consumeWord(_ words: [StaticString]) -> Int? {
        for (index, word) in words.enumerated() {
            let length = word.utf8CodeUnitCount
            guard position + length <= bytes.count else { continue }
            var matches = true
            word.withUTF8Buffer { letters in
                for offset in 0..<length where bytes[position + offset] | 0x20 != letters[offset] {
                    matches = false
                    break
                }
            }
            if matches {
                position += length
                return index
            }
        }
        return nil
    }

    private mutating func consumeSeparator() {
        if Self.isSeparator(current) { position += 1 }
    }

    /// An optional run of digits; nil when there is none.
    private mutating func optionalNumber() -> Result<Int?, VersionSyntaxFailure> {
        let end = digitsEnd(from: position)
        guard end > position else { return .success(nil) }
        defer { position = end }
        return number(position..<end).map { $0 }
    }

    private static let preReleaseWords: [StaticString] = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"]
    private static let preReleaseKinds: [Version.PreRelease.Kind] = [.alpha, .alpha, .beta, .beta, .releaseCandidate, .releaseCandidate, .releaseCandidate, .releaseCandidate]
    private static let postReleaseWords: [StaticString] = ["post", "rev", "r"]
    private static let devReleaseWords: [StaticString] = ["dev"]

    private mutating func parseVersion() -> Result<VersionParts, VersionSyntaxFailure> {
        guard !bytes.isEmpty else { return .failure(.empty) }
        var parts = VersionParts()
        if let first = current, first | 0x20 == UInt8(ascii: "v") { position += 1 }

        let epochEnd = digitsEnd(from: position)
        if epochEnd > position, byte(at: epochEnd) == UInt8(ascii: "!") {
            switch number(position..<epochEnd) {
            case .success(let epoch): parts.epoch = epoch
            case .failure(let failure): return .failure(failure)
            }
            position = epochEnd + 1
        }

        guard Self.isDigit(current) else {
            return .failure(.missingRelease(found: text(position..<bytes.count)))
        }
        while true {
            let end = digitsEnd(from: position)
            switch number(position..<end) {
            case .success(let component): parts.release.append(component)
            case .failure(let failure): return .failure(failure)
            }
            position = end
            guard current == UInt8(ascii: "."), Self.isDigit(byte(at: position + 1)) else { break }
            position += 1
        }

        let beforePre = position
        consumeSeparator()
        if let word = consumeWord(Self.preReleaseWords) {
            consumeSeparator()
            switch optionalNumber() {
            case .success(let number): parts.pre = Version.PreRelease(kind: Self.preReleaseKinds[word], number: number ?? 0)
            case .failure(let failure): return .failure(failure)
            }
        } else {
            position = beforePre
        }

        if current == UInt8(ascii: "-"), Self.isDigit(byte(at: position + 1)) {
            position += 1
            switch optionalNumber() {
            case .success(let number): parts.post = number
            case .failure(let failure): return .failure(failure)
            }
        } else {
            let beforePost = position
            consumeSeparator()
            if consumeWord(Self.postReleaseWords) != nil {
                consumeSeparator()
                switch optionalNumber() {
                case .success(let number): parts.post = number ?? 0
                case .failure(let failure): return .failure(failure)
                }
            } else {
                position = beforePost
            }
        }

        let beforeDev = position
        consumeSeparator()
        if consumeWord(Self.devReleaseWords) != nil {
            consumeSeparator()
            switch optionalNumber() {
            case .success(let number): parts.dev = number ?? 0
            case .failure(let failure): return .failure(failure)
            }
        } else {
            position = beforeDev
        }

        if current == UInt8(ascii: "+") {
            guard Self.isAlphanumeric(byte(at: position + 1)) else { return .failure(.emptyLocalLabel) }
            position += 1
            parts.local = scanLocalLabel()
        }

        guard position == bytes.count else {
            return .failure(.unexpectedText(found: text(position..<bytes.count), after: text(0..<position)))
        }
        return .success(parts)
    }

    /// Reads `[a-z0-9]+([._-][a-z0-9]+)*` and returns it normalized: segments joined by
    /// dots, letters lowercased, leading zeros dropped from all-digit segments.
    private mutating func scanLocalLabel() -> String {
        var normalized = ""
        while true {
            let start = position
            var allDigits = true
            while Self.isAlphanumeric(current) {
                if !Self.isDigit(current) { allDigits = false }
                position += 1
            }
            if !normalized.isEmpty { normalized += "." }
            if allDigits {
                var firstSignificant = start
                while firstSignificant < position - 1, bytes[firstSignificant] == UInt8(ascii: "0") { firstSignificant += 1 }
                normalized += text(firstSignificant..<position)
            } else {
                for index in start..<position {
                    let byte = bytes[index]
                    normalized.unicodeScalars.append(Unicode.Scalar(Self.isDigit(byte) ? byte : byte | 0x20))
                }
            }
            guard Self.isSeparator(current), Self.isAlphanumeric(byte(at: position + 1)) else { break }
            position += 1
        }
        return normalized
    }
}

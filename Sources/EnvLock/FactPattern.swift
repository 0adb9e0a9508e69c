/// A fact key or a pattern over fact keys: `*` matches any run of characters within one
/// dotted segment, so `gpu.*.name` matches `gpu.0.name` and `python.packages.nvidia-*-cu12`
/// matches `python.packages.nvidia-cudnn-cu12`, but `gpu.*` does not match `gpu.0.name`.
public struct FactPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    private let characters: [UInt8]

    /// A pattern from a rule key. Keys are dotted segments, none empty, without whitespace.
    public init?(_ text: String) {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, segments.allSatisfy({ !$0.isEmpty }),
              !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else { return nil }
        self.text = text
        self.characters = Array(text.utf8)
    }

    public var description: String { text }

    /// Whether the key has wildcards at all.
    public var isGlob: Bool { characters.contains(UInt8(ascii: "*")) }

    /// Whether `key` matches this pattern.
    public func matches(_ key: String) -> Bool {
        guard isGlob else { return key == text }
        var key = key
        return key.withUTF8 { keyBytes in
            characters.withUnsafeBufferPointer { Self.match(pattern: $0, key: keyBytes) }
        }
    }

    /// The keys of `facts` that match, sorted.
    public func matchingKeys<Value>(in facts: [String: Value]) -> [String] {
        if !isGlob { return facts[text] == nil ? [] : [text] }
        return facts.keys.filter(matches).sorted()
    }

    /// Wildcard matching without allocation. A `*` never consumes a `.`, so once a literal `.`
    /// has matched, no earlier `*` can change the outcome and backtracking restarts from there.
    private static func match(pattern: UnsafeBufferPointer<UInt8>, key: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), dot = UInt8(ascii: ".")
        var patternIndex = 0, keyIndex = 0
        var lastStar: Int?
        var keyIndexAtStar = 0
        while keyIndex < key.count {
            if patternIndex < pattern.count && pattern[patternIndex] == star {
                lastStar = patternIndex
                keyIndexAtStar = keyIndex
                patternIndex += 1
            } else if patternIndex < pattern.count && pattern[patternIndex] == key[keyIndex] {
                if key[keyIndex] == dot { lastStar = nil }
                patternIndex += 1
                keyIndex += 1
            } else if let starIndex = lastStar, key[keyIndexAtStar] != dot {
                keyIndexAtStar += 1
                keyIndex = keyIndexAtStar
                patternIndex = starIndex + 1
            } else {
                return false
            }
        }
        while patternIndex < pattern.count && pattern[patternIndex] == star { patternIndex += 1 }
        return patternIndex == pattern.count
    }
}

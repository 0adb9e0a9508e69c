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
        return Self.match(characters[...], Array(key.utf8)[...])
    }

    /// The keys of `facts` that match, sorted.
    public func matchingKeys<Value>(in facts: [String: Value]) -> [String] {
        if !isGlob { return facts[text] == nil ? [] : [text] }
        return facts.keys.filter(matches).sorted()
    }

    private static func match(_ pattern: ArraySlice<UInt8>, _ key: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return key.isEmpty }
        if first == UInt8(ascii: "*") {
            let rest = pattern.dropFirst()
            var candidate = key
            while true {
                if match(rest, candidate) { return true }
                guard let next = candidate.first, next != UInt8(ascii: ".") else { return false }
                candidate = candidate.dropFirst()
            }
        }
        guard let head = key.first, head == first else { return false }
        return match(pattern.dropFirst(), key.dropFirst())
    }
}

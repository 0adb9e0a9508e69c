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
    var isGlob: Bool { characters.contains(UInt8(ascii: "*")) }

    /// Whether `key` matches this pattern.
    public func matches(_ key: String) -> Bool {
        guard isGlob else { return key == text }
        var key = key
        return key.withUTF8 { keyBytes in
            characters.withUnsafeBufferPointer { Self.match(pattern: $0, key: keyBytes) }
        }
    }

    /// The keys of `facts` that match, sorted.
    func matchingKeys(in facts: [String: String]) -> [String] {
        matchingKeys(in: FactIndex(facts))
    }

    /// The keys of the index that match, sorted. Only the keys that start with the text
    /// before the first `*` are tried, found by binary search.
    func matchingKeys(in index: FactIndex) -> [String] {
        if !isGlob { return index.facts[text] == nil ? [] : [text] }
        return index.keys(withPrefix: literalPrefix).filter(matches)
    }

    /// Whether some key matches both this pattern and `other`. Segments pair up one to one
    /// (a `*` never crosses a `.`); two wildcard segments are taken to overlap when their
    /// literal starts and ends agree, which is exact for the one-`*` segments fact keys use.
    public func overlaps(_ other: FactPattern) -> Bool {
        // Byte by byte over the two keys, without splitting them into strings: profiles and
        // locks check every rule against every catalog entry when they load.
        characters.withUnsafeBufferPointer { mine in
            other.characters.withUnsafeBufferPointer { theirs in Self.overlap(mine, theirs) }
        }
    }

    static func overlap(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let dot = UInt8(ascii: ".")
        var (i, j) = (0, 0)
        while true {
            var (endA, endB) = (i, j)
            while endA < a.count && a[endA] != dot { endA += 1 }
            while endB < b.count && b[endB] != dot { endB += 1 }
            guard segmentsOverlap(UnsafeBufferPointer(rebasing: a[i..<endA]), UnsafeBufferPointer(rebasing: b[j..<endB])) else { return false }
            let (doneA, doneB) = (endA == a.count, endB == b.count)
            if doneA || doneB { return doneA && doneB }
            (i, j) = (endA + 1, endB + 1)
        }
    }

    static func segmentsOverlap(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*")
        switch (a.firstIndex(of: star), b.firstIndex(of: star)) {
        case (nil, nil): return a.elementsEqual(b)
        case (_?, nil): return match(pattern: a, key: b)
        case (nil, _?): return match(pattern: b, key: a)
        case (let firstA?, let firstB?):
            let (headA, headB) = (a[..<firstA], b[..<firstB])
            let (tailA, tailB) = (a[(a.lastIndex(of: star)! + 1)...], b[(b.lastIndex(of: star)! + 1)...])
            let headsAgree = headA.starts(with: headB) || headB.starts(with: headA)
            let tailsAgree = tailA.reversed().starts(with: tailB.reversed()) || tailB.reversed().starts(with: tailA.reversed())
            return headsAgree && tailsAgree
        }
    }

    /// The literal text before the first `*` (the whole key when there is none).
    var literalPrefix: String {
        String(decoding: characters.prefix { $0 != UInt8(ascii: "*") }, as: UTF8.self)
    }

    /// Wildcard matching without allocation. A `*` never consumes a `.` (unless
    /// `starCrossesDots`, for list items), so once a literal `.` has matched, no earlier `*`
    /// can change the outcome and backtracking restarts from there.
    static func match(pattern: UnsafeBufferPointer<UInt8>, key: UnsafeBufferPointer<UInt8>, starCrossesDots: Bool = false) -> Bool {
        let star = UInt8(ascii: "*"), dot: UInt8? = starCrossesDots ? nil : UInt8(ascii: ".")
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

/// Facts with their keys sorted, so that every key with a given prefix is one contiguous run:
/// a glob rule then visits only its own candidates, not the whole snapshot.
///
/// Sorting costs more than a rule, so it happens only for evaluations that have glob rules.
struct FactIndex: Sendable {
    public let facts: [String: String]
    private let sortedKeys: [String]?

    init(_ facts: [String: String], forGlobs: Bool = true) {
        self.facts = facts
        // String order is code point order for the NFC text of keys, which is also UTF-8 byte
        // order, so the keys sharing a byte prefix are adjacent.
        self.sortedKeys = forGlobs ? facts.keys.sorted() : nil
    }

    /// The keys that start with `prefix`, sorted.
    func keys(withPrefix prefix: String) -> [String] {
        guard let sortedKeys else { return facts.keys.filter { $0.utf8.starts(with: prefix.utf8) }.sorted() }
        var low = 0, high = sortedKeys.count
        while low < high {
            let middle = (low + high) / 2
            if sortedKeys[middle] < prefix { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < sortedKeys.count && sortedKeys[end].utf8.starts(with: prefix.utf8) { end += 1 }
        return Array(sortedKeys[low..<end])
    }
}

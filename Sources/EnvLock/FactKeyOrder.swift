/// The order envlock writes fact keys in: String's `<`, computed cheaply.
///
/// Every key envlock's detectors produce is ASCII (non-ASCII package names are spelled
/// `\u{…}`, Hugging Face segments `%XX`), and for ASCII text `<` is the order of the UTF-8
/// bytes. Comparing bytes skips the Unicode-aware comparison, which was a third of the
/// instructions spent sorting 2,000 facts. A key that is not ASCII (a hand-edited lock, a
/// conda name) makes the whole sort fall back to `<`, so the order written never depends
/// on which path was taken. The canonical JSON of fingerprints has its own order (RFC 8785,
/// UTF-16 code units) and does not use this one.
extension Sequence where Element == String {
    /// The strings sorted as `sorted()` sorts them.
    public func sortedAsFactKeys() -> [String] {
        var keys = Array(self)
        if keys.allSatisfy(FactKeyOrder.isASCII) {
            keys.sort(by: FactKeyOrder.utf8Precedes)
        } else {
            keys.sort()
        }
        return keys
    }
}

enum FactKeyOrder {
    static func isASCII(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } }
            ?? text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Whether `left`'s UTF-8 bytes come before `right`'s.
    static func utf8Precedes(_ left: String, _ right: String) -> Bool {
        let fast = left.utf8.withContiguousStorageIfAvailable { a in
            right.utf8.withContiguousStorageIfAvailable { b in
                let common = Swift.min(a.count, b.count)
                var index = 0
                while index < common {
                    if a[index] != b[index] { return a[index] < b[index] }
                    index += 1
                }
                return a.count < b.count
            }
        }
        return (fast ?? nil) ?? left.utf8.lexicographicallyPrecedes(right.utf8)
    }
}

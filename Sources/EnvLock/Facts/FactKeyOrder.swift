#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The order envlock writes fact keys in: String's `<`, computed cheaply.
///
/// Every key envlock's detectors produce is ASCII (non-ASCII package names are spelled
/// `\u{…}`, Hugging Face segments `%XX`), and for ASCII text `<` is the order of the UTF-8
/// bytes. Comparing bytes skips the Unicode-aware comparison. A key that is not ASCII (a
/// hand-edited lock, a conda name) makes the whole sort fall back to `<`, so the order written
/// never depends on which path was taken. The canonical JSON of fingerprints has its own order (RFC 8785,
/// UTF-16 code units) and does not use this one.
extension Dictionary where Key == String {
    /// The entries sorted by key as `sorted()` sorts Strings.
    func sortedByFactKey() -> [(key: String, value: Value)] {
        let entries = Array(self)
        return FactKeyOrder.sortedPositions(of: entries.map(\.key)).map { entries[$0] }
    }
}

enum FactKeyOrder {
    /// The positions of `keys` in sorted order.
    static func sortedPositions(of keys: [String]) -> [Int] {
        // The keys' bytes copied once into one buffer, and their positions sorted with memcmp:
        // keys share long prefixes (`python.packages.`), and comparing Strings directly
        // retains and releases both on every comparison.
        var bytes: [UInt8] = []
        var starts: [Int] = []
        starts.reserveCapacity(keys.count + 1)
        for key in keys {
            starts.append(bytes.count)
            bytes.append(contentsOf: key.utf8)
        }
        starts.append(bytes.count)
        var order = Array(keys.indices)
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            order.sort { keys[$0] < keys[$1] }
            return order
        }
        bytes.withUnsafeBufferPointer { bytes in
            starts.withUnsafeBufferPointer { starts in
                order.sort { left, right in
                    let leftCount = starts[left + 1] - starts[left], rightCount = starts[right + 1] - starts[right]
                    let common = Swift.min(leftCount, rightCount)
                    guard common > 0 else { return leftCount < rightCount }
                    let comparison = memcmp(bytes.baseAddress! + starts[left], bytes.baseAddress! + starts[right], common)
                    return comparison != 0 ? comparison < 0 : leftCount < rightCount
                }
            }
        }
        return order
    }
}

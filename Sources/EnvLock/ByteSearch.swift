#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Searches in machine text (paths, error messages, `.pth` lines) by their UTF-8 bytes.
///
/// The `contains(_:)` and `firstRange(of:)` of `_StringProcessing` compare by grapheme cluster
/// and build a search table in a dictionary on every call; the first such table also makes the
/// runtime look through all 4,700 protocol conformances of the binary. Two calls for each
/// missing file were a tenth of the instructions of a probe that finds nothing (BENCHMARKS.md).
/// Machine text is its bytes anyway: a path component followed by a combining mark is still
/// that component.
extension Substring {
    /// The first occurrence of `part`'s bytes, or nil.
    package func firstRange(ofBytes part: String) -> Range<String.Index>? {
        var part = part
        let length = part.utf8.count
        let found: Int?? = utf8.withContiguousStorageIfAvailable { text in
            part.withUTF8 { ByteSearch.offset(of: $0, in: text) }
        }
        let offset = found ?? Array(utf8).withUnsafeBufferPointer { text in
            part.withUTF8 { ByteSearch.offset(of: $0, in: text) }
        }
        guard let offset else { return nil }
        let start = utf8.index(startIndex, offsetBy: offset)
        return start..<utf8.index(start, offsetBy: length)
    }

    /// Whether `part`'s bytes occur in this slice.
    package func containsBytes(_ part: String) -> Bool {
        firstRange(ofBytes: part) != nil
    }
}

extension String {
    /// The first occurrence of `part`'s bytes, or nil.
    package func firstRange(ofBytes part: String) -> Range<String.Index>? {
        self[...].firstRange(ofBytes: part)
    }

    /// Whether `part`'s bytes occur in this string.
    package func containsBytes(_ part: String) -> Bool {
        firstRange(ofBytes: part) != nil
    }
}

enum ByteSearch {
    /// Where `part` first starts in `text`, in bytes.
    static func offset(of part: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = part.first else { return 0 }
        guard part.count <= text.count, let base = text.baseAddress, let wanted = part.baseAddress else { return nil }
        var start = 0
        let last = text.count - part.count
        while start <= last {
            if text[start] == first && memcmp(base + start, wanted, part.count) == 0 { return start }
            start += 1
        }
        return nil
    }
}

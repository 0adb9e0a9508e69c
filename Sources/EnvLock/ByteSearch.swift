#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension String {
    /// Whether `part` occurs in this string's UTF-8 bytes.
    ///
    /// For paths, error messages and other machine text, where bytes are what counts. The
    /// `contains(_:)` of `_StringProcessing` compares by grapheme cluster and builds a search
    /// table in a dictionary on every call: two such calls for each missing file were a tenth
    /// of the instructions of a probe that finds nothing (BENCHMARKS.md).
    package func containsBytes(_ part: String) -> Bool {
        var text = self
        var part = part
        return text.withUTF8 { text in
            part.withUTF8 { part in
                guard let first = part.first else { return true }
                guard part.count <= text.count, let base = text.baseAddress, let wanted = part.baseAddress else { return false }
                var start = 0
                let last = text.count - part.count
                while start <= last {
                    if text[start] == first && memcmp(base + start, wanted, part.count) == 0 { return true }
                    start += 1
                }
                return false
            }
        }
    }
}

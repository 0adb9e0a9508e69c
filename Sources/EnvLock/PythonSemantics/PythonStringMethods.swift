/// The few `str` methods the apps apply to names, as CPython applies them to code points:
/// full case mappings (`'ß'.upper() == 'SS'`), the final-sigma rule of `str.lower`, and plain
/// substring replacement. A code point whose case mapping may differ between the Unicode
/// versions of CPython 3.10 (Unicode 13) and 3.13 (15.1), or between them and Swift's tables,
/// makes the result undetermined rather than a guess.
package enum PythonStringMethods {
    /// Why a case mapping cannot be decided here.
    package struct Undetermined: Error, Equatable, CustomStringConvertible {
        package var codePoint: UInt32
        package var description: String {
            "U+\(String(codePoint, radix: 16, uppercase: true)) is not in Unicode 13 (Python 3.10's), so its case mapping may differ between Python versions"
        }
    }

    /// Whether CPython 3.10-3.13 and this program agree on `point`'s case mappings: ASCII, or
    /// a scalar assigned by Unicode 13.0 whose mappings no later version changed.
    static func hasStableCase(_ point: UInt32) throws(Undetermined) -> Unicode.Scalar {
        guard let scalar = Unicode.Scalar(point) else { throw Undetermined(codePoint: point) }
        if point < 0x80 { return scalar }
        guard let age = scalar.properties.age, (age.major, age.minor) <= (13, 0) else { throw Undetermined(codePoint: point) }
        return scalar
    }

    /// `s.upper()`.
    package static func upper(_ text: PythonString) throws(Undetermined) -> PythonString {
        var result: [UInt32] = []
        result.reserveCapacity(text.codePoints.count)
        for point in text.codePoints {
            if point < 0x80 {
                result.append(point >= 0x61 && point <= 0x7A ? point - 0x20 : point)
                continue
            }
            let scalar = try hasStableCase(point)
            result += scalar.properties.uppercaseMapping.unicodeScalars.map(\.value)
        }
        return PythonString(codePoints: result)
    }

    /// `s.lower()`, with CPython's final-sigma rule (`unicodeobject.c` `handle_capital_sigma`):
    /// U+03A3 becomes U+03C2 when a cased letter precedes it and none follows (case-ignorable
    /// code points skipped both ways), else U+03C3.
    package static func lower(_ text: PythonString) throws(Undetermined) -> PythonString {
        let points = text.codePoints
        var result: [UInt32] = []
        result.reserveCapacity(points.count)
        for (index, point) in points.enumerated() {
            if point < 0x80 {
                result.append(point >= 0x41 && point <= 0x5A ? point + 0x20 : point)
                continue
            }
            let scalar = try hasStableCase(point)
            if point == 0x03A3 {
                result.append(try isFinalSigma(points, at: index) ? 0x03C2 : 0x03C3)
                continue
            }
            result += scalar.properties.lowercaseMapping.unicodeScalars.map(\.value)
        }
        return PythonString(codePoints: result)
    }

    static func isFinalSigma(_ points: [UInt32], at index: Int) throws(Undetermined) -> Bool {
        func kind(_ point: UInt32) throws(Undetermined) -> (cased: Bool, ignorable: Bool) {
            let scalar = try hasStableCase(point)
            return (scalar.properties.isCased, scalar.properties.isCaseIgnorable)
        }
        var before = index - 1
        while before >= 0, try kind(points[before]).ignorable { before -= 1 }
        guard before >= 0, try kind(points[before]).cased else { return false }
        var after = index + 1
        while after < points.count, try kind(points[after]).ignorable { after += 1 }
        guard after < points.count else { return true }
        return !(try kind(points[after]).cased)
    }

    /// `s.replace(old, new)`: every non-overlapping occurrence, left to right.
    package static func replace(_ text: PythonString, _ old: String, _ new: String) -> PythonString {
        let needle = PythonString(old).codePoints
        let replacement = PythonString(new).codePoints
        guard !needle.isEmpty else { return text }
        var result: [UInt32] = []
        let points = text.codePoints
        var index = 0
        while index < points.count {
            if index + needle.count <= points.count, points[index..<(index + needle.count)].elementsEqual(needle) {
                result += replacement
                index += needle.count
            } else {
                result.append(points[index])
                index += 1
            }
        }
        return PythonString(codePoints: result)
    }

    /// `s.split(sep)` with an explicit one-character separator: empty pieces kept.
    package static func split(_ text: PythonString, on separator: UInt32) -> [PythonString] {
        text.codePoints.split(separator: separator, omittingEmptySubsequences: false).map { PythonString(codePoints: Array($0)) }
    }
}

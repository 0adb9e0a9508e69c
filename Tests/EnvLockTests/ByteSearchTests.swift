import Testing
@testable import EnvLock

/// `containsBytes` answers as a byte search would: the markers and messages it looks for are
/// bytes, wherever they sit and whatever surrounds them.
@Suite struct ByteSearchTests {
    @Test(arguments: [
        ("/root/.envlock-symlink-loop/etc/os-release", "/.envlock-symlink-loop/", true),
        ("/.envlock-symlink-loop/", "/.envlock-symlink-loop/", true),
        ("/root/.envlock-symlink-loo/etc", "/.envlock-symlink-loop/", false),
        ("/root/.envlock-symlink-loop", "/.envlock-symlink-loop/", false),
        ("libfoo.so: cannot open shared object file: No such file or directory", "No such file or directory", true),
        ("NNNo such", "No such", true),
        ("aaab", "aab", true),
        ("", "a", false),
        ("abc", "", true),
        ("short", "longer than the text", false),
        ("a\u{0}NUL\u{0}inside", "\u{0}NUL\u{0}", true),
        ("line one\nDriver Version: 550", "\nDriver Version:", true),
        ("GPU Name", "GPU  Name", false),
    ])
    func findsBytesAnywhere(_ text: String, _ part: String, _ expected: Bool) {
        #expect(text.containsBytes(part) == expected)
    }

    @Test func rangesAreThoseOfTheBytesInTheString() throws {
        let line = "prefix d\u{E9}j\u{E0} m = m or sys.modules.setdefault('zope', x)"
        let range = try #require(line.firstRange(ofBytes: "setdefault('"))
        #expect(line[range] == "setdefault('")
        #expect(line[range.upperBound...].hasPrefix("zope'"))
        let slice = line.dropFirst(7)
        let inSlice = try #require(slice.firstRange(ofBytes: "m = m"))
        #expect(slice[inSlice] == "m = m")
        #expect(slice.firstRange(ofBytes: "prefix") == nil, "a slice is searched only within its bounds")
        #expect(line.firstRange(ofBytes: "") == line.startIndex..<line.startIndex)
    }

    /// Unlike `contains(_:)`, which compares grapheme clusters, a byte search finds a path
    /// component followed by a combining mark, and never matches a precomposed letter to its
    /// decomposed form: a path is its bytes.
    @Test func comparesBytesNotCharacters() {
        #expect("/x/\u{301}rest".containsBytes("/x/"))
        #expect(!"caf\u{E9}".containsBytes("cafe\u{301}"))
        #expect("a non-ASCII path: /tmp/d\u{E9}j\u{E0}/x".containsBytes("d\u{E9}j\u{E0}/"))
    }
}

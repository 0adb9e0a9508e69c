import Testing
@testable import EnvLock

@Suite struct UntrustedTextTests {
    @Test(arguments: [
        ("plain 2.2.0+cu121", "plain 2.2.0+cu121"),
        ("a\nb", "a\\nb"), ("a\rb", "a\\rb"), ("a\tb", "a\\tb"), ("a\u{08}b", "a\\bb"),
        ("\u{1B}[31mred", "\\x1b[31mred"), ("nul\u{0}", "nul\\x00"), ("del\u{7F}", "del\\x7f"),
        ("c1\u{85}", "c1\\u{0085}"), ("rtl\u{202E}x", "rtl\\u{202e}x"), ("back\\slash", "back\\\\slash"),
        ("café ünïcode", "café ünïcode"),
    ])
    func terminalShowsEveryStringUnambiguously(raw: String, shown: String) {
        #expect(UntrustedText.terminal(raw) == shown)
    }

    @Test func quotedValuesCannotCloseTheirQuotes() {
        #expect(UntrustedText.quoted("a\" found \"b") == "\"a\\\" found \\\"b\"")
    }

    @Test(arguments: [
        ("a|b", "a\\|b"), ("`code`", "\\`code\\`"), ("<b>x</b>", "\\<b\\>x\\</b\\>"), ("[l](u)", "\\[l\\](u)"),
        ("x86_64", "x86\\_64"), ("a\nb", "a\\\\nb"),
    ])
    func markdownCannotChangeTheTable(raw: String, shown: String) {
        #expect(UntrustedText.markdown(raw) == shown)
    }

    @Test func plainKeysStayCodeSpans() {
        #expect(UntrustedText.markdownCode("gpu.0.name") == "`gpu.0.name`")
        #expect(UntrustedText.markdownCode("a`b|c") == "a\\`b\\|c")
    }
}

import Testing
@testable import EnvLock

/// Package keys are the names pip and importlib.metadata compare: PEP 503 normalized.
@Suite struct PackageNameTests {
    @Test(arguments: [
        ("Torch", "torch"),
        ("nvidia_cudnn_cu12", "nvidia-cudnn-cu12"),
        ("zope.interface", "zope-interface"),
        ("Foo.-_Bar__baz", "foo-bar-baz"),
        ("-leading_and_trailing.", "-leading-and-trailing-"),
        ("already-normal", "already-normal"),
        ("", ""),
    ])
    func separatorRunsBecomeOneDashAndASCIILettersLowercase(name: String, key: String) {
        #expect(PackageName.normalize(name) == key)
        #expect(PackageName.normalize(name[...]) == key)
    }

    /// Only A-Z are lowered; every other scalar passes unchanged, byte for byte, so NFC and NFD
    /// spellings stay two names (as importlib.metadata has them).
    @Test func nonASCIIScalarsPassUnchanged() {
        let composed = "Caf\u{E9}_\u{C9}T\u{C9}"
        let decomposed = "Cafe\u{301}_E\u{301}TE\u{301}"
        #expect(Array(PackageName.normalize(composed).utf8) == Array("caf\u{E9}-\u{C9}t\u{C9}".utf8))
        #expect(Array(PackageName.normalize(decomposed).utf8) == Array("cafe\u{301}-e\u{301}te\u{301}".utf8))
        #expect(Array(PackageName.normalize("\u{130}stanbul").utf8) == Array("\u{130}stanbul".utf8))
    }
}

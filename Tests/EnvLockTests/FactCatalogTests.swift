import Testing
@testable import EnvLock

@Suite struct FactCatalogTests {
    /// Every backticked token of docs/FACTS.md, with the placeholders N and NAME made concrete.
    static func documentedKeys() throws -> [String] {
        let text = String(decoding: try SharedData.bytes(SharedData.packageRoot + "/docs/FACTS.md"), as: UTF8.self)
        return text.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map {
            String($0.element).replacing(".N.", with: ".0.").replacing(".NAME", with: ".example")
        }
    }

    @Test func everyCatalogEntryIsDocumented() throws {
        let documented = try Self.documentedKeys()
        for entry in FactCatalog.entries {
            #expect(documented.contains { entry.pattern.matches($0) }, "\(entry.pattern) is not in docs/FACTS.md")
        }
    }

    @Test func differencesExplainThemselves() {
        let differences = FactDiff.compare(["gpu.0.name": "NVIDIA L4", "torch.version": "2.2.0+cu121"], ["gpu.0.name": "NVIDIA A30"])
        #expect(differences.map(\.key) == ["gpu.0.name", "torch.version"])
        #expect(differences[0].why?.contains("88.75%") == true)
        #expect(differences[1].right == nil)
    }
}

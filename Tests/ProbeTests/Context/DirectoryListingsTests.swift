import EnvLock
import Testing
import TestSupport
@testable import Probe

/// The folder listings one probe shares between detectors.
@Suite struct DirectoryListingsTests {
    @Test func eachFilterSeesItsOwnEntriesOfOneListing() throws {
        let folder = try TestFiles.scratchFolder()
        defer { TestFiles.removeTree(folder) }
        try TestFiles.write(Array("x\n".utf8), to: folder + "/a.pth")
        TestFiles.makeFolders(folder + "/torch-2.2.0.dist-info")
        var context = HostContext(environment: [:], commands: NoCommands())
        context.listings = DirectoryListings()
        let pth = try context.entries(of: folder) { PythonFiles.hasSuffixIgnoringCase($0, ".pth") }
        let distributions = try context.entries(of: folder) { PythonFiles.hasSuffixIgnoringCase($0, ".dist-info") }
        #expect(pth == [DirectoryEntry(name: "a.pth", kind: .regularFile)])
        #expect(distributions == [DirectoryEntry(name: "torch-2.2.0.dist-info", kind: .directory)])
    }

    /// A failure is the reader's own, never remembered: the folder that appears later is read.
    @Test func aFolderThatCouldNotBeListedIsListedAgain() throws {
        let folder = try TestFiles.scratchFolder()
        defer { TestFiles.removeTree(folder) }
        var context = HostContext(environment: [:], commands: NoCommands())
        context.listings = DirectoryListings()
        #expect(throws: FileReadError.notFound(path: folder + "/site-packages")) { try context.entries(of: folder + "/site-packages") }
        try TestFiles.write(Array("x\n".utf8), to: folder + "/site-packages/b.pth")
        #expect(try context.entries(of: folder + "/site-packages").map(\.name) == ["b.pth"])
    }

    /// Each probe lists afresh: a second probe with the same context sees what changed between.
    @Test func aNewProbeListsAgain() async throws {
        let folder = try TestFiles.scratchFolder()
        defer { TestFiles.removeTree(folder) }
        let context = HostContext(environment: [:], commands: NoCommands(), python: PythonSelection(sitePackages: [folder]))
        let first = await Prober(detectors: [PythonDetector(), SitePackagesDetector()]).probe(context)
        #expect(first.facts["python.packages.torch"] == nil)
        TestFiles.makeFolders(folder + "/torch-2.2.0.dist-info")
        try TestFiles.write(Array("Metadata-Version: 2.1\nName: torch\nVersion: 2.2.0\n\n".utf8), to: folder + "/torch-2.2.0.dist-info/METADATA")
        let second = await Prober(detectors: [PythonDetector(), SitePackagesDetector()]).probe(context)
        #expect(second.facts["python.packages.torch"] == "2.2.0")
    }
}

import Testing
@testable import Probe

@Test func foreignRootJoinsPaths() {
    #expect(FileSystem.exists("/"))
}

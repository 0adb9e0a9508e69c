@testable import EnvLock
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Probe

/// "Could not read" never passes for "not there": a cache entry or a /proc folder that cannot
/// be inspected is reported with its reason, while one that is missing stays a plain miss.
/// Failures are provoked with a symbolic link loop on the way (ELOOP), which even root meets.
@Suite struct UnreadableIsNotAbsentTests {
    /// A scratch folder holding `loop`, a link to itself.
    static func folderWithLoop() throws -> String {
        let folder = try TestFiles.scratchFolder(prefix: "envlock-unreadable")
        #expect(symlink(folder + "/loop", folder + "/loop") == 0)
        return folder
    }

    @Test func aCacheEntryThatCannotBeInspectedIsIgnoredWithItsReason() throws {
        let folder = try Self.folderWithLoop()
        defer { TestFiles.removeTree(folder) }
        guard case .ignored(let reason) = CacheEntryFile.read(folder + "/loop/entry", limit: 1024) else {
            Issue.record("an entry behind a link loop was taken for a missing one")
            return
        }
        #expect(reason.contains(folder + "/loop/entry") && reason.contains("cannot"))
        // Missing, and under a file rather than a folder: a plain miss.
        #expect(CacheEntryFile.read(folder + "/absent", limit: 1024) == .missing)
        try TestFiles.write([], to: folder + "/file")
        #expect(CacheEntryFile.read(folder + "/file/entry", limit: 1024) == .missing)
    }

    @Test func aProcFolderThatCannotBeInspectedIsNotAGoneProcess() throws {
        let folder = try Self.folderWithLoop()
        defer { TestFiles.removeTree(folder) }
        #expect(throws: ProcessReadError.self) { try RunningProcess.read(pid: 1, procRoot: folder + "/loop") }
        do {
            _ = try RunningProcess.read(pid: 1, procRoot: folder + "/loop")
        } catch {
            guard case .unreadable(1, let reason) = error else {
                Issue.record("expected unreadable, got \(error)")
                return
            }
            #expect(reason.contains("/loop/1"))
        }
        // A process folder that is not there: the process is gone.
        do {
            _ = try RunningProcess.read(pid: 4_000_000, procRoot: folder)
            Issue.record("read a process that does not exist")
        } catch {
            #expect(error == .gone(pid: 4_000_000))
        }
    }
}

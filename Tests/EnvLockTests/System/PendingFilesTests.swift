#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EnvLock

/// What a signal that ends envlock removes: every temporary file created and not yet renamed,
/// linked or removed, and nothing else (a finished file stays whole).
@Suite struct PendingFilesTests {
    static func create(_ path: String, in registry: PendingFiles) -> Int32 {
        registry.create(path) { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
    }

    @Test func onlyFilesNotYetSettledAreRemoved() throws {
        try withScratchFolder { folder in
            let registry = PendingFiles()
            for name in ["a", "b", "c"] {
                let descriptor = Self.create(folder + "/.\(name).tmp", in: registry)
                try #require(descriptor >= 0)
                close(descriptor)
            }
            #expect(Set(registry.pending) == [folder + "/.a.tmp", folder + "/.b.tmp", folder + "/.c.tmp"])
            // a is renamed into place, b removed by its writer; c is still being written.
            #expect(registry.settle(folder + "/.a.tmp") { rename(folder + "/.a.tmp", folder + "/a") } == 0)
            #expect(registry.settle(folder + "/.b.tmp") { unlink(folder + "/.b.tmp") } == 0)
            #expect(registry.pending == [folder + "/.c.tmp"])
            registry.removeAllBeforeExit()
            #expect(FileFixture.names(in: folder) == ["a"])
        }
    }

    /// A failed create leaves nothing to remove, and a slot freed is used again.
    @Test func aFailedCreateIsNotRegisteredAndSlotsAreReused() throws {
        try withScratchFolder { folder in
            let registry = PendingFiles(capacity: 1)
            #expect(Self.create(folder + "/missing/.x.tmp", in: registry) == -1)
            #expect(registry.pending.isEmpty)
            for round in 0..<3 {
                let path = folder + "/.\(round).tmp"
                let descriptor = Self.create(path, in: registry)
                try #require(descriptor >= 0)
                close(descriptor)
                #expect(registry.pending == [path])
                registry.settle(path) { _ = unlink(path) }
            }
            #expect(registry.pending.isEmpty)
        }
    }

    /// More writers than slots: each waits for a free one, none is lost or left registered.
    @Test func writersBeyondTheCapacityWaitForASlot() async throws {
        try await withScratchFolderAsync { folder in
            let registry = PendingFiles(capacity: 2)
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<16 {
                    group.addTask {
                        for round in 0..<20 {
                            let path = folder + "/.\(writer)-\(round).tmp"
                            let descriptor = Self.create(path, in: registry)
                            guard descriptor >= 0 else { return }
                            close(descriptor)
                            registry.settle(path) { _ = rename(path, folder + "/\(writer)-\(round)") }
                        }
                    }
                }
            }
            #expect(registry.pending.isEmpty)
            #expect(FileFixture.names(in: folder).count == 16 * 20)
        }
    }

    /// The atomic writes register their temporary file for as long as it exists.
    @Test func atomicWritesLeaveNothingPending() throws {
        try withScratchFolder { folder in
            let temporary = try POSIXFile.writeTemporaryFile(beside: folder + "/env.lock", bytes: [1], mode: 0o644)
            #expect(PendingFiles.shared.pending.contains(temporary))
            PendingFiles.shared.settle(temporary) { _ = unlink(temporary) }
            try AtomicFile.write([1, 2], to: folder + "/env.lock")
            try AtomicFile.write([3], to: folder + "/env.lock")
            #expect(!PendingFiles.shared.pending.contains { $0.hasPrefix(folder + "/") })
            #expect(FileFixture.names(in: folder) == ["env.lock"])
        }
    }
}

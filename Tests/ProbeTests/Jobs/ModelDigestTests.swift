import Synchronization
import Testing
@testable import Probe
#if canImport(Glibc)
import Glibc
#endif

/// Model digests are right, remembered per file identity, and never served from a bad entry.
@Suite struct ModelDigestTests {
    static let abcDigest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    static func setUp() throws -> (tree: FixtureTree, digests: ModelDigest) {
        let tree = try FixtureTree(["model.safetensors": "abc"])
        return (tree, ModelDigest(cacheFolder: tree.root + "/cache/envlock/sha256"))
    }

    @Test func digestMatchesSHA256AndIsThenCached() throws {
        let (tree, digests) = try Self.setUp()
        let first = try digests.digest(of: tree.root + "/model.safetensors")
        #expect(first.digest == Self.abcDigest && !first.cached && first.cacheNote == nil && first.size == 3)
        // The identity it was hashed under, for a distribution's cache entry.
        #expect(first.stableIdentity == ModelDigest.FileIdentity(try FileSystem.status(tree.root + "/model.safetensors")))
        let second = try digests.digest(of: tree.root + "/model.safetensors")
        #expect(second == ModelDigestResult(digest: Self.abcDigest, cached: true, size: 3))
    }

    @Test func aChangedFileIsHashedAgain() throws {
        let (tree, digests) = try Self.setUp()
        _ = try digests.digest(of: tree.root + "/model.safetensors")
        let descriptor = open(tree.root + "/model.safetensors", O_WRONLY | O_TRUNC)
        _ = Array("abd".utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        let again = try digests.digest(of: tree.root + "/model.safetensors")
        #expect(!again.cached)
        #expect(again.digest != Self.abcDigest)
    }

    @Test func aCorruptEntryIsIgnored() throws {
        let (tree, digests) = try Self.setUp()
        _ = try digests.digest(of: tree.root + "/model.safetensors")
        let folder = tree.root + "/cache/envlock/sha256"
        let entries = try FileSystem.listDirectory(folder)
        #expect(entries.count == 1)
        let entry = folder + "/" + entries[0]
        let text = String(decoding: try FileSystem.readBytes(entry), as: UTF8.self)
        // A forged digest for the same identity, but not in envlock's format (uppercase hex).
        let forged = text.replacing(Self.abcDigest, with: "sha256:" + String(repeating: "A", count: 64))
        unlink(entry)
        let descriptor = open(entry, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = Array(forged.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        let result = try digests.digest(of: tree.root + "/model.safetensors")
        #expect(result.digest == Self.abcDigest)
        #expect(!result.cached)
        #expect(result.cacheNote?.contains("not in envlock's format") == true)
    }

    @Test func anEntryOthersMayWriteIsIgnored() throws {
        let (tree, digests) = try Self.setUp()
        _ = try digests.digest(of: tree.root + "/model.safetensors")
        let folder = tree.root + "/cache/envlock/sha256"
        let entry = folder + "/" + (try FileSystem.listDirectory(folder))[0]
        chmod(entry, 0o666)
        let result = try digests.digest(of: tree.root + "/model.safetensors")
        #expect(!result.cached)
        #expect(result.digest == Self.abcDigest)
    }

    @Test func quickHashesReportNoProgress() throws {
        let (tree, _) = try Self.setUp()
        let calls = Mutex(0)
        let digests = ModelDigest(cacheFolder: nil) { _ in calls.withLock { $0 += 1 } }
        #expect(try digests.digest(of: tree.root + "/model.safetensors").digest == Self.abcDigest)
        #expect(calls.withLock { $0 } == 0)
    }

    @Test func cacheFolderFollowsXDG() {
        #expect(ModelDigest.defaultCacheFolder(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]) == "/c/envlock/sha256")
        #expect(ModelDigest.defaultCacheFolder(environment: ["HOME": "/h"]) == "/h/.cache/envlock/sha256")
        #expect(ModelDigest.defaultCacheFolder(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"]) == "/h/.cache/envlock/sha256")
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EnvLock

/// `envlock audit`'s search: every file once, by device and inode, and every loop reported
/// instead of followed, whatever shape the loop or the second path has.
@Suite struct ImageSearchTests {
    /// A tree with one image reachable many ways:
    /// imgs/a.png; imgs/hard.png (a hard link to it); imgs/soft.png (a symbolic link to it);
    /// imgs/sub/up -> .. and imgs/sub/self -> . (loops to an ancestor and to itself);
    /// imgs/sub/deep/top -> ../.. (a loop two folders up);
    /// imgs/x and imgs/y -> ../shared (one folder twice, no loop), holding d.png.
    static func tree() throws -> String {
        let root = try TestFiles.scratchFolder(prefix: "envlock-image-search")
        try TestFiles.write(Array("a".utf8), to: root + "/imgs/a.png")
        try TestFiles.write(Array("d".utf8), to: root + "/shared/d.png")
        TestFiles.makeFolders(root + "/imgs/sub/deep")
        #expect(link(root + "/imgs/a.png", root + "/imgs/hard.png") == 0)
        for (target, path) in [("a.png", "imgs/soft.png"), ("..", "imgs/sub/up"), (".", "imgs/sub/self"), ("../..", "imgs/sub/deep/top"),
                               ("../shared", "imgs/x"), ("../shared", "imgs/y")] {
            #expect(symlink(target, root + "/" + path) == 0, "\(path)")
        }
        return root
    }

    @Test func eachFileIsFoundOnceAndEveryLoopIsReported() throws {
        let root = try Self.tree()
        defer { TestFiles.removeTree(root) }
        let imgs = root + "/imgs"
        // The folder named twice, and an image in it named again by another spelling.
        let search = ImageSearch([imgs, imgs + "/", root + "/imgs/./a.png"])
        #expect(search.files.map(\.path) == [imgs + "/a.png", imgs + "/x/d.png"])
        #expect(search.files.allSatisfy { $0.failure == nil })
        let skipped = search.skipped.map { "\($0.reason.rawValue) \($0.path.dropFirst(root.count)) = \($0.sameAs.dropFirst(root.count))" }
        #expect(skipped == [
            "same-file /imgs/hard.png = /imgs/a.png",
            "same-file /imgs/soft.png = /imgs/a.png",
            "loop /imgs/sub/deep/top = /imgs",
            "loop /imgs/sub/self = /imgs/sub",
            "loop /imgs/sub/up = /imgs",
            "same-folder /imgs/y = /imgs/x",
            "same-folder /imgs/ = /imgs",
            "same-file /imgs/./a.png = /imgs/a.png",
        ], "\(skipped)")
    }

    /// What cannot be looked at is listed with why, never dropped as if absent: a link loop
    /// of links (ELOOP) with an image's name or without one, and a named path that is missing.
    @Test func whatCannotBeLookedAtIsListedWithWhy() throws {
        let root = try TestFiles.scratchFolder(prefix: "envlock-image-search")
        defer { TestFiles.removeTree(root) }
        TestFiles.makeFolders(root + "/imgs")
        #expect(symlink("b", root + "/imgs/a") == 0 && symlink("a", root + "/imgs/b") == 0)
        #expect(symlink("gone.png", root + "/imgs/dangling.png") == 0 && symlink("gone", root + "/imgs/dangling") == 0)
        let search = ImageSearch([root + "/imgs", root + "/missing.png"])
        #expect(search.files.map { "\($0.path.dropFirst(root.count)): \($0.failure ?? "readable")" } == [
            "/imgs/a: cannot look at it: \(String(cString: strerror(ELOOP)))",
            "/imgs/b: cannot look at it: \(String(cString: strerror(ELOOP)))",
            "/imgs/dangling.png: no such file",
            "/missing.png: no such file",
        ])
    }
}

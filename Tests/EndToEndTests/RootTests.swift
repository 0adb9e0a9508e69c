#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// `--root` is a folder, and every link inside it resolves inside it, as chroot would see it.
@Suite struct RootTests {
    @Test(arguments: ["/nonexistent-envlock-root", "/etc/passwd", ""])
    func aRootThatIsNoFolderIsAUsageError(root: String) async throws {
        let folder = TemporaryFolder()
        let profile = folder.write("p.yaml", "envlock: 1\nname: r\nrules:\n  python.packages.torch: {absent: true}\n")
        for arguments in [["probe", "--root", root], ["verify", folder.file("none.lock"), "--root", root], ["lock", "--profile", profile, "--output", folder.file("l.lock"), "--root", root]] {
            let result = try await Envlock.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("--root"), "\(result.stderr)")
            #expect(!fileExists(folder.file("l.lock")))
        }
    }

    /// Links that would climb out of the root on the host: relative with many `..`, absolute,
    /// and through a linked folder.
    static let climbingLinks: [(String, [(String, String)], String?)] = [
        ("relative to inside", [("etc/os-release", "../../../../../../data/os-release")], "inside"),
        ("absolute to inside", [("etc/os-release", "/data/os-release")], "inside"),
        ("linked folder", [("etc", "../../../../../../data")], "inside"),
        ("relative loop", [("etc/os-release", "../../../../etc/os-release")], nil),
        ("absolute loop", [("etc/os-release", "/etc/../etc/os-release")], nil),
    ]

    @Test(arguments: climbingLinks)
    func linksResolveInsideTheRoot(name: String, links: [(String, String)], expected: String?) async throws {
        let root = TemporaryFolder()
        root.write("data/os-release", "ID=inside\nVERSION_ID=1\n")
        makeFolders(root.file("etc"))
        makeFolders(root.file("usr/lib"))
        for (link, target) in links {
            if link == "etc" { rmdir(root.file("etc")) }
            symlink(target, root.file(link))
        }
        let result = try await Envlock.run(["probe", "--root", root.path, "--format", "json"])
        #expect(result.status == 0, "\(name): \(result.stderr)")
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
        #expect(snapshot.facts["host.os.id"] == expected, "\(name): \(snapshot.facts)")
        if expected == nil {
            #expect(snapshot.detector(named: "os-release")?.status == .failed, "\(name): a loop is a failure, not absence")
        }
    }
}

@testable import EnvLock
import Testing

/// The interpreter cache makes a second probe cheap and is never used stale: a changed `.pth`
/// file, a new user site folder, another PYTHONPATH or a replaced interpreter is seen at once.
@Suite struct InterpreterCacheTests {
    static let realPython = "/usr/bin/python3"
    static let available = fileExists(realPython)

    struct Fixture {
        let folder = TemporaryFolder()
        var environment = Envlock.baseEnvironment()
        let interpreter: String
        let userSite: String

        init() async throws {
            environment["HOME"] = folder.file("home")
            environment["XDG_CACHE_HOME"] = folder.file("cache")
            makeFolders(folder.file("home"))
            // Not a virtual environment, so envlock must ask it (a wrapper stands in for a
            // system Python that an upgrade can replace).
            interpreter = folder.write("bin/python3", "#!/bin/sh\nexec \(InterpreterCacheTests.realPython) \"$@\"\n", mode: 0o755)
            let asked = try await runProgram(InterpreterCacheTests.realPython, ["-c", "import site; print(site.getusersitepackages())"], environment: environment)
            userSite = asked.stdout.split(separator: "\n").first.map(String.init) ?? ""
            PythonVenv.addDistribution(named: "torch", version: "9.9.0", in: folder.file("extra"))
            PythonVenv.addDistribution(named: "xformers", version: "0.0.1", in: folder.file("other"))
        }

        func probe(_ extra: [String] = []) async throws -> (Snapshot, String) {
            let result = try await Envlock.run(["probe", "--python", interpreter, "--format", "json"] + extra, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
            return (snapshot, snapshot.detector(named: "python")?.detail ?? "")
        }
    }

    @Test(.enabled(if: available, "needs /usr/bin/python3"))
    func aSecondProbeUsesTheCacheUntilSomethingChanges() async throws {
        var fixture = try await Fixture()
        let (first, firstDetail) = try await fixture.probe()
        #expect(firstDetail.contains("read by running"), "\(firstDetail)")
        let (second, secondDetail) = try await fixture.probe()
        #expect(secondDetail.contains("remembered"), "\(secondDetail)")
        #expect(second.facts == first.facts)

        // The user site folder appears, with a .pth file that adds a folder holding torch.
        writeFile(fixture.userSite + "/zz.pth", fixture.folder.file("extra") + "\n")
        let (withPth, pthDetail) = try await fixture.probe()
        #expect(pthDetail.contains("read by running"), "\(pthDetail)")
        #expect(withPth.facts["python.packages.torch"] == "9.9.0")
        _ = try await fixture.probe()

        // The .pth file changes in place (same name, one more line).
        writeFile(fixture.userSite + "/zz.pth", fixture.folder.file("extra") + "\n" + fixture.folder.file("other") + "\n")
        let (edited, editedDetail) = try await fixture.probe()
        #expect(editedDetail.contains("read by running"), "\(editedDetail)")
        #expect(edited.facts["python.packages.xformers"] == "0.0.1")

        // Another PYTHONPATH.
        fixture.environment["PYTHONPATH"] = fixture.folder.file("pythonpath")
        PythonVenv.addDistribution(named: "safetensors", version: "0.4.2", in: fixture.folder.file("pythonpath"))
        let (withPath, pathDetail) = try await fixture.probe()
        #expect(pathDetail.contains("read by running"), "\(pathDetail)")
        #expect(withPath.facts["python.packages.safetensors"] == "0.4.2")

        // The interpreter is replaced by one that reports another sys.path.
        fixture.folder.write("bin/python3", "#!/bin/sh\nPYTHONPATH=\(fixture.folder.file("replaced")) exec \(Self.realPython) \"$@\"\n", mode: 0o755)
        PythonVenv.addDistribution(named: "diffusers", version: "0.27.0", in: fixture.folder.file("replaced"))
        let (replaced, replacedDetail) = try await fixture.probe()
        #expect(replacedDetail.contains("read by running"), "\(replacedDetail)")
        #expect(replaced.facts["python.packages.diffusers"] == "0.27.0")

        // --no-cache always asks.
        let (_, noCacheDetail) = try await fixture.probe(["--no-cache"])
        #expect(noCacheDetail.contains("read by running"), "\(noCacheDetail)")
    }

    /// A cache entry that is corrupt or another user's is ignored and rewritten.
    @Test(.enabled(if: available, "needs /usr/bin/python3"))
    func aCorruptOrForeignEntryIsNeverTrusted() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.probe()
        let folder = fixture.folder.file("cache/envlock/interpreters")
        let entries = try #require(try? listFolder(folder))
        #expect(entries.count == 1)
        let entry = folder + "/" + entries[0]
        let original = readFile(entry)
        // A lie about sys.path with the right key: refused because it is writable by others.
        let lie = original.replacing("\"sys_path\": [", with: "\"sys_path\": [\"\(fixture.folder.file("extra"))\", ")
        writeFile(entry, lie, mode: 0o666)
        let (group, groupDetail) = try await fixture.probe()
        #expect(groupDetail.contains("read by running"), "\(groupDetail)")
        #expect(group.facts["python.packages.torch"] == nil)
        writeFile(entry, "{ not json", mode: 0o600)
        let (_, corruptDetail) = try await fixture.probe()
        #expect(corruptDetail.contains("read by running"), "\(corruptDetail)")
        let (_, rewrittenDetail) = try await fixture.probe()
        #expect(rewrittenDetail.contains("remembered"), "\(rewrittenDetail)")
    }
}

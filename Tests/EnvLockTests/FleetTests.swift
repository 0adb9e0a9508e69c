#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EnvLock

@Suite struct FleetLibraryTests {
    static func json(_ facts: [String: String], extra: String = "") -> String {
        let members = facts.keys.sorted().map { "\"\($0)\": \"\(facts[$0]!)\"" }.joined(separator: ", ")
        return "{\"schema\": \"envlock.snapshot/1\", \"facts\": {\(members)}\(extra)}"
    }

    static func scan(_ text: String, materializing: Bool = false) throws(FleetReadProblem) -> SnapshotScanner.Scan {
        var scanner = SnapshotScanner()
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(FleetReadProblem) -> SnapshotScanner.Scan in
            var parser = MinimalJSON.Parser(bytes: buffer)
            return try scanner.scan(&parser, materializing: materializing)
        }
    }

    @Test func onlyFactsThatChangeResultsDecideTheGroup() throws {
        let a = try Self.scan(Self.json(["torch.version": "2.2.0", "host.name": "a", "nvidia.driver": "535"]))
        let b = try Self.scan(Self.json(["torch.version": "2.2.0", "host.name": "b", "nvidia.driver": "550"]))
        let c = try Self.scan(Self.json(["torch.version": "2.1.2", "host.name": "a"]))
        #expect(a.results == b.results)
        #expect(a.results != c.results)
        #expect(a.host == "a" && b.host == "b")
    }

    @Test func theHashIgnoresFactOrderAndMatchesTheYAMLPath() throws {
        let facts = ["torch.version": "2.2.0", "gpu.0.name": "NVIDIA L4", "cudnn.runtime": "8.9.2"]
        let sorted = try Self.scan(Self.json(facts))
        let reversed = try Self.scan("{\"facts\": {\"gpu.0.name\": \"NVIDIA L4\", \"torch.version\": \"2.2.0\", \"cudnn.runtime\": \"8.9.2\"}, \"schema\": \"envlock.snapshot/1\"}")
        #expect(sorted.results == reversed.results)
        #expect(sorted.results == ResultsHash.of(facts))
        // An absent fact is a difference too.
        #expect(sorted.results != ResultsHash.of(facts.filter { $0.key != "cudnn.runtime" }))
    }

    @Test func escapedStringsHashAsTheirText() throws {
        let escaped = try Self.scan("{\"schema\": \"envlock.snapshot/1\", \"facts\": {\"torch.version\": \"2.2.0\\u002bcu121\"}}", materializing: true)
        let plain = try Self.scan(Self.json(["torch.version": "2.2.0+cu121"]))
        #expect(escaped.results == plain.results)
        #expect(escaped.facts == ["torch.version": "2.2.0+cu121"])
    }

    @Test(arguments: [
        ("{\"facts\": {}}", "missing field 'schema'"),
        ("{\"schema\": \"envlock.lock/1\", \"facts\": {}}", "is not envlock.snapshot/1"),
        ("{\"schema\": \"envlock.snapshot/1\", \"facts\": {\"a.b\": 1}}", "fact 'a.b' is not a string"),
        ("{\"schema\": \"envlock.snapshot/1\", \"extra\": {}}", "unknown field 'extra'"),
        ("{\"schema\": \"envlock.snapshot/1\", \"detectors\": []}", "missing field 'facts'"),
        ("{\"schema\": \"envlock.snapshot/1\", \"facts\": {}, \"facts\": {}}", "field 'facts' appears twice"),
        ("{\"schema\": \"envlock.snapshot/1\", \"facts\": {\"a.b\": \"c\"", "invalid JSON"),
    ])
    func brokenSnapshotsSayWhy(text: String, reason: String) {
        #expect(throws: FleetReadProblem.self) { try Self.scan(text) }
        do {
            _ = try Self.scan(text)
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test func duplicateFactsAreRefusedWhenRead() {
        #expect(throws: FleetReadProblem.self) {
            try Self.scan("{\"schema\": \"envlock.snapshot/1\", \"facts\": {\"a.b\": \"1\", \"a.b\": \"2\"}}", materializing: true)
        }
    }

    @Test func theImpactCacheAgreesWithTheCatalog() {
        var cache = KeyImpactCache()
        let keys = (0..<3000).map { "python.packages.pkg-\($0)" } + ["torch.version", "host.name", "python.packages.torch", "job.fooocus.sampler"]
        for _ in 0..<2 {
            for key in keys {
                var key = key
                let impact = key.withUTF8 { cache.impact(of: $0) }
                #expect(impact == FactCatalog.impact(of: key))
            }
        }
    }

    @Test func surveyGroupsFilesFoldersAndYAMLAndListsWhatItCannotRead() async throws {
        try await withScratchFolderAsync { folder in
            try FileFixture.write(Self.json(["torch.version": "2.2.0", "host.name": "a"]), to: folder + "/a.json")
            try FileFixture.write("schema: envlock.snapshot/1\nfacts:\n  torch.version: \"2.2.0\"\n  host.name: b\n", to: folder + "/b.yaml")
            try FileFixture.write(Self.json(["torch.version": "2.1.2", "host.name": "c"]) + "\n" + Self.json(["torch.version": "2.1.2", "host.name": "d"]), to: folder + "/cd.jsonl")
            try FileFixture.write("ignored", to: folder + "/notes.txt")
            try FileFixture.write("{\"schema\": ", to: folder + "/broken.json")
            let report = await Fleet.survey([folder, folder + "/missing.json"], threads: 2)
            #expect(report.groups.map { $0.members.map { $0.host ?? "?" } } == [["a", "b"], ["c", "d"]])
            #expect(report.groups[1].members.map(\.source) == [folder + "/cd.jsonl#1", folder + "/cd.jsonl#2"])
            #expect(report.groups[1].differences.map(\.key) == ["torch.version"])
            #expect(report.groups[0].facts == ["torch.version": "2.2.0"])
            #expect(report.unreadable.map(\.source) == [folder + "/broken.json", folder + "/missing.json"])
            #expect(!report.isConsistent)
        }
    }

    /// One file is one machine however many ways it is named: another spelling, a symbolic
    /// link, a hard link, a file and the folder that holds it, a folder named twice; a file
    /// that cannot be looked at, by its spellings. Each later name is listed, not counted.
    @Test func oneFileNamedManyWaysIsOneMachine() async throws {
        try await withScratchFolderAsync { folder in
            try FileFixture.write(Self.json(["torch.version": "2.2.0", "host.name": "a"]), to: folder + "/snaps/a.json")
            try FileFixture.write(Self.json(["torch.version": "2.2.0", "host.name": "b"]), to: folder + "/b.json")
            try FileFixture.symlink(folder + "/snaps/a.json", at: folder + "/soft.json")
            #expect(link(folder + "/b.json", folder + "/hard.json") == 0)
            let inputs = [folder + "/snaps", folder + "/snaps//a.json", folder + "/./snaps/", folder + "/soft.json", folder + "/b.json",
                          folder + "/hard.json", folder + "/missing.json", folder + "/./missing.json"]
            let report = await Fleet.survey(inputs)
            #expect(report.machineCount == 2)
            #expect(report.groups.map { $0.members.map(\.source) } == [[folder + "/snaps/a.json", folder + "/b.json"]])
            #expect(report.unreadable.map(\.source) == [folder + "/missing.json"])
            let named = report.duplicates.map { "\($0.source.dropFirst(folder.count)): \($0.detail.replacing(folder, with: ""))" }
            #expect(named == [
                "/snaps//a.json: the same file as /snaps/a.json, counted once",
                "/./snaps/: the same folder as /snaps, counted once",
                "/soft.json: the same file as /snaps/a.json, counted once",
                "/hard.json: the same file as /b.json, counted once",
                "/./missing.json: the same file as /missing.json, counted once",
            ], "\(named)")
            #expect(report.summary == "2 machines in 1 group; 1 snapshot could not be read; 5 inputs named again, counted once")
            // Named again is reported, not a failure: without the missing file the fleet is consistent.
            #expect(await Fleet.survey(Array(inputs.prefix(6))).isConsistent)
        }
    }

    @Test func aLockIsCheckedOnEveryMachine() async throws {
        try await withScratchFolderAsync { folder in
            try FileFixture.write(Self.json(["torch.version": "2.2.0", "host.name": "a", "nvidia.driver": "535.104.05"]), to: folder + "/a.json")
            try FileFixture.write(Self.json(["torch.version": "2.2.0", "host.name": "b", "nvidia.driver": "550.54.15"]), to: folder + "/b.json")
            let lock = LoadedLock(lock: Lock(profile: "p", description: nil, rules: [Rule(pattern: FactPattern("nvidia.driver")!, check: .pin)], run: RunPolicy(), facts: ["nvidia.driver": "535.104.05"], created: Timestamp(secondsSinceEpoch: 0), host: "a", expires: nil, serial: nil, signature: nil), path: "l.lock", recordedFingerprint: nil)
            let report = await Fleet.survey([folder], lock: lock)
            // One group (the driver does not change results), but machine b drifts from the lock.
            #expect(report.groups.count == 1)
            #expect(report.groups[0].members.map(\.failedKeys) == [[], ["nvidia.driver"]])
            #expect(!report.groups[0].matchesLock)
            #expect(!report.isConsistent)
        }
    }
}

import Testing

/// `envlock diff` ranked and explained, and `envlock fleet` over many snapshots, through the
/// built binary.
@Suite struct FleetTests {
    /// A snapshot document as `probe --format json` writes it, with these facts.
    static func snapshot(_ facts: [String: String]) -> String {
        let members = facts.keys.sorted().map { "    \"\($0)\": \"\(facts[$0]!)\"" }.joined(separator: ",\n")
        return "{\n  \"schema\": \"envlock.snapshot/1\",\n  \"facts\": {\n\(members)\n  },\n  \"detectors\": [\n    {\"name\": \"uname\", \"status\": \"ok\"}\n  ]\n}\n"
    }

    static let base: [String: String] = [
        "host.os.id": "debian", "host.kernel": "6.1.0", "python.version": "3.10.12",
        "torch.version": "2.2.0+cu121", "torch.cuda": "12.1", "torchvision.version": "0.17.0+cu121",
        "xformers.version": "0.0.24", "cudnn.runtime": "8.9.2.26", "nvidia.driver": "535.104.05",
        "gpu.count": "1", "gpu.0.name": "NVIDIA A30", "gpu.0.compute_capability": "8.0", "gpu.0.arch": "Ampere",
        "gpu.0.uuid": "GPU-0000", "python.packages.pillow": "10.2.0",
    ]

    static func facts(_ changes: [String: String]) -> [String: String] {
        base.merging(changes) { $1 }
    }

    @Test func diffRanksWhatChangesResultsFirstAndNamesTheArchitectures() async throws {
        let folder = TemporaryFolder()
        folder.write("a.json", Self.snapshot(Self.facts(["host.name": "worker-17", "torch.version": "2.1.2+cu118", "gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada"])))
        folder.write("b.json", Self.snapshot(Self.facts(["host.name": "worker-03"])))
        let result = try await Envlock.run(["diff", folder.file("a.json"), folder.file("b.json")])
        #expect(result.status == 1, "\(result.stderr)")
        let text = result.stdout
        #expect(text.contains("4 differences change results, 0 may, 1 has no effect"), "\(text)")
        let changes = try #require(text.firstRange(of: "[changes results]"))
        let noEffect = try #require(text.firstRange(of: "[no effect]"))
        let torch = try #require(text.firstRange(of: "~ torch.version"))
        let gpu = try #require(text.firstRange(of: "~ gpu.0.name: \"NVIDIA L4\" -> \"NVIDIA A30\""))
        #expect(changes.upperBound < torch.lowerBound && torch.lowerBound < noEffect.lowerBound)
        #expect(changes.upperBound < gpu.lowerBound && gpu.lowerBound < noEffect.lowerBound)
        #expect(text.contains("L4 is sm_89 (Ada), A30 is sm_80 (Ampere): PyTorch selects different attention and GEMM kernels"))
        #expect(text.contains("B is newer by 1 minor version"))
        // The host name is folded as no effect in text, and listed with its impact in JSON.
        #expect(!text.contains("~ host.name"))
        #expect(text.contains("host.* (1)"))
        let all = try await Envlock.run(["diff", folder.file("a.json"), folder.file("b.json"), "--all"])
        #expect(all.stdout.contains("~ host.name: \"worker-17\" -> \"worker-03\""))
        let json = try await Envlock.run(["diff", folder.file("a.json"), folder.file("b.json"), "--format", "json"])
        #expect(json.stdout.contains("\"key\": \"host.name\",\n      \"group\": \"host\",\n      \"family\": \"host\",\n      \"impact\": \"no-effect\""), "\(json.stdout)")
        #expect(json.stdout.contains("\"impact\": \"changes-results\""))
    }

    @Test func diffMarkdownIsTheSummaryThenATableOfWhatChangesResults() async throws {
        let folder = TemporaryFolder()
        folder.write("a.json", Self.snapshot(Self.facts(["torch.version": "2.1.2+cu118", "python.packages.pillow": "9.0.0"])))
        folder.write("b.json", Self.snapshot(Self.base))
        let result = try await Envlock.run(["diff", folder.file("a.json"), folder.file("b.json"), "--format", "markdown"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("**1 difference changes results, 1 may, 0 have no effect**"), "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("| `torch.version` | `2.1.2+cu118` | `2.2.0+cu121` |") })
        #expect(!lines.contains { $0.hasPrefix("| `python.packages.pillow`") })
    }

    @Test func diffReadsASnapshotOnStandardInput() async throws {
        let folder = TemporaryFolder()
        folder.write("b.json", Self.snapshot(Self.base))
        let document = Self.snapshot(Self.facts(["env.CUBLAS_WORKSPACE_CONFIG": ":4096:8"]))
        let result = try await runProgram(Envlock.binary, ["diff", "-", folder.file("b.json")], environment: Envlock.baseEnvironment(), input: document)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("--- A: standard input"))
        #expect(result.stdout.contains("- env.CUBLAS_WORKSPACE_CONFIG: \":4096:8\" (only in A)"))
        #expect(result.stdout.contains("the variable is unset"))
    }

    /// 30 machines: three software stacks (12, 10 and 8 machines) with varying host names,
    /// drivers and packages that do not change results, and one unreadable file.
    static func fixtureFleet() -> (TemporaryFolder, [String: [String]]) {
        let folder = TemporaryFolder()
        let stacks: [(count: Int, facts: [String: String])] = [
            (12, [:]),
            (10, ["torch.version": "2.1.2+cu118", "torch.cuda": "11.8"]),
            (8, ["gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada"]),
        ]
        var expected: [String: [String]] = [:]
        var machine = 0
        for (stack, spec) in stacks.enumerated() {
            for _ in 0..<spec.count {
                machine += 1
                let name = "node-\(machine < 10 ? "0" : "")\(machine)"
                var facts = Self.facts(spec.facts)
                facts["host.name"] = name
                facts["gpu.0.uuid"] = "GPU-\(machine)"
                facts["nvidia.driver"] = machine % 2 == 0 ? "535.104.05" : "550.54.15"
                if machine % 3 == 0 { facts["python.packages.rich"] = "13.7.0" }
                folder.write("\(name).json", Self.snapshot(facts))
                expected["stack\(stack)", default: []].append(name)
            }
        }
        folder.write("node-99.json", "{\"schema\": \"envlock.snapshot/1\", \"facts\": {\"torch.version\": ")
        return (folder, expected)
    }

    @Test func fleetGroupsThirtyMachinesByWhatChangesResults() async throws {
        let (folder, expected) = Self.fixtureFleet()
        let result = try await Envlock.run(["fleet", folder.path, "--format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        let groups = Self.groupsFromJSON(result.stdout)
        #expect(groups == [expected["stack0"]!, expected["stack1"]!, expected["stack2"]!], "\(result.stdout)")
        #expect(result.stdout.contains("\"source\": \"\(folder.file("node-99.json"))\""))
        let text = try await Envlock.run(["fleet", folder.path, "--all"])
        #expect(text.stdout.contains("30 machines in 3 groups; 1 snapshot could not be read"), "\(text.stdout)")
        #expect(text.stdout.contains("group 2: 10 machines"))
        #expect(text.stdout.contains("~ torch.version: \"2.2.0+cu121\" -> \"2.1.2+cu118\""))
        #expect(text.stdout.contains("L4 is sm_89 (Ada)") || text.stdout.contains("A30 is sm_80 (Ampere), L4 is sm_89 (Ada)"))
        #expect(text.stdout.contains("node-99.json: line 1: fact 'torch.version' is not a string"))
    }

    @Test func jsonLinesOnStandardInputGiveTheSameGroupsAsTheFolder() async throws {
        let (folder, expected) = Self.fixtureFleet()
        // One compact document per line, in a shuffled order, as kubectl logs would interleave pods.
        var lines: [String] = []
        for index in [5, 17, 0, 29, 11, 23, 2, 8, 14, 20, 26, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 21, 22, 24, 25, 27, 28] {
            let name = "node-\(index + 1 < 10 ? "0" : "")\(index + 1).json"
            lines.append(folder.read(name).split(separator: "\n").map { $0.trimmingPrefix(while: { $0 == " " }) }.joined())
        }
        let input = lines.joined(separator: "\n") + "\n"
        let result = try await runProgram(Envlock.binary, ["fleet", "-", "--format", "json"], environment: Envlock.baseEnvironment(), input: input)
        #expect(result.status == 1, "\(result.stderr)")
        let groups = Self.groupsFromJSON(result.stdout).map { $0.sorted() }
        #expect(groups == [expected["stack0"]!, expected["stack1"]!, expected["stack2"]!], "\(result.stdout)")
        // Pretty documents one after another (probe's own output, concatenated) read the same.
        let pretty = (1...12).map { folder.read("node-\($0 < 10 ? "0" : "")\($0).json") }.joined()
        let one = try await runProgram(Envlock.binary, ["fleet", "-"], environment: Envlock.baseEnvironment(), input: pretty)
        #expect(one.status == 0, "\(one.stdout)\(one.stderr)")
        #expect(one.stdout.contains("12 machines in 1 group"))
    }

    @Test func aLockMarksTheGroupsThatMatch() async throws {
        let (folder, _) = Self.fixtureFleet()
        folder.write("fleet.lock", """
            envlock: 1
            profile: fleet
            created: "2026-11-30T00:00:00Z"
            host: "node-01"
            rules:
              torch.version: {version: "==2.2.0+cu121"}
              gpu.0.name: {pin: true}
            facts:
              torch.version: "2.2.0+cu121"
              gpu.0.name: "NVIDIA A30"

            """)
        let result = try await Envlock.run(["fleet", folder.path, "--lock", folder.file("fleet.lock")])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("group 1: 12 machines") && result.stdout.contains("MATCHES the lock"), "\(result.stdout)")
        #expect(result.stdout.contains("1 of 3 match the lock"))
        let json = try await Envlock.run(["fleet", folder.path, "--lock", folder.file("fleet.lock"), "--format", "json"])
        let verdicts = json.stdout.split(separator: "\n").filter { $0.contains("\"lock\": \"") && !$0.contains(".lock") }
        #expect(verdicts.map { $0.trimmingPrefix(while: { $0 == " " }) } == ["\"lock\": \"match\",", "\"lock\": \"drift\",", "\"lock\": \"drift\","], "\(json.stdout)")
        // Only the matching stack: every group matches, exit 0.
        let matching = TemporaryFolder()
        for index in 1...12 { matching.write("n\(index).json", folder.read("node-\(index < 10 ? "0" : "")\(index).json")) }
        let ok = try await Envlock.run(["fleet", matching.path, "--lock", folder.file("fleet.lock")])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    }

    /// The same snapshot named twice, by another spelling or on standard input, is one
    /// machine, and the report says so; it is no reason to fail.
    @Test func oneSnapshotNamedTwiceIsCountedOnce() async throws {
        let folder = TemporaryFolder()
        folder.write("a.json", Self.snapshot(Self.facts(["host.name": "worker-01"])))
        let twice = try await Envlock.run(["fleet", folder.file("a.json"), folder.path + "/./a.json"])
        #expect(twice.status == 0, "\(twice.stdout)\(twice.stderr)")
        #expect(twice.stdout.contains("1 machine in 1 group; 1 input named again, counted once"), "\(twice.stdout)")
        #expect(twice.unwrappedStdout.contains("named again: - \(folder.path)/./a.json: the same file as \(folder.file("a.json")), counted once"), "\(twice.stdout)")
        let json = try await Envlock.run(["fleet", folder.file("a.json"), folder.path + "/./a.json", "--format", "json"])
        #expect(json.stdout.contains(#""machines": "1""#) && json.stdout.contains(#""same_as": "\#(folder.file("a.json"))""#), "\(json.stdout)")
        // The file on standard input and by name; standard input named twice.
        let redirected = try await runProgram("/bin/sh", ["-c", "exec \"$0\" fleet - \"$1\" - < \"$1\"", Envlock.binary, folder.file("a.json")], environment: Envlock.baseEnvironment())
        #expect(redirected.status == 0, "\(redirected.stdout)\(redirected.stderr)")
        #expect(redirected.stdout.contains("1 machine in 1 group; 2 inputs named again, counted once"), "\(redirected.stdout)")
        #expect(redirected.stdout.contains("\(folder.file("a.json")): the same file as standard input"), "\(redirected.stdout)")
        #expect(redirected.stdout.contains("standard input: the same input as standard input"), "\(redirected.stdout)")
    }

    @Test func nothingReadableExitsTwo() async throws {
        let folder = TemporaryFolder()
        folder.write("broken.json", "not json")
        let result = try await Envlock.run(["fleet", folder.file("broken.json"), folder.file("missing.json")])
        #expect(result.status == 2)
        #expect(result.stdout.contains("could not read:"))
        #expect(result.stdout.contains("missing.json"))
    }

    /// Each group's host names, in order, from `fleet --format json`.
    static func groupsFromJSON(_ json: String) -> [[String]] {
        var groups: [[String]] = []
        for line in json.split(separator: "\n") {
            let trimmed = line.trimmingPrefix(while: { $0 == " " })
            if trimmed.hasPrefix("\"fingerprint\"") { groups.append([]) }
            if trimmed.hasPrefix("\"host\": \""), !groups.isEmpty {
                groups[groups.count - 1].append(String(trimmed.dropFirst("\"host\": \"".count).prefix { $0 != "\"" }))
            }
        }
        return groups
    }
}

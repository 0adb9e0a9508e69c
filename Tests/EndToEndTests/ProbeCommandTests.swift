@testable import EnvLock
import Testing

@Suite struct ProbeCommandTests {
    @Test func jsonHasTheSnapshotShape() async throws {
        var environment = Envlock.baseEnvironment()
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        let result = try await Envlock.run(["probe", "--format", "json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
        #expect(snapshot.facts["env.CUBLAS_WORKSPACE_CONFIG"] == ":4096:8")
        #expect(snapshot.facts["host.os.id"] != nil)
        #expect(result.stdout.hasPrefix("{\n  \"schema\": \"envlock.snapshot/1\",\n  \"facts\": {"))
        let names = snapshot.detectors.map(\.name)
        #expect(names.contains("os-release"))
        #expect(Set(names).count == names.count)
        for report in snapshot.detectors {
            #expect(report.status == .ok || report.detail != nil, "\(report.name) is \(report.status) without a reason")
        }
    }

    @Test func hostFactsEqualWhatTheSystemToolsSay() async throws {
        let result = try await Envlock.run(["probe", "--format", "json"])
        let facts = try Snapshot.load(Array(result.stdout.utf8), path: "stdout").facts
        let environment = Envlock.baseEnvironment()
        let kernel = try await runProgram("uname", ["-r"], environment: environment)
        #expect(facts["host.kernel"] == kernel.stdout.trimmingCharacters(in: "\n"))
        let ldd = try await runProgram("ldd", ["--version"], environment: environment)
        let lddVersion = ldd.stdout.split(separator: "\n").first?.split(separator: " ").last.map(String.init)
        #expect(facts["host.glibc"] == lddVersion)
        let osRelease = try await runProgram("/bin/sh", ["-c", ". /etc/os-release && echo \"$ID $VERSION_ID\""], environment: environment)
        #expect("\(facts["host.os.id"] ?? "") \(facts["host.os.version"] ?? "")" == osRelease.stdout.trimmingCharacters(in: "\n"))
    }

    @Test func foreignRootReadsFilesThereAndSkipsLiveSources() async throws {
        let root = TemporaryFolder()
        let mkdir = try await runProgram("/bin/mkdir", ["-p", root.file("etc"), root.file("proc")], environment: Envlock.baseEnvironment())
        #expect(mkdir.status == 0)
        root.write("etc/os-release", "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n")
        root.write("proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC 7R13 Processor\nflags\t\t: fpu sse4_2 avx avx2 fma f16c\n")
        let result = try await Envlock.run(["probe", "--format", "json", "--root", root.path])
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
        #expect(snapshot.facts["host.os.id"] == "ubuntu")
        #expect(snapshot.facts["host.os.version"] == "22.04")
        #expect(snapshot.facts["host.cpu.flags"] == "avx avx2 f16c fma sse4_2")
        #expect(snapshot.facts["host.kernel"] == nil)
        #expect(snapshot.detector(named: "uname")?.status == .skipped)
        #expect(snapshot.detector(named: "glibc")?.status == .skipped)
        #expect(snapshot.detector(named: "environment")?.status == .skipped)
    }

    @Test func everyReportedFactIsDocumented() async throws {
        var environment = Envlock.baseEnvironment()
        for variable in ["CUBLAS_WORKSPACE_CONFIG", "NVIDIA_TF32_OVERRIDE", "PYTHONHASHSEED", "CUDA_VISIBLE_DEVICES"] { environment[variable] = "1" }
        let result = try await Envlock.run(["probe", "--format", "json"], environment: environment)
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
        for key in snapshot.facts.keys {
            #expect(FactCatalog.describe(key) != nil, "\(key) has no entry in FactCatalog / docs/FACTS.md")
        }
    }

    @Test func textAndMarkdownFormatsListDetectors() async throws {
        let text = try await Envlock.run(["probe"])
        #expect(text.stdout.contains("Detectors"))
        let markdown = try await Envlock.run(["probe", "--format", "markdown"])
        #expect(markdown.stdout.contains("| detector | status | detail |"))
    }

    @Test func usageErrorsExit64() async throws {
        let result = try await Envlock.run(["probe", "--format", "xml"])
        #expect(result.status == 64)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = self
        while text.last == set { text.removeLast() }
        return text
    }
}

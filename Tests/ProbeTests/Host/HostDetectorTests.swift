#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
@testable import Probe

@Suite struct OSReleaseTests {
    @Test func parsesQuotedAndEscapedValues() {
        let fields = OSReleaseDetector.parse("""
            PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
            NAME='Debian GNU/Linux'
            VERSION_ID="12"
            ID=debian
            # comment
            HOME_URL="https://www.debian.org/"
            QUOTED="a \\"b\\" c"
            """)
        #expect(fields["ID"] == "debian")
        #expect(fields["VERSION_ID"] == "12")
        #expect(fields["NAME"] == "Debian GNU/Linux")
        #expect(fields["QUOTED"] == "a \"b\" c")
    }

    @Test func readsUnderTheRootAndFallsBackToUsrLib() async throws {
        let root = try FixtureTree(["usr/lib/os-release": "ID=ubuntu\nVERSION_ID=\"22.04\"\n"])
        let outcome = await OSReleaseDetector().detect(in: root.context, earlier: [:])
        #expect(outcome == .ok(["host.os.id": "ubuntu", "host.os.version": "22.04"]))
    }

    @Test func absentWhenNeitherFileExists() async throws {
        let root = try FixtureTree([:])
        let outcome = await OSReleaseDetector().detect(in: root.context, earlier: [:])
        #expect(outcome.status == .absent)
    }
}

@Suite struct CPUInfoTests {
    @Test func keepsOnlyTheFlagsThatMatter() {
        let facts = CPUInfoDetector.parse("""
            processor\t: 0
            vendor_id\t: GenuineIntel
            model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
            flags\t\t: fpu vme sse4_1 sse4_2 avx avx2 fma f16c avx512f avx512_bf16 avx512_fp16 amx_bf16 amx_tile rdrand

            processor\t: 1
            model name\t: something else
            """)
        #expect(facts["host.cpu.model"] == "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz")
        #expect(facts["host.cpu.flags"] == "amx_bf16 amx_tile avx avx2 avx512_bf16 avx512_fp16 avx512f f16c fma sse4_1 sse4_2")
    }

    @Test func armFeatures() {
        let facts = CPUInfoDetector.parse("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp sve i8mm bf16\n")
        #expect(facts["host.cpu.flags"] == "asimd asimdhp bf16 fphp i8mm sve")
        #expect(facts["host.cpu.model"] == nil)
    }
}

@Suite struct EnvironmentDetectorTests {
    @Test func reportsOnlyTheListedVariablesThatAreSet() async {
        let context = HostContext(environment: ["CUBLAS_WORKSPACE_CONFIG": ":4096:8", "PYTHONHASHSEED": "", "HOME": "/root"], commands: NoCommands())
        let outcome = await EnvironmentDetector().detect(in: context, earlier: [:])
        #expect(outcome == .ok(["env.CUBLAS_WORKSPACE_CONFIG": ":4096:8", "env.PYTHONHASHSEED": ""]))
    }

    @Test func liveSourcesAreSkippedForAForeignRoot() async {
        let context = HostContext(root: "/tmp", environment: ["CUBLAS_WORKSPACE_CONFIG": "x"], commands: NoCommands())
        let detectors: [any Detector] = [EnvironmentDetector(), UnameDetector(), GlibcDetector()]
        let snapshot = await Prober(detectors: detectors).probe(context)
        for detector in detectors {
            #expect(snapshot.detector(named: detector.name)?.status == .skipped, "\(detector.name)")
        }
        #expect(snapshot.facts.isEmpty)
    }
}

/// A temporary folder tree used as a probe root.
struct FixtureTree {
    let root: String

    init(_ files: [String: String]) throws {
        root = try TestFiles.scratchFolder(prefix: "envlock-tree")
        for (path, text) in files {
            try TestFiles.write(Array(text.utf8), to: root + "/" + path)
        }
    }

    var context: HostContext { HostContext(root: root, environment: [:], commands: NoCommands()) }
}

@Suite struct ForeignRootTests {
    @Test func commandsLinksAndStatusAreFoundInsideTheTree() throws {
        let tree = try FixtureTree(["opt/py/bin/python3": "", "usr/lib/placeholder": ""])
        #expect(symlink("/opt/py/bin", tree.root + "/venvbin") == 0)
        #expect(symlink("../../../../../../../../opt/py", tree.root + "/usr/py") == 0)
        let context = tree.context
        #expect(context.findCommand("python3", searchPath: "/nonexistent:/venvbin", rule: .anyFile) == "/venvbin/python3")
        #expect(context.findCommand("python3", searchPath: "/nonexistent", rule: .anyFile) == nil)
        #expect(context.findCommand("py", searchPath: "/usr", rule: .anyFile) == nil, "a folder is no command")
        #expect(try context.linkTarget("/usr/py") == "../../../../../../../../opt/py")
        #expect(try context.status("/usr/py/bin/python3").isRegularFile)
        #expect(try context.status("/venvbin").isDirectory)
        #expect(throws: POSIXFailure.self) { try context.status("/usr/py/bin/missing") }
    }

    @Test func theTwoCommandRulesDifferWhereTheirDocumentationSays() throws {
        let tree = try FixtureTree(["bin/tool": ""])
        #expect(chmod(tree.root + "/bin/tool", 0o644) == 0)
        let here = HostContext(environment: [:], commands: NoCommands())
        #expect(here.findCommand("tool", searchPath: tree.root + "/bin/", rule: .anyFile) == tree.root + "/bin/tool")
        #expect(here.findCommand("tool", searchPath: tree.root + "/bin", rule: .executable) == nil, "not executable")
        #expect(here.findCommand("tool", searchPath: ":" + tree.root + "/nothing", rule: .anyFile) == nil, "an empty entry is skipped")
        #expect(chmod(tree.root + "/bin/tool", 0o755) == 0)
        #expect(here.findCommand("tool", searchPath: tree.root + "/bin", rule: .executable) == tree.root + "/bin/tool")
        #expect(SubprocessCommandRunner.resolve("tool", searchPath: tree.root + "/bin") == tree.root + "/bin/tool")
    }

    @Test func absoluteLinksInsideTheTreeStayInsideIt() async throws {
        let tree = try FixtureTree([
            "etc/alternatives/cuda-12.1/version.json": "{}",
            "usr/lib/os-release": "ID=ubuntu\nVERSION_ID=\"22.04\"\n",
        ])
        #expect(symlink("/etc/alternatives/cuda-12.1", tree.root + "/usr/local-cuda") == 0)
        #expect(symlink("../usr/lib/os-release", tree.root + "/etc/os-release") == 0)
        #expect(symlink("/../../../../etc/alternatives", tree.root + "/escape") == 0)
        let context = tree.context
        #expect(context.hostPath("/usr/local-cuda/version.json") == tree.root + "/etc/alternatives/cuda-12.1/version.json")
        #expect(context.hostPath("/escape/cuda-12.1") == tree.root + "/etc/alternatives/cuda-12.1")
        #expect(context.hostPath("/a/../../b") == tree.root + "/b")
        let outcome = await OSReleaseDetector().detect(in: context, earlier: [:])
        #expect(outcome == .ok(["host.os.id": "ubuntu", "host.os.version": "22.04"]))
    }

    @Test func linkLoopsEndAndFailWithTheSystemsError() throws {
        let tree = try FixtureTree([:])
        #expect(symlink("/b", tree.root + "/a") == 0)
        #expect(symlink("/a", tree.root + "/b") == 0)
        #expect(throws: FileReadError.self) { try tree.context.readText("/a") }
    }
}

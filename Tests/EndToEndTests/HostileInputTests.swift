#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Hostile YAML is refused quickly, with file:line:column, exit 2, no crash.
@Suite struct HostileInputTests {
    static let billionLaughs = HostileDocuments.billionLaughs

    static let valid = "envlock: 1\nname: x\nrules:\n  host.arch: {equals: \"x86_64\"}\n"

    /// (name, document, expected line:column in the message)
    static let cases: [(String, String, String)] = [
        ("billion-laughs", billionLaughs, ":1:4"),
        ("alias", "envlock: 1\nname: &n x\nrules: {}\n", ":2:7"),
        ("merge-key", "envlock: 1\nname: x\nrules:\n  <<: {host.arch: \"x\"}\n", ":4:3"),
        ("binary-tag", "envlock: 1\nname: !!binary aGVsbG8=\nrules: {}\n", ":2:7"),
        ("python-tag", "envlock: 1\nname: !!python/object:os.system x\nrules: {}\n", ":2:7"),
        ("deep", "envlock: 1\nname: x\nrules: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "\n", ":3:"),
        ("long-scalar", "envlock: 1\nname: \"" + String(repeating: "x", count: 5000) + "\"\nrules: {}\n", ":2:7"),
        ("duplicate-key", "envlock: 1\nname: x\nname: y\nrules: {}\n", ":3:1"),
        ("duplicate-1-vs-quoted", "envlock: 1\nname: x\nrules:\n  1: {equals: \"a\"}\n  \"1\": {equals: \"b\"}\n", ":5:3"),
        ("duplicate-null", "envlock: 1\nname: x\nrules:\n  ~: {equals: \"a\"}\n  null: {equals: \"b\"}\n", ":5:3"),
        ("two-documents", "envlock: 1\nname: x\nrules: {}\n---\nenvlock: 1\n", ":4:1"),
        ("yes-as-string", "envlock: 1\nname: yes\nrules: {}\n", ":2:7"),
        ("octal-as-string", "envlock: 1\nname: 012\nrules: {}\n", ":2:7"),
        ("unquoted-version", "envlock: 1\nname: x\nrules:\n  host.glibc: {version: 1.10}\n", ":4:25"),
        ("syntax-error", "envlock: 1\nname: [x\nrules: {}\n", ":"),
    ]

    @Test(arguments: cases)
    func refusedQuicklyWithPosition(name: String, document: String, position: String) async throws {
        let folder = TemporaryFolder()
        let path = folder.write("\(name).yaml", document)
        let (result, cpu) = try await Self.timedEnvlock(["lock", "--profile", path, "--output", folder.file("out.lock")])
        #expect(result.status == 2, "\(name): \(result.stderr)")
        #expect(result.stderr.contains("\(path)\(position)"), "\(name): \(result.stderr)")
        #expect(!fileExists(folder.file("out.lock")))
        #expect(cpu < 0.1, "\(name) used \(cpu) s of CPU")
    }

    /// Runs envlock under sh and returns its result and the CPU seconds (user + system) it
    /// used, as sh's `times` reports them. CPU time, unlike wall time, does not grow when the
    /// test suite runs many processes at once on a small machine.
    static func timedEnvlock(_ arguments: [String]) async throws -> (ProgramResult, Double) {
        let script = "\"$0\" \"$@\"; status=$?; times >&2; exit $status"
        var result = try await runProgram("/bin/sh", ["-c", script, Envlock.binary] + arguments, environment: Envlock.baseEnvironment())
        let lines = result.stderr.split(separator: "\n")
        guard let children = lines.last else { return (result, .infinity) }
        result.stderr = lines.dropLast(2).joined(separator: "\n")
        // "0m0.012s 0m0.004s": the children's user and system time.
        let seconds = children.split(separator: " ").map { field -> Double in
            let parts = field.dropLast().split(separator: "m")
            return parts.count == 2 ? (Double(parts[0]) ?? 0) * 60 + (Double(parts[1]) ?? 0) : .infinity
        }
        return (result, seconds.reduce(0, +))
    }

    @Test func byteLevelProblems() async throws {
        let folder = TemporaryFolder()
        let inputs: [(String, [UInt8])] = [
            ("bom", [0xEF, 0xBB, 0xBF] + Array(Self.valid.utf8)),
            ("utf16", [0xFF, 0xFE] + Array(Self.valid.utf8).flatMap { [$0, 0] }),
            ("nul", Array("envlock: 1\nname: \"a\0b\"\nrules: {}\n".utf8)),
            ("invalid-utf8", Array("envlock: 1\nname: \"".utf8) + [0xC3, 0x28] + Array("\"\nrules: {}\n".utf8)),
            ("too-large", Array(("# " + String(repeating: "x", count: 1 << 20) + "\n" + Self.valid).utf8)),
        ]
        for (name, bytes) in inputs {
            let path = folder.write("\(name).yaml", String(decoding: bytes, as: UTF8.self))
            // String(decoding:) repairs invalid UTF-8; write the raw bytes instead.
            writeBytes(path, bytes)
            let result = try await Envlock.run(["lock", "--profile", path, "--output", folder.file("out.lock")])
            #expect(result.status == 2, "\(name): \(result.stderr)")
            #expect(result.stderr.contains(path + ":"), "\(name): \(result.stderr)")
        }
    }

    @Test(arguments: [
        ("  python.packages.torch: \">=2.2,<\"\n", ":4:26", ">=2.2,<"),
        ("  torch.version: {version: \"~=2\"}\n", ":4:28", "~=2"),
        ("  torch.version: {version: \"==2.2.0 foo\"}\n", ":4:28", "==2.2.0 foo"),
    ])
    func invalidSpecifiersAreRejectedWithPositionAndText(rule: String, position: String, text: String) async throws {
        let folder = TemporaryFolder()
        let path = folder.write("profile.yaml", "envlock: 1\nname: x\nrules:\n" + rule)
        let result = try await Envlock.run(["lock", "--profile", path, "--output", folder.file("out.lock")])
        #expect(result.status == 2)
        #expect(result.stderr.contains(path + position), "\(result.stderr)")
        #expect(result.stderr.contains(text), "\(result.stderr)")
    }

    @Test func hostileLockIsRefusedByVerify() async throws {
        let folder = TemporaryFolder()
        let path = folder.write("laughs.lock", Self.billionLaughs)
        let result = try await Envlock.run(["verify", path, "--allow-unsigned"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(path):1:4"))
    }

    @Test func validProfileStillWorks() async throws {
        let folder = TemporaryFolder()
        let path = folder.write("ok.yaml", Self.valid)
        let result = try await Envlock.run(["lock", "--profile", path, "--output", folder.file("out.lock"), "--force"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}

func writeBytes(_ path: String, _ bytes: [UInt8]) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
}

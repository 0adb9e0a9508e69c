@testable import EnvLock
import Testing

/// Strings from the machine, a snapshot or a lock cannot forge, recolour or hide report lines
/// in text output, nor break the table in Markdown output.
@Suite struct UntrustedOutputTests {
    /// Values that try to forge a line, recolour, hide text or smuggle a NUL.
    static let hostile: [(String, String)] = [
        ("newline", ":4096:8\nPASS  env.NVIDIA_TF32_OVERRIDE  expected absent  found nothing"),
        ("escape", ":4096:8\u{1B}[32m PASS \u{1B}[0m"),
        ("carriage-return", "bad\rPASS  :4096:8"),
        ("backspace", "bad\u{08}\u{08}\u{08}ok"),
        ("bidi", "abc\u{202E}SSAP"),
        ("markdown", "a | b `c` <img src=x onerror=alert(1)> [l](http://x)"),
    ]

    static func hasRawControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || $0 == "\u{202E}" }
    }

    /// Every Markdown table line keeps its column count: no unescaped `|` inside a cell.
    static func tableIsIntact(_ markdown: String) -> Bool {
        var columns: Int?
        for line in markdown.split(separator: "\n") {
            guard line.hasPrefix("|") else { columns = nil; continue }
            var count = 0, escaped = false
            for character in line {
                if character == "|" && !escaped { count += 1 }
                escaped = character == "\\" && !escaped
            }
            if let columns, columns != count { return false }
            columns = count
        }
        return true
    }

    @Test(arguments: hostile)
    func environmentValuesCannotForgeVerifyLines(name: String, value: String) async throws {
        let folder = TemporaryFolder()
        let profile = folder.write("p.yaml", "envlock: 1\nname: esc\nrules:\n  env.CUBLAS_WORKSPACE_CONFIG: {one_of: [\":4096:8\"]}\n  env.NVIDIA_TF32_OVERRIDE: {absent: true}\n")
        let lock = try await Envlock.run(["lock", "--profile", profile, "--output", folder.file("l.lock"), "--force"])
        #expect(lock.status == 0, "\(lock.stderr)")
        var environment = Envlock.baseEnvironment()
        environment["CUBLAS_WORKSPACE_CONFIG"] = value
        let verify = try await Envlock.run(["verify", folder.file("l.lock"), "--allow-unsigned", "--all"], environment: environment)
        #expect(verify.status == 1, "\(name): \(verify.stdout)")
        #expect(!Self.hasRawControl(verify.stdout), "\(name): \(verify.stdout)")
        // One real PASS line (the absent rule); the forged one is inside an escaped value.
        #expect(verify.stdout.split(separator: "\n").filter { $0.hasPrefix("PASS") }.count == 1, "\(name): \(verify.stdout)")
        let markdown = try await Envlock.run(["verify", folder.file("l.lock"), "--allow-unsigned", "--all", "--format", "markdown"], environment: environment)
        #expect(Self.tableIsIntact(markdown.stdout), "\(name): \(markdown.stdout)")
        #expect(!markdown.stdout.contains(" <img"), "\(name): \(markdown.stdout)")
        #expect(!Self.hasRawControl(markdown.stdout))
        let json = try await Envlock.run(["probe", "--format", "json"], environment: environment)
        let snapshot = try Snapshot.load(Array(json.stdout.utf8), path: "stdout")
        #expect(snapshot.facts["env.CUBLAS_WORKSPACE_CONFIG"] == value, "JSON round-trips the exact value")
    }

    /// Keys and values from snapshot files reach diff's and probe's text unescaped no more
    /// (a snapshot can carry what no environment can: a NUL).
    @Test(arguments: hostile + [("nul", "a\u{0}PASS")])
    func snapshotStringsCannotForgeDiffLines(name: String, value: String) async throws {
        let folder = TemporaryFolder()
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            default: escaped += scalar.value < 0x20 || scalar.value == 0x7F ? "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16) : String(scalar)
            }
        }
        let left = folder.write("a.json", "{\"schema\": \"envlock.snapshot/1\", \"facts\": {\"python.packages.x\": \"1\", \"host.name\": \"\(escaped)\"}, \"detectors\": []}")
        let right = folder.write("b.json", "{\"schema\": \"envlock.snapshot/1\", \"facts\": {\"python.packages.x\": \"\(escaped)\"}, \"detectors\": [{\"name\": \"n\(escaped)\", \"status\": \"ok\"}]}")
        for format in ["text", "markdown"] {
            let diff = try await Envlock.run(["diff", left, right, "--format", format])
            #expect(diff.status == 1, "\(name): \(diff.stderr)")
            #expect(!Self.hasRawControl(diff.stdout), "\(name) \(format): \(diff.stdout)")
            #expect(!diff.stdout.split(separator: "\n").contains { $0.hasPrefix("PASS") }, "\(name) \(format): \(diff.stdout)")
            if format == "markdown" { #expect(Self.tableIsIntact(diff.stdout), "\(name): \(diff.stdout)") }
        }
    }
}

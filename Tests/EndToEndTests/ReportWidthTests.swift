import Testing

/// Reports fit where they are read: `$COLUMNS` counts when the report goes to a terminal
/// (verify run under script(1), which gives it a pseudo-terminal), while a pipe or a log gets
/// 100 columns whatever `$COLUMNS` says; either way text breaks at spaces and nothing is cut.
@Suite struct ReportWidthTests {
    static let why = "cuBLAS is deterministic only with a fixed workspace configuration, and this sentence is long enough to wrap twice over in sixty columns."

    @Test func columnsCountOnlyOnATerminal() async throws {
        let folder = TemporaryFolder()
        let profile = folder.write("p.yaml", "envlock: 1\nname: width\nrules:\n  env.CUBLAS_WORKSPACE_CONFIG: {one_of: [\":4096:8\"], why: \"\(Self.why)\"}\n")
        let lock = folder.file("l.lock")
        let locked = try await Envlock.run(["lock", "--profile", profile, "--output", lock, "--force"])
        #expect(locked.status == 0, "\(locked.stderr)")
        var environment = Envlock.baseEnvironment()
        environment["CUBLAS_WORKSPACE_CONFIG"] = ":0:0"
        environment["COLUMNS"] = "60"
        let piped = try await Envlock.run(["verify", lock, "--allow-unsigned"], environment: environment)
        #expect(piped.status == 1)
        let pipedLines = piped.stdout.split(separator: "\n")
        #expect(pipedLines.allSatisfy { $0.count <= 100 }, "\(piped.stdout)")
        #expect(pipedLines.contains { $0.count > 60 }, "a pipe ignores $COLUMNS: \(piped.stdout)")
        let command = [Envlock.binary, "verify", lock, "--allow-unsigned"].map { "'" + $0 + "'" }.joined(separator: " ")
        let terminal = try await runProgram("script", ["-qec", command, "/dev/null"], environment: environment, input: "")
        #expect(terminal.status == 1, "\(terminal.stdout)\(terminal.stderr)")
        // The terminal's line ends are CR LF (one Character in Swift): drop the CR bytes.
        let shown = String(decoding: terminal.stdout.utf8.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        #expect(shown.split(separator: "\n").allSatisfy { $0.count <= 60 }, "\(shown)")
        #expect(shown.split(separator: "\n").count > pipedLines.count, "\(shown)")
        // The same report, word for word, only broken at other spaces.
        #expect(shown.split(whereSeparator: \.isWhitespace) == piped.stdout.split(whereSeparator: \.isWhitespace))
        #expect(piped.unwrappedStdout.contains("why: \(Self.why)"), "\(piped.stdout)")
    }
}

import Testing
#if canImport(Glibc)
import Glibc
#endif

/// envlock started with standard input, output or error closed (`>&-`, `<&-`, a supervisor
/// that closes them) says which stream is closed, and no descriptor it opens takes their place:
/// the Swift runtime's eventfd used to become standard output, so a report failed with
/// "Invalid argument", and a file opened there would have received it.
@Suite struct ClosedStandardStreamTests {
    /// Runs envlock with `arguments` through `sh -c 'exec … REDIRECTIONS'`.
    static func run(_ arguments: [String], closing redirections: String, environment: [String: String] = Envlock.baseEnvironment()) async throws -> ProgramResult {
        try await runProgram("/bin/sh", ["-c", "exec \"$@\" \(redirections)", "sh", Envlock.binary] + arguments, environment: environment)
    }

    /// Every command that reports on standard output.
    @Test func eachReportToAClosedStandardOutputSaysSoAndExits2() async throws {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        let snapshot = try await Envlock.run(["probe", "--format", "json", "--output", folder.file("snapshot.json")], environment: environment)
        try #require(snapshot.status == 0, "\(snapshot.stderr)")
        let commands: [[String]] = [
            ["probe", "--site-packages", folder.path],
            ["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem")],
            ["diff", folder.file("snapshot.json"), folder.file("snapshot.json")],
            ["fleet", folder.file("snapshot.json")],
            ["signed-bytes", folder.file("env.lock")],
            ["require-cuda", folder.file("env.lock")],
        ]
        for command in commands {
            let result = try await Self.run(command, closing: ">&-", environment: environment)
            #expect(result.status == 2, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("cannot write to standard output: it is closed, or not open for writing; run envlock with standard output open (not >&-)"), "\(command[0]): \(result.stderr)")
            #expect(!result.stderr.contains("Invalid argument"), "\(command[0]): \(result.stderr)")
        }
    }

    @Test(arguments: [["fleet", "-"], ["diff", "-"]])
    func aClosedStandardInputIsNamed(command: [String]) async throws {
        let result = try await Self.run(command, closing: "<&-")
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("standard input: ") && (result.stdout + result.stderr).contains("closed, or not open for reading"), "\(result.stdout)\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("Invalid argument"))
    }

    /// While envlock works (hashing a model, with every file and cache it opens), descriptors
    /// 0, 1 and 2 it was started without hold its placeholder, `/` opened for no reading or
    /// writing: no file, pipe or runtime descriptor takes them.
    @Test func closedStandardDescriptorsStayReservedWhileEnvlockWorks() async throws {
        let job = try await EndingSignalTests.HashingJob()
        let command = ["/bin/sh", "-c", "exec \"$@\" <&- >&- 2>&-", "sh", Envlock.binary] + job.arguments("probe")
        let program = try BackgroundProgram(command[0], Array(command.dropFirst()), environment: job.checkout.environment)
        defer { program.stop() }
        var waited = 0
        while !BackgroundProgram.hasOpen(program.pid, job.model) {
            waited += 1
            try #require(waited < 2000, "envlock never started hashing")
            if let status = try await program.exitStatus(within: .zero) {
                Issue.record("envlock ended (\(status)) before hashing")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        for descriptor in 0...2 {
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/\(program.pid)/fd/\(descriptor)", &buffer, buffer.count - 1)
            let target = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "nothing"
            #expect(target == "/", "descriptor \(descriptor) is \(target)")
        }
    }

    /// The placeholders close on exec: the job `run` starts finds the streams closed, as a
    /// shell's `exec` would leave them.
    @Test func theJobFindsTheStreamsClosedAsAShellWouldLeaveThem() async throws {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        // No redirection in the job, which would itself open a descriptor: a marker file
        // for each of 0, 1 and 2 that it has open.
        let job = ["/bin/sh", "-c", "for d in 0 1 2; do if [ -e /proc/$$/fd/$d ]; then touch \(folder.path)/open-$d; fi; done", "sh", "--attention-pytorch"]
        let result = try await Self.run(["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--"] + job, closing: ">&- <&-", environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!fileExists(folder.file("open-0")) && !fileExists(folder.file("open-1")), "the job has standard input or output open")
        #expect(fileExists(folder.file("open-2")), "the job lost standard error")
    }
}

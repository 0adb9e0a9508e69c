import Testing

/// A job started by `envlock run` gets the signal state a shell would give it, so that
/// `docker stop`, Kubernetes and `scancel` can end it (envlock is often PID 1).
@Suite struct RunSignalTests {
    /// (signal, the exit status a shell reports for a process it ended)
    static let signals: [(String, Int32)] = [("TERM", 143), ("INT", 130), ("HUP", 129), ("QUIT", 131), ("USR1", 138), ("PIPE", 141), ("ALRM", 142)]

    @Test(arguments: signals)
    func jobDiesOfTheSignalItIsSent(signal: String, status: Int32) async throws {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        // sh cannot undo a signal it was started with ignored, so it dies only if envlock
        // left the signal at its default action and unblocked.
        let run = try await Envlock.run(
            ["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--", "/bin/sh", "-c", "kill -\(signal) $$; echo survived", "sh", "--attention-pytorch"],
            environment: environment)
        #expect(run.status == status, "SIG\(signal): \(run.stdout)\(run.stderr)")
        #expect(!run.stdout.contains("survived"))
    }

    @Test func jobStartsWithNothingBlockedCaughtOrIgnoredButWhatWasInherited() async throws {
        try await Self.expectShellSignalState(pid1: false)
    }

    /// As PID 1 of a pid namespace too, although envlock catches SIGTERM, SIGINT and SIGHUP
    /// until the exec: the job catches nothing it did not ask to (exec resets caught signals).
    @Test(.enabled(if: EndingSignalTests.namespaceProblem == nil, "\(EndingSignalTests.namespaceProblem ?? "")"))
    func asPID1TheJobStartsWithTheSameSignalState() async throws {
        try await Self.expectShellSignalState(pid1: true)
    }

    static func expectShellSignalState(pid1: Bool) async throws {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        let status = "exec grep -E '^(Sig(Blk|Ign|Cgt)|NSpid):' /proc/self/status"
        // What a shell started the same way would have: nothing blocked, and ignored only
        // what this test process itself passes on.
        let direct = try await runProgram("/bin/sh", ["-c", status], environment: environment)
        let namespace = pid1 ? ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"] : []
        let run = try await runProgram(
            (namespace + [Envlock.binary])[0],
            Array((namespace + [Envlock.binary]).dropFirst()) + ["run", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--", "/bin/sh", "-c", status, "sh", "--attention-pytorch"],
            environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("SigBlk:\t0000000000000000\n"))
        // grep catches SIGSEGV itself (stack overflow detection), started either way.
        let caught = { (status: String) in status.split(separator: "\n").first { $0.hasPrefix("SigCgt:") } }
        #expect(caught(run.stdout) != nil && caught(run.stdout) == caught(direct.stdout), "\(run.stdout) vs \(direct.stdout)")
        #expect(Self.ignoredSignals(run.stdout) == Self.ignoredSignals(direct.stdout), "\(run.stdout) vs \(direct.stdout)")
        let namespacePID = run.stdout.split(separator: "\n").first { $0.hasPrefix("NSpid:") }?.split(separator: "\t").last
        #expect(pid1 ? namespacePID == "1" : namespacePID != "1", "\(run.stdout)")
    }

    /// The SigIgn mask without signals 32 and 33, which glibc keeps for itself in every
    /// process (no program can use or change them) and sets up differently per process.
    static func ignoredSignals(_ status: String) -> UInt64? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
              let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingPrefix { $0 == "\t" || $0 == " " }, radix: 16)
        else { return nil }
        return mask & ~(UInt64(0b11) << 31)
    }

    /// `nohup envlock run …` keeps the job immune to hangups, as `nohup sh -c 'exec job'` would.
    @Test func signalsIgnoredByEnvlocksParentStayIgnored() async throws {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        let script = "trap '' HUP; exec \"$0\" run \"$1\" --trust \"$2\" -- /bin/sh -c 'kill -HUP $$; echo survived' sh --attention-pytorch"
        let run = try await runProgram("/bin/sh", ["-c", script, Envlock.binary, folder.file("env.lock"), folder.file("key.pub.pem")], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "survived\n")
    }
}

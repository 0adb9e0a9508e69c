import Testing
@testable import Probe
import EnvLock
#if canImport(Glibc)
import Glibc
#endif

// The real command runner, on /bin/sh scripts and the fake nvidia-smi of Tests/Fakes.

private let shellPath = ["PATH": "/usr/bin:/bin"]

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Test func runnerCapturesOutputAndStatus() async {
    let outcome = await SubprocessCommandRunner().run("sh", arguments: ["-c", "echo out; echo err >&2; exit 3"], environment: shellPath, timeout: .seconds(10))
    guard case .exited(let status, let stdout, let stderr, let truncated) = outcome else {
        Issue.record("unexpected \(outcome)")
        return
    }
    #expect(status == 3)
    #expect(text(stdout) == "out\n")
    #expect(text(stderr) == "err\n")
    #expect(!truncated)
}

@Test func runnerLooksUpCommandsOnTheGivenPathAndPassesOnlyTheGivenEnvironment() async {
    let outcome = await SubprocessCommandRunner().run("nvidia-smi", arguments: ["--query-gpu=name"], environment: ["PATH": GPUFakes.nvidiaSMIRoot + "/l4:/usr/bin:/bin", "ENVLOCK_MARK": "1"], timeout: .seconds(10))
    guard case .exited(0, let stdout, _, _) = outcome else {
        Issue.record("unexpected \(outcome)")
        return
    }
    #expect(text(stdout).contains("NVIDIA L4"))

    let environment = await SubprocessCommandRunner().run("sh", arguments: ["-c", "env"], environment: ["PATH": "/usr/bin:/bin", "ENVLOCK_MARK": "1"], timeout: .seconds(10))
    guard case .exited(0, let printed, _, _) = environment else {
        Issue.record("unexpected \(environment)")
        return
    }
    let names = Set(text(printed).split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
    #expect(names.isSuperset(of: ["PATH", "ENVLOCK_MARK"]))
    #expect(!names.contains("HOME"))
}

@Test func runnerReportsACommandMissingFromPath() async {
    let outcome = await SubprocessCommandRunner().run("nvidia-smi", arguments: [], environment: ["PATH": "/nonexistent-envlock"], timeout: .seconds(10))
    #expect(outcome == .notFound(command: "nvidia-smi"))
}

@Test func runnerReportsAFileThatCannotBeExecuted() async throws {
    let tree = try GPUTestTree()
    try tree.write("/bin/tool", "not executable")
    let outcome = await SubprocessCommandRunner().run(tree.root + "/bin/tool", arguments: [], environment: shellPath, timeout: .seconds(10))
    guard case .failedToStart = outcome else {
        Issue.record("unexpected \(outcome)")
        return
    }
}

@Test func runnerKillsAHangingCommandThatIgnoresSIGTERMAtTheDeadline() async {
    let clock = ContinuousClock()
    let started = clock.now
    let outcome = await SubprocessCommandRunner().run("nvidia-smi", arguments: [], environment: ["PATH": GPUFakes.nvidiaSMIRoot + "/hang:/usr/bin:/bin"], timeout: .milliseconds(500))
    let elapsed = clock.now - started
    #expect(outcome == .timedOut(after: .milliseconds(500)))
    // About 0.6 s on an idle machine (the deadline plus the kill); the bound leaves room for a
    // loaded test machine and still proves nothing waited for the 60 s sleep.
    #expect(elapsed < .seconds(10), "took \(elapsed)")
    #expect(elapsed >= .milliseconds(500))
}

/// The deadline is kept by the timer the runner is given (the process's `ProbeTimer` unless a
/// test gives its own), not by a sleeping task.
@Test func runnerKeepsTheDeadlineOnTheTimerItIsGiven() async {
    let clock = ContinuousClock()
    let started = clock.now
    let runner = SubprocessCommandRunner(timer: ProbeTimer())
    let outcome = await runner.run("sh", arguments: ["-c", "sleep 60"], environment: shellPath, timeout: .milliseconds(200))
    #expect(outcome == .timedOut(after: .milliseconds(200)))
    #expect(clock.now - started < .seconds(10)) // the command sleeps 60 s
    #expect(clock.now - started >= .milliseconds(200))
}

@Test func runnerKillsTheCommandsChildrenToo() async throws {
    // The shell's background sleep keeps stdout open; only a kill of the group ends it.
    let tree = try GPUTestTree()
    let pids = tree.root + "/pids"
    let clock = ContinuousClock()
    let started = clock.now
    let script = "echo $$ > '\(pids)'; sleep 60 & echo $! >> '\(pids)'; wait"
    let outcome = await SubprocessCommandRunner().run("sh", arguments: ["-c", script], environment: shellPath, timeout: .milliseconds(300))
    #expect(outcome == .timedOut(after: .milliseconds(300)))
    #expect(clock.now - started < .seconds(10)) // the sleep would take 60 s
    let written = String(decoding: try FileSystem.readBytes(pids), as: UTF8.self)
    let processes = written.split(separator: "\n").compactMap { pid_t($0) }
    #expect(processes.count == 2)
    // Both the shell and its sleep are gone (allow a moment for the reaping).
    var alive = processes
    for _ in 0..<50 where !alive.isEmpty {
        alive = alive.filter { kill($0, 0) == 0 && !isZombie($0) }
        if !alive.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
    }
    #expect(alive.isEmpty, "still running: \(alive)")
}

/// Whether `pid` has exited but not been reaped yet (its parent may be slow to wait).
private func isZombie(_ pid: pid_t) -> Bool {
    guard let stat = try? FileSystem.readBytes("/proc/\(pid)/stat") else { return false }
    let text = String(decoding: stat, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return false }
    return text[text.index(after: close)...].trimmingWhitespace().hasPrefix("Z")
}

@Test func runnerCutsHugeOutputAndSaysSo() async {
    let outcome = await SubprocessCommandRunner(outputLimit: 1 << 20).run("sh", arguments: ["-c", "head -c 3000000 /dev/zero; echo done >&2"], environment: shellPath, timeout: .seconds(20))
    guard case .exited(0, let stdout, let stderr, let truncated) = outcome else {
        Issue.record("unexpected \(outcome)")
        return
    }
    #expect(stdout.count == 1 << 20)
    #expect(truncated)
    #expect(text(stderr) == "done\n")
}

@Test func runnerGivesWayToCancellation() async {
    let clock = ContinuousClock()
    let started = clock.now
    let task = Task {
        await SubprocessCommandRunner().run("sh", arguments: ["-c", "sleep 60"], environment: shellPath, timeout: .seconds(60))
    }
    try? await Task.sleep(for: .milliseconds(200))
    task.cancel()
    let outcome = await task.value
    guard case .timedOut = outcome else {
        Issue.record("unexpected \(outcome)")
        return
    }
    #expect(clock.now - started < .seconds(10)) // the command sleeps 60 s
}

@Test func runnerResolvesNamesLikeTheShell() {
    #expect(SubprocessCommandRunner.resolve("sh", searchPath: "/nonexistent:/bin:/usr/bin") == "/bin/sh")
    #expect(SubprocessCommandRunner.resolve("/bin/sh", searchPath: nil) == "/bin/sh")
    #expect(SubprocessCommandRunner.resolve("bin", searchPath: "/") == nil) // a folder is not a command
}

@Test func blockingCallReturnsTheValueOrTimesOut() async throws {
    #expect(try await BlockingCall.run(timeout: .seconds(5)) { 42 } == 42)
    await #expect(throws: BlockingCallError.timedOut(after: .milliseconds(100))) {
        try await BlockingCall.run(timeout: .milliseconds(100)) { () -> Int in
            sleep(30) // far beyond the deadline even when a loaded machine delays the timer
            return 1
        }
    }
}

import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A program left running while the test probes or signals it; killed by `stop`.
final class BackgroundProgram: Sendable {
    let pid: pid_t
    /// The write end of its standard input, held open so that a read of it waits (or -1).
    private let input: Int32
    private let reaped = Atomic<Bool>(false)

    /// Starts `program` with exactly `environment`, standard output to /dev/null, standard
    /// error to `errorFile` (else the test's own), and, with `holdInputOpen`, standard input
    /// from a pipe that stays open until `stop`.
    init(_ program: String, _ arguments: [String], environment: [String: String], holdInputOpen: Bool = false, errorFile: String? = nil) throws {
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if holdInputOpen {
            try #require(pipe(&pipeEnds) == 0, "pipe: \(String(cString: strerror(errno)))")
            // Only the program's standard input may be the pipe: a copy of the write end in it
            // would keep the pipe open.
            for end in pipeEnds { try #require(fcntl(end, F_SETFD, FD_CLOEXEC) == 0) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        if let errorFile { posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, nil, argv, envp)
        if holdInputOpen { close(pipeEnds[0]) }
        try #require(status == 0, "posix_spawn \(program): \(String(cString: strerror(status)))")
        self.pid = pid
        input = pipeEnds[1]
    }

    /// Waits (at most 20 s) until `/proc/PID/maps` names every one of `names`.
    func waitUntilMapped(_ names: [String]) async throws {
        for _ in 0..<400 {
            let maps = readFile("/proc/\(pid)/maps")
            if names.allSatisfy({ maps.contains($0) }) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw ProcessGone(pid: pid, status: status) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessGone(pid: pid, status: -1)
    }

    /// How the program ended: its status as a shell reports it (128 + n for a death by signal
    /// n), and whether a signal killed it.
    struct Ending: Equatable {
        var status: Int32
        var bySignal: Bool
    }

    /// Waits at most `limit` for the program to end; how it ended, or nil if it still runs.
    func ending(within limit: Duration) async throws -> Ending? {
        let deadline = ContinuousClock.now + limit
        while true {
            if let ending = try endingIfEnded() { return ending }
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// `ending(within:)` without leaving this thread: for a test that times how fast the
    /// program ends, which a task sleeping on Swift's shared pool would measure late while
    /// other tests of the suite hold every thread of that pool.
    func endingTimedOnThisThread(within limit: Duration) throws -> Ending? {
        let deadline = ContinuousClock.now + limit
        while true {
            if let ending = try endingIfEnded() { return ending }
            if ContinuousClock.now >= deadline { return nil }
            usleep(2000)
        }
    }

    /// How the program ended, reaping it, or nil while it runs.
    private func endingIfEnded() throws -> Ending? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        try #require(result >= 0, "waitpid \(pid): \(String(cString: strerror(errno)))")
        guard result == pid else { return nil }
        reaped.store(true, ordering: .relaxed)
        let signal = status & 0x7f
        return signal == 0 ? Ending(status: (status >> 8) & 0xff, bySignal: false) : Ending(status: 128 + signal, bySignal: true)
    }

    /// `ending(within:)`'s status alone.
    func exitStatus(within limit: Duration) async throws -> Int32? {
        try await ending(within: limit)?.status
    }

    /// The only child of this program (`unshare --fork`'s command), once it has one.
    func onlyChild() async throws -> pid_t {
        for _ in 0..<1000 {
            let children = try listFolder("/proc").compactMap(pid_t.init).filter { Self.parent(of: $0) == pid }
            if children.count == 1 { return children[0] }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ProcessGone(pid: pid, status: -1)
    }

    /// The parent in `/proc/PID/stat`: the fourth field, counted after the name's closing
    /// parenthesis (a name may hold spaces and parentheses).
    static func parent(of pid: pid_t) -> pid_t? {
        let stat = readFile("/proc/\(pid)/stat")
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// Whether process `pid` has `path` open (a link in `/proc/PID/fd/` names it).
    static func hasOpen(_ pid: pid_t, _ path: String) -> Bool {
        let folder = "/proc/\(pid)/fd"
        // A process already gone has no open files: the caller notices that it ended.
        for name in (try? listFolder(folder)) ?? [] {
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink(folder + "/" + name, &buffer, buffer.count - 1)
            if count > 0, String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) == path { return true }
        }
        return false
    }

    func stop() {
        if input >= 0 { close(input) }
        guard !reaped.load(ordering: .relaxed) else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    struct ProcessGone: Error, CustomStringConvertible {
        var pid: pid_t
        var status: Int32
        var description: String { status < 0 ? "process \(pid) did not reach the expected state within 20 s" : "process \(pid) ended (status \(status)) before reaching the expected state" }
    }
}

import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Until it execs the job, envlock ends promptly on SIGTERM, SIGINT and SIGHUP with 128 + n,
/// whatever it is doing, also as PID 1 of a pid namespace (a container's entrypoint), where
/// the kernel drops every signal a process has no handler for: `docker stop` during the hash
/// of an 8 GB model waited for its SIGKILL. A model hashed half-way leaves no cache entry.
///
/// PID 1 is made with `unshare --pid --fork --mount-proc`, which needs root (or a user
/// namespace); where it cannot run, these tests say so and are skipped.
@Suite(.serialized) struct EndingSignalTests {
    /// Why no pid namespace can be made here, or nil.
    static let namespaceProblem: String? = {
        guard access("/usr/bin/unshare", X_OK) == 0 else { return "no /usr/bin/unshare to start envlock as PID 1 of a pid namespace" }
        var pid: pid_t = 0
        let words: [String] = ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/true"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/usr/bin/unshare", nil, nil, argv, environ) == 0 else { return "unshare cannot be started" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0 ? nil : "unshare --pid --fork --mount-proc is not permitted here (status \(status)): envlock cannot be made PID 1"
    }()

    /// Far more than the 4 ms envlock takes; far less than hashing the model would.
    static let bound: Duration = .seconds(3)

    static let signals: [String: Int32] = ["TERM": SIGTERM, "INT": SIGINT, "HUP": SIGHUP]

    /// A Fooocus checkout whose base model is a sparse 256 GiB file: hashing it takes minutes
    /// (SHA-256 runs at a few GB/s), so envlock is surely still hashing when the signal comes.
    /// `run` and `verify` get a lock made while the model was small.
    struct HashingJob {
        let checkout: FooocusCheckout
        let lock: String
        /// The cache entries before the signal: those of the small model the lock was made with.
        let cachedBefore: [String]
        var model: String { checkout.root + "/models/checkpoints/base.safetensors" }
        var cacheFolder: String { checkout.folder.file("cache/envlock/sha256") }

        init() async throws {
            checkout = try FooocusCheckout()
            lock = try await checkout.lock()
            cachedBefore = try listFolder(checkout.folder.file("cache/envlock/sha256"))
            // Made beside it and renamed over it, so it cannot take the small file's inode
            // number (and cache entry name) when that is freed.
            let big = checkout.root + "/models/checkpoints/.big"
            let descriptor = open(big, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            try #require(ftruncate(descriptor, 256 << 30) == 0, "a sparse 256 GiB file: \(String(cString: strerror(errno)))")
            try #require(rename(big, checkout.root + "/models/checkpoints/base.safetensors") == 0)
        }

        func arguments(_ command: String) -> [String] {
            switch command {
            case "probe": ["probe", "--"] + checkout.command()
            case "lock": ["lock", "--profile", checkout.folder.file("profile.yaml"), "--output", checkout.folder.file("again.lock"), "--"] + checkout.command()
            case "verify": ["verify", lock, "--allow-unsigned", "--"] + checkout.command()
            default: ["run", lock, "--allow-unsigned", "--"] + checkout.command()
            }
        }

        /// The cache holds nothing about the big model (no entry for its device and inode) and
        /// no temporary file of a write cut short.
        func expectNoPartialCacheEntry(sourceLocation: SourceLocation = #_sourceLocation) throws {
            var info = stat()
            try #require(stat(model, &info) == 0)
            // The lock made before the model grew wrote the folder.
            let names = try listFolder(cacheFolder)
            #expect(names == cachedBefore, "the cache changed", sourceLocation: sourceLocation)
            #expect(!names.contains("\(info.st_dev)-\(info.st_ino)"), "an entry for the model cut short: \(names)", sourceLocation: sourceLocation)
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "a temporary file left: \(names)", sourceLocation: sourceLocation)
        }
    }

    /// Starts envlock with `arguments` (as PID 1 when `pid1`), waits until `ready` says it is
    /// busy, sends `signal` and returns the status and how long envlock took to end.
    static func signalWhileBusy(_ arguments: [String], pid1: Bool, signal: Int32, environment: [String: String], holdInputOpen: Bool = false, ready: @escaping (pid_t) -> Bool) async throws -> (ending: BackgroundProgram.Ending?, took: Duration, stderr: String) {
        let errors = TemporaryFolder().file("stderr")
        let namespace = pid1 ? ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"] : []
        let command = namespace + [Envlock.binary] + arguments
        let program = try BackgroundProgram(command[0], Array(command.dropFirst()), environment: environment, holdInputOpen: holdInputOpen, errorFile: errors)
        defer { program.stop() }
        // unshare waits for envlock and ends as it does: a signal death is passed on as the same
        // signal, an exit as the same status.
        let envlock = pid1 ? try await program.onlyChild() : program.pid
        if pid1 {
            let status = readFile("/proc/\(envlock)/status")
            try #require(status.split(separator: "\n").first { $0.hasPrefix("NSpid:") }?.hasSuffix("\t1") == true, "envlock is not PID 1 of its namespace:\n\(status)")
        }
        var waited = 0
        while !ready(envlock) {
            waited += 1
            try #require(waited < 2000, "envlock never got busy: \(readFile(errors))")
            if let early = try await program.ending(within: .zero) {
                Issue.record("envlock ended (\(early)) before the signal: \(readFile(errors))")
                return (early, .zero, readFile(errors))
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let sent = ContinuousClock.now
        try #require(kill(envlock, signal) == 0)
        let ending = try program.endingTimedOnThisThread(within: bound)
        return (ending, ContinuousClock.now - sent, readFile(errors))
    }

    @Test(.enabled(if: namespaceProblem == nil, "\(namespaceProblem ?? "")"), arguments: [
        ("run", "TERM"), ("run", "INT"), ("run", "HUP"), ("probe", "TERM"), ("lock", "INT"), ("verify", "HUP"),
    ])
    func asPID1HashingEndsWithTheSignalsStatusAndNoCacheEntry(command: String, signal: String) async throws {
        try await Self.expectHashingEnds(command, signal, pid1: true)
    }

    @Test(arguments: [("run", "TERM"), ("verify", "INT"), ("probe", "HUP")])
    func asAnOrdinaryProcessHashingDiesOfTheSignal(command: String, signal: String) async throws {
        try await Self.expectHashingEnds(command, signal, pid1: false)
    }

    /// `command` hashing the big model gets `signal`: it ends within the bound with 128 + n,
    /// caches nothing and starts no job. As an ordinary process it dies of the signal itself,
    /// as the default action would, so a shell running it in a loop sees the interrupt; as PID 1,
    /// which cannot die of a signal it sends itself, it exits with that status.
    static func expectHashingEnds(_ command: String, _ signal: String, pid1: Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let job = try await HashingJob()
        let number = try #require(Self.signals[signal])
        let ended = try await Self.signalWhileBusy(job.arguments(command), pid1: pid1, signal: number, environment: job.checkout.environment) {
            BackgroundProgram.hasOpen($0, job.model)
        }
        #expect(ended.ending == BackgroundProgram.Ending(status: 128 + number, bySignal: !pid1),
                "\(command) SIG\(signal)\(pid1 ? " as PID 1" : ""): nil is still running after \(Self.bound); \(ended.stderr)", sourceLocation: sourceLocation)
        #expect(ended.took < Self.bound, sourceLocation: sourceLocation)
        try job.expectNoPartialCacheEntry(sourceLocation: sourceLocation)
        #expect(!fileExists(job.checkout.marker), "the job started", sourceLocation: sourceLocation)
    }

    /// Not only the job gate: a command waiting for its input (`fleet -` on a pipe nobody
    /// writes) ends too.
    @Test(.enabled(if: namespaceProblem == nil, "\(namespaceProblem ?? "")"), arguments: ["TERM", "INT", "HUP"])
    func asPID1AWaitingFleetEnds(signal: String) async throws {
        let number = try #require(Self.signals[signal])
        let ended = try await Self.signalWhileBusy(["fleet", "-"], pid1: true, signal: number, environment: Envlock.baseEnvironment(), holdInputOpen: true) { pid in
            // One of its threads waits in read(2) (system call 0 on x86_64, 63 on arm64) on
            // descriptor 0, its standard input.
            // A process already gone has no threads: the caller notices that it ended.
            ((try? listFolder("/proc/\(pid)/task")) ?? []).contains { thread in
                let call = readFile("/proc/\(pid)/task/\(thread)/syscall")
                return call.hasPrefix("0 0x0 ") || call.hasPrefix("63 0x0 ")
            }
        }
        #expect(ended.ending?.status == 128 + number, "fleet - SIG\(signal) as PID 1: \(ended.stderr)")
    }

    /// A signal envlock's parent started it with ignored stays ignored, as a shell leaves it
    /// (`nohup`): SIGHUP does not end it, SIGTERM still does.
    @Test(.enabled(if: namespaceProblem == nil, "\(namespaceProblem ?? "")"))
    func anInheritedIgnoreStaysIgnoredAsPID1() async throws {
        let job = try await HashingJob()
        let errors = TemporaryFolder().file("stderr")
        let script = "trap '' HUP; exec /usr/bin/unshare --pid --fork --mount-proc \"$@\""
        let program = try BackgroundProgram("/bin/sh", ["-c", script, "sh", Envlock.binary] + job.arguments("run"), environment: job.checkout.environment, errorFile: errors)
        defer { program.stop() }
        let envlock = try await program.onlyChild()
        var waited = 0
        while !BackgroundProgram.hasOpen(envlock, job.model) {
            waited += 1
            try #require(waited < 2000, "envlock never got busy: \(readFile(errors))")
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(kill(envlock, SIGHUP) == 0)
        #expect(try await program.exitStatus(within: .milliseconds(300)) == nil, "SIGHUP ended envlock: \(readFile(errors))")
        try #require(kill(envlock, SIGTERM) == 0)
        #expect(try await program.exitStatus(within: Self.bound) == 143, "\(readFile(errors))")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Subprocess
import EnvLock
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs commands with swift-subprocess, under a hard deadline.
///
/// The command is looked up on `PATH` from the given environment (not the probe's own) and
/// runs with exactly that environment, in a process group of its own. When the deadline
/// passes, the whole group gets SIGKILL, which no child can ignore, so shell wrappers and
/// their children go too. Should even that not end it (a process stuck in the kernel on a
/// sick GPU cannot die until the kernel lets go), `run` returns `.timedOut` a short grace
/// period later anyway and leaves the process to be reaped in the background.
///
/// Standard output and error are kept up to `outputLimit` bytes each; the rest is read and
/// dropped (so the command never blocks on a full pipe) and the outcome says `truncated`.
struct SubprocessCommandRunner: CommandRunner {
    /// The most bytes kept from each of standard output and standard error.
    var outputLimit: Int
    /// How long after the deadline `run` returns even if the killed process has not ended.
    var killGrace: Duration
    /// The clock that keeps the deadline: the process's `ProbeTimer`, or a test's own.
    let timer: ProbeTimer

    /// A runner keeping at most `outputLimit` bytes of each stream (1 MiB by default).
    init(outputLimit: Int = 1 << 20, killGrace: Duration = .milliseconds(100)) {
        self.init(outputLimit: outputLimit, killGrace: killGrace, timer: .shared)
    }

    init(outputLimit: Int = 1 << 20, killGrace: Duration = .milliseconds(100), timer: ProbeTimer) {
        self.outputLimit = outputLimit
        self.killGrace = killGrace
        self.timer = timer
    }

    /// Runs `command` with exactly `environment`; returns at most `killGrace` after `timeout`.
    public func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
        guard let executable = Self.resolve(command, searchPath: environment["PATH"]) else {
            return .notFound(command: command)
        }
        let started = ContinuousClock.now
        let first = FirstResult<CommandOutcome>()
        let process = ProcessSlot()
        // On the timer's thread rather than a sleeping task, as every deadline in envlock: the
        // kill must come on time even when Swift's shared pool is busy. A command whose
        // deadline nothing could keep is not started.
        guard let kill = timer.schedule(at: started + timeout, { process.killAtDeadline() }) else {
            return .failedToStart(reason: "\(executable): no thread could be started to keep its deadline")
        }
        guard let giveUp = timer.schedule(at: started + timeout + killGrace, { first.resolve(.timedOut(after: timeout)) }) else {
            timer.cancel(kill)
            return .failedToStart(reason: "\(executable): no thread could be started to keep its deadline")
        }
        let limit = outputLimit
        let work = Task {
            first.resolve(await Self.execute(executable, arguments, environment, limit, timeout, process))
        }
        let outcome = await withTaskCancellationHandler {
            await first.value()
        } onCancel: {
            process.killAtDeadline()
            work.cancel()
            first.resolve(.timedOut(after: ContinuousClock.now - started))
        }
        timer.cancel(kill)
        timer.cancel(giveUp)
        return outcome
    }

    /// The executable `command` names on this machine, by `CommandSearch`'s rules; nil when
    /// there is none. `searchPath` nil is the C library's default.
    static func resolve(_ command: String, searchPath: String?) -> String? {
        CommandSearch.find(command, searchPath: searchPath, rule: .executable, exists: { FileSystem.exists($0) }, isFolder: { FileSystem.isDirectory($0) }, isExecutable: { FileSystem.isExecutable($0) })
    }

    /// What was read from one output stream.
    private struct Captured: Sendable {
        var bytes: [UInt8] = []
        var truncated = false
    }

    private static func execute(_ executable: String, _ arguments: [String], _ environment: [String: String], _ limit: Int, _ timeout: Duration, _ process: ProcessSlot) async -> CommandOutcome {
        var keyed: [Environment.Key: String] = [:]
        for (key, value) in environment { keyed[Environment.Key(stringLiteral: key)] = value }
        var options = PlatformOptions()
        // A group of its own, so that the deadline's kill reaches the command's children too.
        options.processGroupID = 0
        let result: ExecutionResult<(Captured, Captured), SequenceOutput, SequenceOutput>
        do {
            result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: .custom(keyed),
                platformOptions: options,
                input: .none,
                output: .sequence,
                error: .sequence
            ) { execution in
                process.started(execution.processIdentifier.value)
                async let output = drain(execution.standardOutput, limit: limit)
                async let error = drain(execution.standardError, limit: limit)
                return await (output, error)
            }
        } catch {
            process.finished()
            return .failedToStart(reason: "\(executable): \(error)")
        }
        if process.finished() { return .timedOut(after: timeout) }
        let (output, error) = result.closureResult
        switch result.terminationStatus {
        case .exited(let status):
            return .exited(status: status, stdout: output.bytes, stderr: error.bytes, truncated: output.truncated || error.truncated)
        case .signaled(let signal):
            return .signaled(signal: signal)
        }
    }

    /// Reads a stream to its end, keeping the first `limit` bytes. A read error ends the
    /// capture early, and the output is then marked truncated, since it is incomplete.
    private static func drain(_ stream: SubprocessOutputSequence, limit: Int) async -> Captured {
        var captured = Captured()
        do {
            for try await buffer in stream {
                let room = limit - captured.bytes.count
                if room < buffer.count { captured.truncated = true }
                if room > 0 {
                    buffer.withUnsafeBytes { captured.bytes.append(contentsOf: $0.prefix(room)) }
                }
            }
        } catch {
            captured.truncated = true
        }
        return captured
    }
}

/// How a command name becomes a program: the one lookup behind running a command
/// (`SubprocessCommandRunner`) and finding one in a probed tree (`HostContext.findCommand`).
///
/// - A name with a slash names itself; it is found when something exists there.
/// - A bare name is looked for in each folder of `searchPath` in order; the first candidate
///   the rule accepts wins.
/// - `searchPath` nil (PATH unset) is `defaultSearchPath`, as `execvp` does.
enum CommandSearch {
    /// The folders searched when PATH is unset.
    static let defaultSearchPath = "/usr/bin:/bin"

    /// Which candidates count.
    public enum Rule: Sendable, Equatable {
        /// What `execvp` and `shutil.which` find: a file this user may execute, not a folder;
        /// an empty PATH entry is the current folder.
        case executable
        /// What the Python detectors have always taken for an interpreter on PATH: any file
        /// that is not a folder (whether it can run is for running it to tell); empty PATH
        /// entries are skipped, so a probe never depends on the folder envlock started in; the
        /// candidate is joined as `os.path.join` joins (`/usr/bin/` + `python3` is
        /// `/usr/bin/python3`), since it becomes the `python.executable` fact.
        case anyFile
    }

    /// `command` found by `rule`; `exists` and `isFolder` and `isExecutable` ask the
    /// filesystem being searched (this machine's, or a tree under `--root`).
    static func find(_ command: String, searchPath: String?, rule: Rule, exists: (String) -> Bool, isFolder: (String) -> Bool, isExecutable: (String) -> Bool) -> String? {
        if command.contains("/") {
            return exists(command) ? command : nil
        }
        for folder in (searchPath ?? defaultSearchPath).split(separator: ":", omittingEmptySubsequences: false) {
            if folder.isEmpty && rule == .anyFile { continue }
            let candidate = rule == .anyFile ? PythonPath.join(String(folder), command) : (folder.isEmpty ? "." : String(folder)) + "/" + command
            let accepted = switch rule {
            case .executable: isExecutable(candidate) && !isFolder(candidate)
            case .anyFile: exists(candidate) && !isFolder(candidate)
            }
            if accepted { return candidate }
        }
        return nil
    }
}

/// The running command's process group, shared by the run and its deadline so that the
/// deadline kills only a process that has not been reaped yet (whose id is still its own).
private final class ProcessSlot: Sendable {
    private struct State {
        var processGroup: pid_t?
        var deadlinePassed = false
        var done = false
    }

    private let state = Mutex(State())

    /// Records the started command; kills it at once if the deadline passed during the spawn.
    func started(_ pid: pid_t) {
        state.withLock { state in
            state.processGroup = pid
            if state.deadlinePassed { Self.killGroup(pid) }
        }
    }

    /// Sends SIGKILL to the whole group if the command still runs.
    func killAtDeadline() {
        state.withLock { state in
            guard !state.done, !state.deadlinePassed else { return }
            state.deadlinePassed = true
            if let group = state.processGroup { Self.killGroup(group) }
        }
    }

    private static func killGroup(_ group: pid_t) {
        // ESRCH for the group means the command never became a group leader (Subprocess
        // falls back to the parent's group in rare set-ups): kill the process alone then.
        if kill(-group, SIGKILL) != 0 { _ = kill(group, SIGKILL) }
    }

    /// Marks the command reaped; returns whether the deadline killed it.
    @discardableResult
    func finished() -> Bool {
        state.withLock { state in
            state.done = true
            return state.deadlinePassed
        }
    }
}

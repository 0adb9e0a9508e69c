#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// Replacing this process with the job, so the job keeps the pid, signals and exit code.
enum Exec {
    static func replaceProcess(with command: [String]) throws -> Never {
        restoreShellSignalState()
        let arguments = command.map { strdup($0) } + [nil]
        execvp(command[0], arguments)
        let code = errno
        printError("envlock: cannot run \(UntrustedText.terminal(command[0])): \(String(cString: strerror(code)))")
        // 127 and 126 are what shells return for a missing and an unexecutable command.
        exit(code == ENOENT ? 127 : 126)
    }

    /// Ends envlock with `status` (what a command read by `DirectCommandLine` returns; the others
    /// exit through ArgumentParser).
    static func exitProcess(_ status: Int32) -> Never {
        exit(status)
    }

    /// The signals envlock's own parent started it with ignored (`nohup` ignores SIGHUP),
    /// read before any runtime code could change a disposition. A shell's `exec` passes such
    /// signals on ignored, and so does `run`.
    /// An array, not a Set: a handful of signals at most, and a `Set<Int32>`, the first of its
    /// type, made every command start with a search through all of the binary's protocol
    /// conformances for `Int32: Hashable` (a tenth of a millisecond).
    nonisolated(unsafe) private static var inheritedIgnored: [Int32] = []

    /// The signals that stop a container, a Slurm job or a terminal session: until the exec,
    /// each ends envlock at once (`endOnSignal`), with the status of a process it killed.
    static let endingSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// The ending signals envlock handles itself: those its parent did not start it with ignored.
    nonisolated(unsafe) private static var handled: [Int32] = []

    /// Call first thing in `main`.
    static func recordInheritedSignalState() {
        var ignored: [Int32] = []
        for signal in changeableSignals() {
            var current = sigaction()
            if sigaction(signal, nil, &current) == 0,
               unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                ignored.append(signal)
            }
        }
        inheritedIgnored = ignored
    }

    /// Makes SIGTERM, SIGINT and SIGHUP end envlock promptly, whatever it is doing (hashing a
    /// model, waiting for an interpreter), until it execs the job. Call right after
    /// `recordInheritedSignalState`.
    ///
    /// The default action would do it for most processes, but not for PID 1 of a pid namespace
    /// (a container's entrypoint, `unshare --pid`): the kernel drops every signal for which
    /// such a process has no handler, so `docker stop` waited for its SIGKILL. A signal its
    /// parent started it with ignored stays ignored, as it would for a shell.
    static func endPromptlyOnSignals() {
        PendingFiles.prepare()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in Exec.endOnSignal(signal) }
        // One ending at a time: a second signal must not interrupt the first handler.
        sigemptyset(&action.sa_mask)
        for signal in endingSignals { sigaddset(&action.sa_mask, signal) }
        action.sa_flags = SA_RESTART
        handled = endingSignals.filter { !inheritedIgnored.contains($0) }
        // sigaction fails only for a signal that cannot be caught; these three can.
        for signal in handled { sigaction(signal, &action, nil) }
    }

    /// The handler: removes the temporary files envlock is writing, then dies of `signal` as
    /// the default action would, so a shell or `waitpid` sees the signal. PID 1 of a pid
    /// namespace cannot die of a signal it sends itself; it exits with 128 + the signal's
    /// number instead, the status a shell reports for such a death and what `docker stop`
    /// shows. Only async-signal-safe calls: another thread may hold any lock.
    private static func endOnSignal(_ signal: Int32) {
        PendingFiles.shared.removeAllBeforeExit()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = SIG_DFL
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
        var this = sigset_t()
        sigemptyset(&this)
        sigaddset(&this, signal)
        pthread_sigmask(SIG_UNBLOCK, &this, nil)
        raise(signal)
        _exit(128 + signal)
    }

    /// Gives the job the signal state a shell gives a command it starts: nothing blocked,
    /// every signal at its default action except those envlock itself was started with
    /// ignored.
    ///
    /// The ending signals keep envlock's handler up to the exec, which resets a handled signal
    /// to its default action: one that arrives before the job starts still ends envlock, with
    /// no moment at which PID 1 would drop it.
    ///
    /// exec keeps the calling thread's blocked set and every ignored signal. envlock reaches
    /// exec from a Swift concurrency thread whose runtime blocks most signals, so without
    /// this the job (often PID 1 in a container) would not see SIGTERM, SIGINT or SIGHUP and
    /// `docker stop`, Kubernetes and `scancel` could end it only with SIGKILL.
    static func restoreShellSignalState() {
        for signal in changeableSignals() where !handled.contains(signal) {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = inheritedIgnored.contains(signal) ? SIG_IGN : SIG_DFL
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
        var nothingBlocked = sigset_t()
        sigemptyset(&nothingBlocked)
        pthread_sigmask(SIG_SETMASK, &nothingBlocked, nil)
    }

    /// Every signal but SIGKILL and SIGSTOP, which cannot be caught or ignored. glibc keeps
    /// two real-time signals for itself and refuses sigaction on them with EINVAL; they are
    /// never ignored by envlock.
    private static func changeableSignals() -> [Int32] {
        (1...__libc_current_sigrtmax()).filter { $0 != SIGKILL && $0 != SIGSTOP }
    }
}

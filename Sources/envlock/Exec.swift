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

    /// Gives the job the signal state a shell gives a command it starts: nothing blocked,
    /// every signal at its default action except those envlock itself was started with
    /// ignored.
    ///
    /// exec keeps the calling thread's blocked set and every ignored signal. envlock reaches
    /// exec from a Swift concurrency thread whose runtime blocks most signals, so without
    /// this the job (often PID 1 in a container) would not see SIGTERM, SIGINT or SIGHUP and
    /// `docker stop`, Kubernetes and `scancel` could end it only with SIGKILL.
    static func restoreShellSignalState() {
        for signal in changeableSignals() {
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

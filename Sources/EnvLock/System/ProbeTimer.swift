/// Runs actions at their time on one thread of its own: the one clock for every deadline in
/// envlock. It ends dependency waits and the probe's deadline (`OutcomeBoard`), looks for
/// detector work stuck behind a call that does not return (`DetectorThreads`), and ends
/// blocking calls (`BlockingCall`) and commands (`SubprocessCommandRunner`) that overrun.
///
/// A POSIX thread rather than `Task.sleep`: an action must run on time even when Swift's shared
/// pool is busy or blocked. One thread serves every action, started with the first and ended
/// when none is left, instead of one sleeping thread per wait.
package final class ProbeTimer: Sendable {
    /// The process's timer: every probe, blocking call, command and site-packages read shares
    /// its one thread (which ends whenever no action is left). Tests make timers of their own.
    package static let shared = ProbeTimer()

    /// An action's handle, to cancel it.
    package struct Token: Hashable, Sendable {
        fileprivate let id: Int
    }

    private struct Entry: Sendable {
        var time: ContinuousClock.Instant
        var action: @Sendable () -> Void
    }

    private struct State: Sendable {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        /// Whether the thread runs (or is being started).
        var running = false
    }

    /// Signalled when an action is added or cancelled, to wake the thread.
    private let lock = ConditionLock(State())

    package init() {}

    /// Runs `action` on the timer's thread at `time`, or returns nil when no thread can be
    /// started for it (the caller decides what "never on time" means for it).
    package func schedule(at time: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> Token? {
        let (id, start) = lock.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(time: time, action: action)
            let start = !state.running
            state.running = true
            return (id, start)
        }
        lock.signal()
        if start && !startThread() {
            // No thread: every action scheduled meanwhile would wait forever. Run the others
            // now (early rather than never) and let the caller handle its own.
            let stranded = lock.withLock { state in
                state.entries[id] = nil
                let stranded = state.entries.values.sorted { $0.time < $1.time }
                state.entries = [:]
                state.running = false
                return stranded
            }
            for entry in stranded { entry.action() }
            return nil
        }
        return Token(id: id)
    }

    /// Drops an action that has not run yet; its thread ends when no action is left.
    package func cancel(_ token: Token) {
        let removed = lock.withLock { state in state.entries.removeValue(forKey: token.id) != nil }
        if removed { lock.signal() }
    }

    private func startThread() -> Bool {
        DetachedThread.start { [self] in runActions() } == 0
    }

    /// The timer thread: runs each action whose time has come; returns when none is left.
    private func runActions() {
        while true {
            let due: [Entry]? = lock.withLock(waiting: { state in
                let current = ContinuousClock.now
                let due = state.entries.filter { $0.value.time <= current }
                if !due.isEmpty {
                    for id in due.keys { state.entries[id] = nil }
                    return .done(due.values.sorted { $0.time < $1.time })
                }
                guard let earliest = state.entries.values.map(\.time).min() else {
                    state.running = false
                    return .done(nil)
                }
                return .waitUntil(earliest)
            })
            guard let due else { return }
            // In time order, outside the lock: an action may schedule or cancel others.
            for entry in due { entry.action() }
        }
    }
}

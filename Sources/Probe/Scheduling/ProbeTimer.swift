#if canImport(Glibc)
import Glibc
#endif

/// Runs actions at their time on one thread of its own, for everything a probe must do on time:
/// ending dependency waits and the probe's deadline (`OutcomeBoard`), and looking for detector
/// work stuck behind a call that does not return (`DetectorThreads`).
///
/// A lock and a POSIX thread rather than `Task.sleep`: an action must run on time even when
/// Swift's shared pool is busy or blocked. One thread serves every action, started with the
/// first and ended when none is left, instead of one sleeping thread per wait.
final class ProbeTimer: @unchecked Sendable {
    /// The process's timer: every probe, blocking call and site-packages read shares its one
    /// thread (which ends whenever no action is left). Tests make timers of their own.
    static let shared = ProbeTimer()

    /// An action's handle, to cancel it.
    struct Token: Hashable, Sendable {
        fileprivate let id: Int
    }

    private struct Entry {
        var time: ContinuousClock.Instant
        var action: @Sendable () -> Void
    }

    // Guarded by `mutex`; `changed` wakes the thread when an action is added or cancelled.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var entries: [Int: Entry] = [:]
    private var nextID = 0
    private var running = false

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(changed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    /// Runs `action` on the timer's thread at `time`, or returns nil when no thread can be
    /// started for it (the caller decides what "never on time" means for it).
    func schedule(at time: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> Token? {
        pthread_mutex_lock(mutex)
        let id = nextID
        nextID += 1
        entries[id] = Entry(time: time, action: action)
        let start = !running
        running = true
        pthread_cond_signal(changed)
        pthread_mutex_unlock(mutex)
        if start && !startThread() {
            // No thread: every action scheduled meanwhile would wait forever. Run the others
            // now (early rather than never) and let the caller handle its own.
            pthread_mutex_lock(mutex)
            entries[id] = nil
            let stranded = entries.values.sorted { $0.time < $1.time }
            entries = [:]
            running = false
            pthread_mutex_unlock(mutex)
            for entry in stranded { entry.action() }
            return nil
        }
        return Token(id: id)
    }

    /// Drops an action that has not run yet; its thread ends when no action is left.
    func cancel(_ token: Token) {
        pthread_mutex_lock(mutex)
        if entries.removeValue(forKey: token.id) != nil { pthread_cond_signal(changed) }
        pthread_mutex_unlock(mutex)
    }

    private func startThread() -> Bool {
        DetachedThread.start { [self] in runActions() } == 0
    }

    /// The timer thread: runs each action whose time has come; returns when none is left.
    private func runActions() {
        pthread_mutex_lock(mutex)
        while true {
            let current = ContinuousClock.now
            let due = entries.filter { $0.value.time <= current }
            if !due.isEmpty {
                for id in due.keys { entries[id] = nil }
                pthread_mutex_unlock(mutex)
                // In time order, outside the lock: an action may schedule or cancel others.
                for entry in due.values.sorted(by: { $0.time < $1.time }) { entry.action() }
                pthread_mutex_lock(mutex)
                continue
            }
            guard let earliest = entries.values.map(\.time).min() else {
                running = false
                pthread_mutex_unlock(mutex)
                return
            }
            var wake = timespec()
            clock_gettime(CLOCK_MONOTONIC, &wake)
            let (seconds, attoseconds) = (earliest - current).components
            let nanoseconds = wake.tv_nsec + Int(attoseconds / 1_000_000_000)
            wake.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
            wake.tv_nsec = nanoseconds % 1_000_000_000
            pthread_cond_timedwait(changed, mutex, &wake)
        }
    }
}

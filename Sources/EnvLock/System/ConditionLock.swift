#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// State behind a lock that a thread can also sleep on until another thread changes the state
/// or a time comes: the one POSIX mutex and condition variable in envlock.
///
/// Everywhere else state is guarded by `Synchronization.Mutex`, which cannot wait: the probe's
/// timer thread (`ProbeTimer`) sleeps until its next action and envlock's own threads
/// (`DetectorThreads`) until a job is queued, and each must let go of the lock while it sleeps
/// so that other threads can change what it waits for. The state is reached only through
/// `withLock`, so no access to it spans a sleep.
package final class ConditionLock<State: Sendable>: @unchecked Sendable {
    // @unchecked: `state` is read and written only with `mutex` held, which the compiler
    // cannot see through the pointers; the pointers themselves never change.

    /// What a waiting thread decided, having looked at the state under the lock.
    package enum Step<Result> {
        /// Done waiting: `withLock(waiting:)` returns `Result`.
        case done(Result)
        /// Sleep until `signal` or `broadcast`, then look again.
        case waitForSignal
        /// Sleep until then (or a signal), then look again.
        case waitUntil(ContinuousClock.Instant)
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let state = UnsafeMutablePointer<State>.allocate(capacity: 1)

    package init(_ initial: State) {
        state.initialize(to: initial)
        pthread_mutex_init(mutex, nil)
        // Timed waits on the monotonic clock, so that setting the wall clock moves no deadline.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(changed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        state.deinitialize(count: 1)
        state.deallocate()
        changed.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` on the state with the lock held.
    package func withLock<Result>(_ body: (inout State) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state.pointee)
    }

    /// Runs `step` on the state with the lock held, again after each sleep it asks for (the
    /// lock is let go while the thread sleeps), until it is done.
    package func withLock<Result>(waiting step: (inout State) -> Step<Result>) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            switch step(&state.pointee) {
            case .done(let result):
                return result
            case .waitForSignal:
                pthread_cond_wait(changed, mutex)
            case .waitUntil(let time):
                // ContinuousClock need not be CLOCK_MONOTONIC (it is CLOCK_BOOTTIME on Linux):
                // the time left is added to the condition variable's clock.
                let left = time - ContinuousClock.now
                guard left > .zero else { continue }
                var wake = timespec()
                clock_gettime(CLOCK_MONOTONIC, &wake)
                let (seconds, attoseconds) = left.components
                let nanoseconds = wake.tv_nsec + Int(attoseconds / 1_000_000_000)
                wake.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
                wake.tv_nsec = nanoseconds % 1_000_000_000
                pthread_cond_timedwait(changed, mutex, &wake)
            }
        }
    }

    /// Wakes one sleeping thread to look at the state again. Call after changing the state
    /// (with the lock held or not): a thread that has not slept yet sees the change itself.
    package func signal() {
        pthread_cond_signal(changed)
    }

    /// Wakes every sleeping thread to look at the state again.
    package func broadcast() {
        pthread_cond_broadcast(changed)
    }
}

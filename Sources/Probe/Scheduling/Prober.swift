import EnvLock
#if canImport(Glibc)
import Glibc
#endif

/// Runs detectors concurrently under one deadline and merges their findings into a snapshot
/// (`FactMergePolicy` decides which source wins).
///
/// Each detector that may block runs on a thread of its own (`DetectorThread`), so one blocked
/// in a system call cannot delay the others or the deadline; those that only look at memory
/// (`mayBlock` false) run on the probing task. Detectors start at once unless they name
/// `dependencies`; those start when their
/// dependencies finish, or after `dependencyWait` (or the detector's own) if one hangs (a
/// sick GPU can hang NVML), and then see only the outcomes that arrived. When `deadline` passes, every detector that
/// has not finished is reported `failed` with the time it was given, and the probe returns:
/// a broken machine still gets a report.
public struct Prober: Sendable {
    public var detectors: [any Detector]
    public var deadline: Duration
    public var dependencyWait: Duration

    public init(detectors: [any Detector] = Detectors.all, deadline: Duration = .seconds(5), dependencyWait: Duration = .milliseconds(1500)) {
        self.detectors = detectors
        self.deadline = deadline
        self.dependencyWait = dependencyWait
    }

    /// Probes through `context` and returns the merged snapshot.
    public func probe(_ context: HostContext) async -> Snapshot {
        var timed = context
        timed.probeDeadline = ContinuousClock.now + deadline
        let context = timed
        let board = OutcomeBoard()
        var inMemory: [any Detector] = []
        for detector in detectors {
            if detector.dependencies.isEmpty && !detector.mayBlock(in: context) {
                inMemory.append(detector)
                continue
            }
            let dependencies = Set(detector.dependencies)
            let wait = detector.dependencyWait ?? dependencyWait
            let thread = DetectorThread()
            Task(executorPreference: thread) {
                if !dependencies.isEmpty { await board.wait(for: dependencies, timeout: wait) }
                let earlier = board.outcomes(named: dependencies)
                let outcome = await detector.detect(in: context, earlier: earlier)
                board.record(detector.name, outcome)
                thread.finish()
            }
        }
        // After every thread has started, so that these never delay a detector that reads.
        for detector in inMemory {
            board.record(detector.name, await detector.detect(in: context, earlier: [:]))
        }
        await board.wait(for: Set(detectors.map(\.name)), timeout: deadline)
        let outcomes = board.outcomes(named: Set(detectors.map(\.name)))
        let reports = detectors.map { detector in
            (detector, outcomes[detector.name] ?? .failed("did not finish within \(Self.seconds(deadline)); the probe went on without it"))
        }
        return FactMergePolicy.merge(reports)
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = attoseconds / 100_000_000_000_000_000
        return tenths == 0 ? "\(seconds) s" : "\(seconds).\(tenths) s"
    }
}

/// Where detector tasks leave their outcomes and wait for each other.
///
/// A lock rather than an actor, and one timer thread of its own rather than tasks: a wait must
/// end on time even when Swift's shared pool is busy, and resuming a continuation needs no pool
/// thread (the waiting task goes back to its own detector thread). One thread serves every wait
/// of a probe (the dependents' and the deadline), started with the first wait that cannot be
/// answered at once and ended when no wait is left, instead of one sleeping thread per wait.
final class OutcomeBoard: @unchecked Sendable {
    private struct Waiter {
        var names: Set<String>
        var until: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, Never>
    }

    // Guarded by `mutex`; `changed` wakes the timer thread when a wait is added or answered.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var finished: [String: DetectorOutcome] = [:]
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    private var timerRunning = false

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

    func record(_ name: String, _ outcome: DetectorOutcome) {
        pthread_mutex_lock(mutex)
        finished[name] = outcome
        let ready = waiters.filter { $0.value.names.isSubset(of: finished.keys) }
        for id in ready.keys { waiters[id] = nil }
        if !ready.isEmpty { pthread_cond_signal(changed) }
        pthread_mutex_unlock(mutex)
        for waiter in ready.values { waiter.continuation.resume() }
    }

    func outcomes(named names: Set<String>) -> [String: DetectorOutcome] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return finished.filter { names.contains($0.key) }
    }

    /// Returns when every name has an outcome or `timeout` has passed, whichever is first.
    func wait(for names: Set<String>, timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pthread_mutex_lock(mutex)
            if names.isSubset(of: finished.keys) {
                pthread_mutex_unlock(mutex)
                continuation.resume()
                return
            }
            waiters[nextWaiter] = Waiter(names: names, until: .now + timeout, continuation: continuation)
            nextWaiter += 1
            let startTimer = !timerRunning
            timerRunning = true
            pthread_cond_signal(changed)
            pthread_mutex_unlock(mutex)
            if startTimer { startTimerThread() }
        }
    }

    private func startTimerThread() {
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            Unmanaged<OutcomeBoard>.fromOpaque(argument!).takeRetainedValue().expireWaits()
            return nil
        }, retained)
        if created == 0 {
            pthread_detach(thread)
        } else {
            // No thread: end the waits at once rather than never; a wait that ends early only
            // means a fallback starts sooner or the probe reports what it has.
            Unmanaged<OutcomeBoard>.fromOpaque(retained).takeRetainedValue().expireWaits(now: true)
        }
    }

    /// The timer thread: ends each wait whose time has come; returns when none is left.
    private func expireWaits(now: Bool = false) {
        pthread_mutex_lock(mutex)
        while true {
            let current = ContinuousClock.now
            let expired = waiters.filter { now || $0.value.until <= current }
            for id in expired.keys { waiters[id] = nil }
            if !expired.isEmpty {
                pthread_mutex_unlock(mutex)
                for waiter in expired.values { waiter.continuation.resume() }
                pthread_mutex_lock(mutex)
                continue
            }
            guard let earliest = waiters.values.map(\.until).min() else {
                timerRunning = false
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

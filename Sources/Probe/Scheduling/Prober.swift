import EnvLock
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs detectors concurrently under one deadline and merges their findings into a snapshot
/// (`FactMergePolicy` decides which source wins).
///
/// Each detector runs on a thread of its own (`DetectorThread`), so one blocked in a system
/// call cannot delay the others or the deadline. Detectors start at once unless they name
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
        for detector in detectors {
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
/// A lock rather than an actor, and timers on threads of their own rather than tasks: a wait
/// must end on time even when Swift's shared pool is busy, and resuming a continuation needs
/// no pool thread (the waiting task goes back to its own detector thread).
final class OutcomeBoard: Sendable {
    private struct State {
        var finished: [String: DetectorOutcome] = [:]
        var waiters: [Int: (names: Set<String>, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    func record(_ name: String, _ outcome: DetectorOutcome) {
        let ready = state.withLock { state in
            state.finished[name] = outcome
            let ready = state.waiters.filter { $0.value.names.isSubset(of: state.finished.keys) }
            for id in ready.keys { state.waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    func outcomes(named names: Set<String>) -> [String: DetectorOutcome] {
        state.withLock { $0.finished.filter { names.contains($0.key) } }
    }

    /// Returns when every name has an outcome or `timeout` has passed, whichever is first.
    func wait(for names: Set<String>, timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: Int? = state.withLock { state in
                if names.isSubset(of: state.finished.keys) { return nil }
                let id = state.nextWaiter
                state.nextWaiter += 1
                state.waiters[id] = (names, continuation)
                return id
            }
            guard let id else {
                continuation.resume()
                return
            }
            TimerThread.after(timeout) { [self] in expire(id) }
        }
    }

    private func expire(_ id: Int) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
    }
}

/// Runs a closure after a delay on a short-lived thread of its own.
enum TimerThread {
    private final class Job: @unchecked Sendable {
        let delay: Duration
        let action: @Sendable () -> Void
        init(delay: Duration, action: @escaping @Sendable () -> Void) {
            self.delay = delay
            self.action = action
        }
    }

    static func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(delay: delay, action: action)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let job = Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue()
            let (seconds, attoseconds) = job.delay.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
            job.action()
            return nil
        }, job)
        if created == 0 {
            pthread_detach(thread)
        } else {
            // No thread: act at once rather than never; a wait that ends early only means a
            // fallback starts sooner.
            Unmanaged<Job>.fromOpaque(job).takeRetainedValue().action()
        }
    }
}

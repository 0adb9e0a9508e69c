import EnvLock
import Synchronization

/// Runs detectors concurrently under one deadline and merges their findings into a snapshot
/// (`FactMergePolicy` decides which source wins).
///
/// Each detector that may block runs on envlock's own threads (`DetectorThreads`), where one
/// blocked in a system call cannot delay the others or the deadline; those that only look at
/// memory (`mayBlock` false) run on the probing task. Detectors start at once unless they name
/// `dependencies`; those start when their
/// dependencies finish, or after `dependencyWait` (or the detector's own) if one hangs (a
/// sick GPU can hang NVML), and then see only the outcomes that arrived. When `deadline` passes, every detector that
/// has not finished is reported `failed` with the time it was given, and the probe returns:
/// a broken machine still gets a report. Without a deadline (`nil`) the probe waits for every
/// detector: the job's facts, whose first hash of a 7 GB checkpoint takes what it takes.
struct Prober: Sendable {
    public var detectors: [any Detector]
    var deadline: Duration?
    var dependencyWait: Duration

    init(detectors: [any Detector] = Detectors.all, deadline: Duration? = .seconds(5), dependencyWait: Duration = .milliseconds(1500)) {
        self.detectors = detectors
        self.deadline = deadline
        self.dependencyWait = dependencyWait
    }

    /// Probes through `context` and returns the merged snapshot.
    ///
    /// Under a foreign root, a detector that reads the running machine is skipped without
    /// being asked, and the others get `context.confinedToRoot()`, which runs no program and
    /// loads no library: what a detector may do there is decided here, once.
    func probe(_ context: HostContext) async -> Snapshot {
        var timed = context.confinedToRoot()
        timed.probeDeadline = deadline.map { ContinuousClock.now + $0 }
        let context = timed
        let timer = ProbeTimer.shared
        let board = OutcomeBoard(timer: timer)
        var runnable: [any Detector] = []
        for detector in detectors {
            if context.isForeignRoot, case .runningMachine(let reason) = detector.source(in: context) {
                board.record(detector.name, .skipped("--root \(context.root): \(reason)"))
            } else {
                runnable.append(detector)
            }
        }
        let threads = DetectorThreads(timer: timer)
        var inMemory: [any Detector] = []
        // Detectors that others wait for start first: on a few threads, the longest chain
        // (python, then site-packages reading every METADATA) would otherwise wait behind the
        // quick detectors listed before it. The merge keeps the order of `detectors`.
        let awaited = Set(runnable.flatMap(\.dependencies))
        for detector in runnable.filter({ awaited.contains($0.name) }) + runnable.filter({ !awaited.contains($0.name) }) {
            if detector.dependencies.isEmpty && !detector.mayBlock(in: context) {
                inMemory.append(detector)
                continue
            }
            let dependencies = Set(detector.dependencies)
            let wait = detector.dependencyWait ?? dependencyWait
            DetectorThreads.$current.withValue(threads) {
                Task(executorPreference: threads) {
                    if !dependencies.isEmpty { await board.wait(for: dependencies, timeout: wait) }
                    let earlier = board.outcomes(named: dependencies)
                    let outcome = await detector.detect(in: context, earlier: earlier)
                    board.record(detector.name, outcome)
                }
            }
        }
        // After every thread has started, so that these never delay a detector that reads.
        for detector in inMemory {
            board.record(detector.name, await detector.detect(in: context, earlier: [:]))
        }
        await board.wait(for: Set(detectors.map(\.name)), timeout: deadline)
        threads.finish()
        let outcomes = board.outcomes(named: Set(detectors.map(\.name)))
        let reports = detectors.map { detector in
            // Only a probe with a deadline returns before every detector has finished.
            (detector, outcomes[detector.name] ?? .failed("did not finish within \(deadline.map(Self.seconds) ?? "the probe"); the probe went on without it"))
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
/// A lock rather than an actor, and the probe's `ProbeTimer` rather than tasks: a wait must end
/// on time even when Swift's shared pool is busy, and resuming a continuation needs no pool
/// thread (the waiting task goes back to the detector threads).
final class OutcomeBoard: Sendable {
    private struct Waiter {
        var names: Set<String>
        var continuation: CheckedContinuation<Void, Never>
        var expiry: ProbeTimer.Token?
    }

    private struct State {
        var finished: [String: DetectorOutcome] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let timer: ProbeTimer
    private let state = Mutex(State())

    init(timer: ProbeTimer) {
        self.timer = timer
    }

    func record(_ name: String, _ outcome: DetectorOutcome) {
        let ready = state.withLock { state in
            state.finished[name] = outcome
            let ready = state.waiters.filter { $0.value.names.isSubset(of: state.finished.keys) }
            for id in ready.keys { state.waiters[id] = nil }
            return Array(ready.values)
        }
        for waiter in ready {
            if let expiry = waiter.expiry { timer.cancel(expiry) }
            waiter.continuation.resume()
        }
    }

    func outcomes(named names: Set<String>) -> [String: DetectorOutcome] {
        state.withLock { state in state.finished.filter { names.contains($0.key) } }
    }

    /// Returns when every name has an outcome or `timeout` has passed, whichever is first;
    /// without a timeout, when every name has an outcome.
    func wait(for names: Set<String>, timeout: Duration?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: Int? = state.withLock { state in
                if names.isSubset(of: state.finished.keys) { return nil }
                let id = state.nextWaiter
                state.nextWaiter += 1
                state.waiters[id] = Waiter(names: names, continuation: continuation)
                return id
            }
            guard let id else {
                continuation.resume()
                return
            }
            guard let timeout else { return }
            let expiry = timer.schedule(at: .now + timeout) { [self] in expire(id) }
            let stillWaiting = state.withLock { state in
                state.waiters[id]?.expiry = expiry
                return state.waiters[id] != nil
            }
            // Answered meanwhile: nothing left for the timer to end.
            if !stillWaiting, let expiry { timer.cancel(expiry) }
            // No timer thread: end the wait at once rather than never; a wait that ends early
            // only means a fallback starts sooner or the probe reports what it has.
            if expiry == nil { expire(id) }
        }
    }

    private func expire(_ id: Int) {
        let waiter = state.withLock { state in state.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume()
    }
}

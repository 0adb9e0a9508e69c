/// Runs detectors' work on a few threads of envlock's own, and starts another whenever work
/// waits behind a call that has not returned for `patience`.
///
/// Detectors read files, open directories and call into driver libraries synchronously. On a
/// sick machine (a hung NFS mount on sys.path, a FIFO where a file should be) such a call never
/// returns. On Swift's shared pool, as many hung detectors as the machine has cores would leave
/// no thread for the probe's own deadline. Here a blocked call holds only its own thread: once
/// it has run for `patience`, it no longer counts among the `workers` threads that serve the
/// queue, and the next check (on the probe's `ProbeTimer`) starts a thread in its place. The
/// probe then reports the blocked detector `failed` at its deadline, and the others on time.
///
/// A thread per detector would do the same without checks, but on a machine with nothing to
/// find, starting and ending 25 threads cost more than all the detectors' reading (BENCHMARKS.md,
/// "Verify outside a venv"): most detectors finish in microseconds, one after another on a
/// few threads.
///
/// Without `patience` the pool never grows past `workers`: `BlockingJobs` outside a probe.
package final class DetectorThreads: TaskExecutor {
    /// The threads of the probe the current task belongs to, where a detector's blocking calls
    /// go (`BlockingCall`, `BlockingJobs`); nil outside a probe.
    @TaskLocal package static var current: DetectorThreads?

    /// How many threads serve the queue while none is stuck.
    package let workers: Int
    /// How long a job may run before its thread no longer counts as serving the queue; nil for
    /// a pool of `workers` threads that never grows.
    package let patience: Duration?
    private let timer: ProbeTimer

    private struct Worker: Sendable {
        /// When it started its current job (or was started); nil while it waits for one.
        var busySince: ContinuousClock.Instant?
    }

    private struct State: Sendable {
        var queue: [UnownedJob] = []
        var queueStart = 0
        /// The pool's threads by number.
        var threads: [Int: Worker] = [:]
        var started = 0
        /// Whether a check is scheduled, and its token (to cancel it when the probe is done).
        var checkPending = false
        var check: ProbeTimer.Token?
        var finished = false

        var waiting: Int { queue.count - queueStart }

        /// The oldest waiting job.
        mutating func takeJob() -> UnownedJob {
            let job = queue[queueStart]
            queueStart += 1
            if queueStart == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueStart = 0
            }
            return job
        }
    }

    /// Signalled (broadcast) when jobs are queued or the pool finishes, to wake idle threads.
    private let lock = ConditionLock(State())

    package init(workers: Int = 2, patience: Duration? = .milliseconds(3), timer: ProbeTimer) {
        self.workers = max(1, workers)
        self.patience = patience
        self.timer = timer
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let needs = lock.withLock { state in
            state.queue.append(job)
            return serveQueue(&state)
        }
        follow(needs)
    }

    /// Lets each thread end once the queue is empty; a job that arrives later (a detector
    /// that returned after the deadline) still gets a thread.
    package func finish() {
        let pending = lock.withLock { state in
            state.finished = true
            defer { state.check = nil }
            return state.check
        }
        lock.broadcast()
        if let pending { timer.cancel(pending) }
    }

    /// Starts threads at once, rather than at the next check, until `count` serve the waiting
    /// jobs: for work just queued in `count` parts that should run side by side (site-packages
    /// reading thousands of headers), on a pool that otherwise keeps `workers` busy.
    package func serveAtOnce(_ count: Int) {
        let needs = lock.withLock { state in serveQueue(&state, upTo: count) }
        follow(needs)
    }

    /// How many threads the pool has started, for tests.
    package var threadsStarted: Int {
        lock.withLock { $0.started }
    }

    /// What `serveQueue` leaves to do once the lock is released: the timer and the shared pool
    /// may run other code that takes it.
    private struct Needs {
        var check = false
        var runWithoutThreads = false
    }

    /// With the lock held: wakes idle threads for the waiting jobs and starts threads while
    /// fewer than `target` (`workers` unless a caller asks for more) serve the queue; says
    /// whether jobs still wait (a check is due) or there is no thread and none can be started
    /// (the caller runs the jobs).
    private func serveQueue(_ state: inout State, upTo target: Int = 0) -> Needs {
        let target = max(workers, target)
        let now = ContinuousClock.now
        let idle = state.threads.values.count { $0.busySince == nil }
        if idle > 0 { lock.broadcast() }
        var serving = state.threads.values.count { worker in
            guard let busySince = worker.busySince, let patience else { return true }
            return now - busySince < patience
        }
        while state.waiting > idle && serving < target {
            guard startThread(&state, at: now) else { return Needs(runWithoutThreads: state.threads.isEmpty) }
            serving += 1
        }
        guard patience != nil, state.waiting > idle, !state.checkPending, !state.finished else { return Needs() }
        state.checkPending = true
        return Needs(check: true)
    }

    /// Without the lock held.
    private func follow(_ needs: Needs) {
        if needs.check, let patience { scheduleCheck(after: patience) }
        if needs.runWithoutThreads { runWithoutThreads() }
    }

    /// Looks at the queue again after `patience`, on the timer's thread.
    private func scheduleCheck(after patience: Duration) {
        let token = timer.schedule(at: .now + patience) { [self] in
            let needs = lock.withLock { state in
                state.checkPending = false
                state.check = nil
                return serveQueue(&state)
            }
            follow(needs)
        }
        lock.withLock { state in
            // Kept only to cancel; a check that already ran or a finished pool has nothing to
            // keep. Without a timer thread there is no check, and the next job tries again.
            if token == nil {
                state.checkPending = false
            } else if state.checkPending && !state.finished {
                state.check = token
            }
        }
    }

    /// With the lock held.
    private func startThread(_ state: inout State, at now: ContinuousClock.Instant) -> Bool {
        let number = state.started
        guard DetachedThread.start({ [self] in runJobs(number) }) == 0 else { return false }
        state.threads[number] = Worker(busySince: now)
        state.started += 1
        return true
    }

    private func runJobs(_ number: Int) {
        while true {
            let job: UnownedJob? = lock.withLock(waiting: { state in
                state.threads[number]?.busySince = nil
                if state.waiting > 0 {
                    state.threads[number]?.busySince = ContinuousClock.now
                    return .done(state.takeJob())
                }
                if state.finished {
                    state.threads[number] = nil
                    return .done(nil)
                }
                return .waitForSignal
            })
            guard let job else { return }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// No thread could be started at all: run what waits on Swift's shared pool, which is
    /// better than never (a blocked call there holds one of its threads).
    private func runWithoutThreads() {
        while true {
            let job: UnownedJob? = lock.withLock { state in
                state.waiting > 0 && state.threads.isEmpty ? state.takeJob() : nil
            }
            guard let job else { return }
            job.runSynchronously(on: globalConcurrentExecutor.asUnownedTaskExecutor())
        }
    }
}

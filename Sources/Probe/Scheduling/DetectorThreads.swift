#if canImport(Glibc)
import Glibc
#endif

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
final class DetectorThreads: TaskExecutor, @unchecked Sendable {
    /// The threads of the probe the current task belongs to, where a detector's blocking calls
    /// go (`BlockingCall`); nil outside a probe.
    @TaskLocal static var current: DetectorThreads?

    /// How many threads serve the queue while none is stuck.
    let workers: Int
    /// How long a job may run before its thread no longer counts as serving the queue.
    let patience: Duration
    private let timer: ProbeTimer

    /// One thread of the pool; its state is guarded by the pool's `mutex`.
    private final class Worker: @unchecked Sendable {
        /// When it started its current job (or was started); nil while it waits for one.
        var busySince: ContinuousClock.Instant?
        init(busySince: ContinuousClock.Instant) { self.busySince = busySince }
    }

    // Guarded by `mutex`; `jobsChanged` wakes idle threads.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let jobsChanged = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [UnownedJob] = []
    private var queueStart = 0
    private var threads: [Worker] = []
    private var started = 0
    /// Whether a check is scheduled, and its token (to cancel it when the probe is done).
    private var checkPending = false
    private var check: ProbeTimer.Token?
    private var finished = false

    init(workers: Int = 2, patience: Duration = .milliseconds(3), timer: ProbeTimer) {
        self.workers = max(1, workers)
        self.patience = patience
        self.timer = timer
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(jobsChanged, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(jobsChanged)
        mutex.deallocate()
        jobsChanged.deallocate()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        queue.append(job)
        let needs = serveQueue()
        pthread_mutex_unlock(mutex)
        follow(needs)
    }

    /// Lets each thread end once the queue is empty; a job that arrives later (a detector
    /// that returned after the deadline) still gets a thread.
    func finish() {
        pthread_mutex_lock(mutex)
        finished = true
        let pending = check
        check = nil
        pthread_cond_broadcast(jobsChanged)
        pthread_mutex_unlock(mutex)
        if let pending { timer.cancel(pending) }
    }

    /// Starts threads at once, rather than at the next check, until `count` serve the waiting
    /// jobs: for work just queued in `count` parts that should run side by side (site-packages
    /// reading thousands of headers), on a pool that otherwise keeps `workers` busy.
    func serveAtOnce(_ count: Int) {
        pthread_mutex_lock(mutex)
        let needs = serveQueue(upTo: count)
        pthread_mutex_unlock(mutex)
        follow(needs)
    }

    /// How many threads the pool has started, for tests.
    var threadsStarted: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return started
    }

    private var waiting: Int { queue.count - queueStart }

    /// What `serveQueue` leaves to do once `mutex` is released: the timer and the shared pool
    /// may run other code that takes it.
    private struct Needs {
        var check = false
        var runWithoutThreads = false
    }

    /// With `mutex` held: wakes idle threads for the waiting jobs and starts threads while fewer
    /// than `target` (`workers` unless a caller asks for more) serve the queue; says whether jobs
    /// still wait (a check is due) or there is no thread and none can be started (the caller
    /// runs the jobs).
    private func serveQueue(upTo target: Int = 0) -> Needs {
        let target = max(workers, target)
        let now = ContinuousClock.now
        let idle = threads.count { $0.busySince == nil }
        if idle > 0 { pthread_cond_broadcast(jobsChanged) }
        var serving = threads.count { worker in worker.busySince.map { now - $0 < patience } ?? true }
        while waiting > idle && serving < target {
            guard startThread(at: now) else { return Needs(runWithoutThreads: threads.isEmpty) }
            serving += 1
        }
        guard waiting > idle && !checkPending && !finished else { return Needs() }
        checkPending = true
        return Needs(check: true)
    }

    /// Without `mutex` held.
    private func follow(_ needs: Needs) {
        if needs.check { scheduleCheck() }
        if needs.runWithoutThreads { runWithoutThreads() }
    }

    /// Looks at the queue again after `patience`, on the timer's thread.
    private func scheduleCheck() {
        let token = timer.schedule(at: .now + patience) { [self] in
            pthread_mutex_lock(mutex)
            checkPending = false
            check = nil
            let needs = serveQueue()
            pthread_mutex_unlock(mutex)
            follow(needs)
        }
        pthread_mutex_lock(mutex)
        // Kept only to cancel; a check that already ran or a finished pool has nothing to keep.
        // Without a timer thread there is no check, and the next job tries again.
        if token == nil { checkPending = false } else if checkPending && !finished { check = token }
        pthread_mutex_unlock(mutex)
    }

    /// With `mutex` held.
    private func startThread(at now: ContinuousClock.Instant) -> Bool {
        let worker = Worker(busySince: now)
        guard DetachedThread.start({ [self] in runJobs(worker) }) == 0 else { return false }
        threads.append(worker)
        started += 1
        return true
    }

    private func runJobs(_ worker: Worker) {
        pthread_mutex_lock(mutex)
        while true {
            worker.busySince = nil
            while waiting == 0 && !finished { pthread_cond_wait(jobsChanged, mutex) }
            guard waiting > 0 else {
                threads.removeAll { $0 === worker }
                pthread_mutex_unlock(mutex)
                return
            }
            let job = takeJob()
            worker.busySince = ContinuousClock.now
            pthread_mutex_unlock(mutex)
            job.runSynchronously(on: asUnownedTaskExecutor())
            pthread_mutex_lock(mutex)
        }
    }

    /// With `mutex` held: the oldest waiting job.
    private func takeJob() -> UnownedJob {
        let job = queue[queueStart]
        queueStart += 1
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        }
        return job
    }

    /// No thread could be started at all: run what waits on Swift's shared pool, which is
    /// better than never (a blocked call there holds one of its threads).
    private func runWithoutThreads() {
        while true {
            pthread_mutex_lock(mutex)
            let job = waiting > 0 && threads.isEmpty ? takeJob() : nil
            pthread_mutex_unlock(mutex)
            guard let job else { return }
            job.runSynchronously(on: globalConcurrentExecutor.asUnownedTaskExecutor())
        }
    }
}

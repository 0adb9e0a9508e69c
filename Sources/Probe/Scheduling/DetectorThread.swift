#if canImport(Glibc)
import Glibc
#endif

/// Runs one detector's work on a thread of its own.
///
/// Detectors read files, open directories and call into driver libraries synchronously. On a
/// sick machine (a hung NFS mount on sys.path, a FIFO where a file should be) such a call never
/// returns. On Swift's shared pool, as many hung detectors as the machine has cores would leave
/// no thread for the probe's own deadline; on a thread each, they block only themselves, and
/// the probe reports them `failed` and returns.
final class DetectorThread: TaskExecutor, @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var finished = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        var thread = pthread_t()
        let retained = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { argument in
            let executor = Unmanaged<DetectorThread>.fromOpaque(argument!).takeRetainedValue()
            executor.runJobs()
            return nil
        }, retained)
        if created == 0 {
            pthread_detach(thread)
        } else {
            // No thread to run on: take the reference back; jobs then run on the pool (see enqueue).
            Unmanaged<DetectorThread>.fromOpaque(retained).release()
            finished = true
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        let runsHere = !finished
        if runsHere {
            jobs.append(job)
            pthread_cond_signal(condition)
        }
        pthread_mutex_unlock(mutex)
        if !runsHere { job.runSynchronously(on: globalConcurrentExecutor.asUnownedTaskExecutor()) }
    }

    /// Lets the thread end once the jobs it has are done.
    func finish() {
        pthread_mutex_lock(mutex)
        finished = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func runJobs() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !finished { pthread_cond_wait(condition, mutex) }
            if jobs.isEmpty {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    deinit {
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(condition)
        mutex.deallocate()
        condition.deallocate()
    }
}

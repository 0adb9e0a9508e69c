/// Runs jobs that block (reading and hashing files, reading images) on threads of envlock's
/// own, at most `threads` at a time: the one way envlock's parallel loops get threads.
///
/// Never on Swift's shared pool, which has one thread per CPU: a read that waits on the disk
/// or a hung NFS mount would hold one of them, and files not in the page cache are read faster
/// several at a time than one per CPU.
///
/// In a probe (`DetectorThreads.current`) the jobs go on the probe's threads, where a job that
/// blocks holds only its own thread, as a detector does; the first `threads` start at once.
/// Elsewhere (`envlock audit`, `envlock compare` on a folder, tests) they go on a pool of their
/// own with at most `threads` threads, which ends with the call.
package enum BlockingJobs {
    /// Runs `job(index)` for each index below `count`, at most `threads` at a time, and hands
    /// each result to `finished` on the awaiting task as it comes (in the order jobs end).
    ///
    /// Every index is run and handed over exactly once. Cancelling the awaiting task cancels
    /// the jobs' tasks: a job that can end early looks at `Task.isCancelled`; a blocking call
    /// cannot be interrupted, so the caller always gets a result for every index.
    package static func run<Value: Sendable>(
        _ count: Int, threads: Int, _ job: @escaping @Sendable (Int) async -> Value, finished: (Int, Value) -> Void
    ) async {
        guard count > 0 else { return }
        let width = max(1, min(threads, count))
        let pool = DetectorThreads.current ?? DetectorThreads(workers: width, patience: nil, timer: .shared)
        let ownsPool = pool !== DetectorThreads.current
        defer { if ownsPool { pool.finish() } }
        await withTaskGroup(of: (Int, Value).self) { group in
            var next = 0
            func startNext() {
                let index = next
                next += 1
                group.addTask(executorPreference: pool) { (index, await job(index)) }
            }
            while next < width { startNext() }
            pool.serveAtOnce(width)
            for await (index, value) in group {
                finished(index, value)
                if next < count {
                    startNext()
                    pool.serveAtOnce(width)
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import EnvLock

/// The one way envlock's parallel loops get threads (record checks, audit, compare folders).
@Suite struct BlockingJobsTests {
    final class Running: Sendable {
        private let counts = Mutex((now: 0, most: 0))
        func start() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func end() { counts.withLock { $0.now -= 1 } }
        var now: Int { counts.withLock { $0.now } }
        var most: Int { counts.withLock { $0.most } }
    }

    /// Polls `condition` every millisecond for up to 5 s; whether it became true.
    static func waitFor(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            if ContinuousClock.now > deadline { return false }
            usleep(1000)
        }
        return true
    }

    @Test func everyJobRunsOnceAndAtMostThreadsAtATime() async {
        let running = Running()
        var results: [Int: Int] = [:]
        await BlockingJobs.run(20, threads: 3) { index in
            running.start()
            usleep(10_000)
            running.end()
            return index * 2
        } finished: { index, value in
            #expect(results[index] == nil, "job \(index) handed over twice")
            results[index] = value
        }
        #expect(results == Dictionary(uniqueKeysWithValues: (0..<20).map { ($0, $0 * 2) }))
        #expect(running.most <= 3, "\(running.most) jobs ran at once on 3 threads")
        #expect(running.most > 1, "the jobs ran one at a time")
    }

    /// More jobs that wait for each other than the machine has CPUs: on Swift's shared pool
    /// (one thread per CPU) they would never all run at once.
    @Test func blockingJobsRunOnThreadsOfTheirOwn() async {
        let jobs = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 2
        let running = Running()
        var met = 0
        await BlockingJobs.run(jobs, threads: jobs) { _ in
            running.start()
            return Self.waitFor { running.now == jobs }
        } finished: { _, allRunning in
            if allRunning { met += 1 }
        }
        #expect(met == jobs, "only \(running.most) of \(jobs) blocking jobs ran at once")
    }

    @Test func cancellingTheAwaitingTaskReachesEveryJob() async {
        let task = Task {
            var seen: [Int: Bool] = [:]
            await BlockingJobs.run(6, threads: 2) { _ in
                Self.waitFor { Task.isCancelled }
            } finished: { index, cancelled in
                seen[index] = cancelled
            }
            return seen
        }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let seen = await task.value
        #expect(seen == Dictionary(uniqueKeysWithValues: (0..<6).map { ($0, true) }))
    }

    @Test func inAProbeTheJobsGoOnTheProbesThreads() async {
        let threads = DetectorThreads(workers: 1, timer: ProbeTimer())
        defer { threads.finish() }
        var count = 0
        await DetectorThreads.$current.withValue(threads) {
            await BlockingJobs.run(4, threads: 4) { index in index } finished: { _, _ in count += 1 }
        }
        #expect(count == 4)
        #expect(threads.threadsStarted >= 1, "the probe's pool ran none of the jobs")
    }
}

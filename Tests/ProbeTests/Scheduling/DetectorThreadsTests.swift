#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import Probe
import EnvLock

/// The threads detectors run on: few while work is quick, one more for each call that blocks.
@Suite struct DetectorThreadsTests {
    /// A call blocked until the test lets it go (a read from a pipe nobody writes yet), as a
    /// hung NFS read or a FIFO would block a detector.
    final class Gate: Sendable {
        let ends: (read: Int32, write: Int32)
        init() {
            var pair: [Int32] = [0, 0]
            _ = pipe(&pair)
            ends = (pair[0], pair[1])
        }
        func block() {
            var byte: UInt8 = 0
            _ = read(ends.read, &byte, 1)
        }
        func open() {
            var byte: UInt8 = 1
            _ = write(ends.write, &byte, 1)
        }
        deinit {
            close(ends.read)
            close(ends.write)
        }
    }

    final class Count: Sendable {
        let value = Mutex(0)
    }

    @Test func quickWorkSharesAFewThreads() async {
        let threads = DetectorThreads(workers: 2, timer: ProbeTimer())
        defer { threads.finish() }
        let done = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask(executorPreference: threads) {
                    var status = stat()
                    return stat("/", &status) == 0 ? 1 : 0
                }
            }
            return await group.reduce(0, +)
        }
        #expect(done == 40)
        // Two serve the queue; a check may add one when the machine stalls a thread for 3 ms.
        // A thread per job would be 40.
        #expect(threads.threadsStarted <= 8, "\(threads.threadsStarted) threads for 40 quick jobs")
    }

    @Test func blockedCallsDoNotHoldUpTheWorkQueuedBehindThem() async {
        let threads = DetectorThreads(workers: 2, timer: ProbeTimer())
        let gates = (0..<3).map { _ in Gate() }
        let start = ContinuousClock.now
        // Should the quick jobs never get a thread, the calls are let go after 5 s, so that the
        // test fails on the time below instead of hanging.
        Task.detached {
            try? await Task.sleep(for: .seconds(5))
            for gate in gates { gate.open() }
        }
        // More blocked calls than serving threads, queued first.
        for gate in gates {
            Task(executorPreference: threads) { gate.block() }
        }
        let quick = await withTaskGroup(of: Int.self) { group in
            for index in 0..<5 { group.addTask(executorPreference: threads) { index } }
            return await group.reduce(0, +)
        }
        let waited = ContinuousClock.now - start
        for gate in gates { gate.open() }
        threads.finish()
        #expect(quick == 10)
        #expect(waited < .seconds(5), "the quick jobs waited \(waited) behind blocked ones")
        #expect(threads.threadsStarted >= 4, "each blocked call holds its own thread; the quick jobs need another")
    }

    /// In a probe a blocking call runs on the probe's threads rather than one of its own, and
    /// still ends at its timeout while the call goes on blocking one of them.
    @Test func aBlockingCallInAProbeRunsOnItsThreadsAndStillTimesOut() async {
        let threads = DetectorThreads(workers: 1, timer: ProbeTimer())
        let gate = Gate()
        defer {
            gate.open()
            threads.finish()
        }
        let start = ContinuousClock.now
        let outcome = await DetectorThreads.$current.withValue(threads) {
            await Task(executorPreference: threads) { () -> Result<Int, BlockingCallError> in
                do throws(BlockingCallError) {
                    return .success(try await BlockingCall.run(timeout: .milliseconds(100)) { () -> Int in
                        gate.block()
                        return 1
                    })
                } catch {
                    return .failure(error)
                }
            }.value
        }
        #expect(outcome == .failure(.timedOut(after: .milliseconds(100))))
        #expect(ContinuousClock.now - start < .seconds(3))
        // The blocked call holds the pool's first thread; the detector resumed on a second.
        // On a thread of its own the call would have left the pool one.
        #expect(threads.threadsStarted >= 2, "\(threads.threadsStarted) pool threads")
        let quick = await Task(executorPreference: threads) { 7 }.value
        #expect(quick == 7)
    }

    /// Work split in parts that should run side by side gets a thread for each part at once,
    /// not one by one as the checks find the first threads busy.
    @Test func serveAtOnceStartsAThreadForEachWaitingPart() async {
        let threads = DetectorThreads(workers: 1, patience: .seconds(30), timer: ProbeTimer())
        let gate = Gate()
        let running = Count()
        for _ in 0..<4 {
            Task(executorPreference: threads) {
                running.value.withLock { $0 += 1 }
                gate.block()
            }
        }
        threads.serveAtOnce(4)
        let deadline = ContinuousClock.now + .seconds(5)
        while running.value.withLock({ $0 }) < 4 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let parts = running.value.withLock { $0 }
        for _ in 0..<4 { gate.open() }
        threads.finish()
        // With one worker and no check due for 30 s, only one part would be running.
        #expect(parts == 4, "\(parts) of 4 parts running")
    }

    @Test func aJobAfterFinishStillRuns() async {
        let threads = DetectorThreads(workers: 1, timer: ProbeTimer())
        threads.finish()
        let value = await Task(executorPreference: threads) { 42 }.value
        #expect(value == 42)
    }

    @Test func theTimerRunsActionsInTimeOrderAndSkipsCancelledOnes() async {
        let timer = ProbeTimer()
        let order = Mutex<[Int]>([])
        let now = ContinuousClock.now
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            _ = timer.schedule(at: now + .milliseconds(60)) {
                order.withLock { $0.append(3) }
                continuation.resume()
            }
            let cancelled = timer.schedule(at: now + .milliseconds(20)) { order.withLock { $0.append(99) } }
            _ = timer.schedule(at: now + .milliseconds(40)) { order.withLock { $0.append(2) } }
            _ = timer.schedule(at: now) { order.withLock { $0.append(1) } }
            if let cancelled { timer.cancel(cancelled) }
        }
        #expect(order.withLock { $0 } == [1, 2, 3])
        #expect(ContinuousClock.now - now >= .milliseconds(60))
    }
}

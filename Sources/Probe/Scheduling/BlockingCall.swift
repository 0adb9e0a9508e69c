#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock
import Synchronization

/// Why a blocking call gave no result.
enum BlockingCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call did not return within its deadline; its thread is left to finish on its own.
    case timedOut(after: Duration)
    /// The awaiting task was cancelled (the probe's deadline passed).
    case cancelled
    /// No thread could be started for the call.
    case threadNotStarted(errno: Int32)

    var description: String {
        switch self {
        case .timedOut(let after): "did not return within \(DurationText.seconds(after))"
        case .cancelled: "was abandoned when the probe's deadline passed"
        case .threadNotStarted(let code): "could not start a thread (\(String(cString: strerror(code))))"
        }
    }
}

/// Runs C calls that may block for a long time (nvmlInit, cuInit on a sick GPU) where they
/// never hold one of Swift's few cooperative threads, so that the awaiting task can give up at
/// a deadline or on cancellation.
///
/// A call that never returns keeps its thread; the process ends it when envlock exits.
enum BlockingCall {
    /// Runs `work` away from the awaiting task and waits at most `timeout` for its result.
    ///
    /// In a probe (`DetectorThreads.current`) the call is queued on the probe's own threads:
    /// the awaiting detector's thread is free while it waits and usually runs the call itself,
    /// and should the call block, the pool starts another thread for the rest, as it does for
    /// a detector that blocks. Elsewhere each call gets a new thread. (Work without a deadline
    /// goes through `BlockingJobs`.)
    ///
    /// The deadline is kept by the process's `ProbeTimer`, not `Task.sleep`: a sleeping task
    /// needs Swift's shared pool and its timer thread, two more threads for every probe.
    public static func run<Value: Sendable>(timeout: Duration, _ work: @escaping @Sendable () -> Value) async throws(BlockingCallError) -> Value {
        let rendezvous = FirstResult<Result<Value, BlockingCallError>>()
        guard let expiry = ProbeTimer.shared.schedule(at: .now + timeout, { rendezvous.resolve(.failure(.timedOut(after: timeout))) }) else {
            // Without the timer thread nothing could end a call that hangs: make none.
            throw .threadNotStarted(errno: EAGAIN)
        }
        defer { ProbeTimer.shared.cancel(expiry) }
        if let threads = DetectorThreads.current {
            Task(executorPreference: threads) { rendezvous.resolve(.success(work())) }
        } else {
            // A new thread runs outside every task: the command's inputs go with the call, so
            // that what it reads is recorded all the same.
            let inputs = CommandInputs.current
            let started = DetachedThread.start {
                CommandInputs.$current.withValue(inputs) { rendezvous.resolve(.success(work())) }
            }
            if started != 0 { throw .threadNotStarted(errno: started) }
        }
        let result = await withTaskCancellationHandler {
            await rendezvous.value()
        } onCancel: {
            rendezvous.resolve(.failure(.cancelled))
        }
        return try result.get()
    }
}

/// Hands the first of several racing results (a call's value, a deadline, a cancellation) to
/// the one waiting task, whichever order they arrive in; later arrivals are dropped.
final class FirstResult<Value: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Value, Never>)
        case resolved(Value)
        case delivered
    }

    private let state = Mutex<State>(.empty)

    /// Waits for the first result; call once.
    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready: Value? = state.withLock { state in
                switch state {
                case .resolved(let value):
                    state = .delivered
                    return value
                case .empty:
                    state = .waiting(continuation)
                    return nil
                case .waiting, .delivered:
                    preconditionFailure("FirstResult awaited twice")
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func resolve(_ value: Value) {
        let waiter: CheckedContinuation<Value, Never>? = state.withLock { state in
            switch state {
            case .empty:
                state = .resolved(value)
                return nil
            case .waiting(let continuation):
                state = .delivered
                return continuation
            case .resolved, .delivered:
                return nil
            }
        }
        waiter?.resume(returning: value)
    }
}

/// Durations written for people: `3 s`, `250 ms`.
enum DurationText {
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(milliseconds) ms"
    }
}

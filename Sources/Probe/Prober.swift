import EnvLock

/// Runs detectors concurrently under one deadline and merges their findings into a snapshot.
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
        let board = OutcomeBoard()
        for detector in detectors {
            let dependencies = Set(detector.dependencies)
            let wait = detector.dependencyWait ?? dependencyWait
            let thread = DetectorThread()
            Task(executorPreference: thread) {
                if !dependencies.isEmpty { await board.wait(for: dependencies, timeout: wait) }
                let earlier = await board.outcomes(named: dependencies)
                let outcome = await detector.detect(in: context, earlier: earlier)
                await board.record(detector.name, outcome)
                thread.finish()
            }
        }
        await board.wait(for: Set(detectors.map(\.name)), timeout: deadline)
        let outcomes = await board.outcomes(named: Set(detectors.map(\.name)))
        return merge(outcomes)
    }

    /// Key families that describe one thing together and must come from one source: GPU
    /// numbering differs between sources, so `gpu.0.name` from one and `gpu.0.uuid` from
    /// another could describe two different cards.
    static let singleSourceFamilies = ["gpu."]

    /// Merges outcomes in the order of `detectors`: the first detector to report a key wins,
    /// and a later detector that disagrees gets a diagnostic instead of a silent loss. A
    /// single-source family belongs wholly to the first detector that reports any of it.
    func merge(_ outcomes: [String: DetectorOutcome]) -> Snapshot {
        var snapshot = Snapshot()
        var owner: [String: String] = [:]
        var familyOwner: [String: String] = [:]
        for detector in detectors {
            var outcome = outcomes[detector.name]
                ?? .failed("did not finish within \(Self.seconds(deadline)); the probe went on without it")
            for family in Self.singleSourceFamilies {
                let keys = outcome.facts.keys.filter { $0.hasPrefix(family) }
                guard !keys.isEmpty else { continue }
                if let first = familyOwner[family] {
                    for key in keys { outcome.facts[key] = nil }
                    outcome.diagnostics.append("its \(keys.count) \(family)* facts were set aside: \(first) already described the GPUs, and the two sources may number them differently")
                } else {
                    familyOwner[family] = detector.name
                }
            }
            for (key, value) in outcome.facts.sorted(by: { $0.key < $1.key }) {
                if let existing = snapshot.facts[key] {
                    if existing != value {
                        outcome.diagnostics.append("\(key) = \"\(value)\" here, but \(owner[key] ?? "another detector") reported \"\(existing)\", which was kept")
                    }
                    continue
                }
                snapshot.facts[key] = value
                owner[key] = detector.name
            }
            snapshot.detectors.append(DetectorReport(
                name: detector.name, status: outcome.status, detail: outcome.detail,
                diagnostics: outcome.diagnostics, provides: detector.provides
            ))
        }
        return snapshot
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = attoseconds / 100_000_000_000_000_000
        return tenths == 0 ? "\(seconds) s" : "\(seconds).\(tenths) s"
    }
}

/// Where detector tasks leave their outcomes and wait for each other.
actor OutcomeBoard {
    private var finished: [String: DetectorOutcome] = [:]
    private var waiters: [Int: (names: Set<String>, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var nextWaiter = 0

    func record(_ name: String, _ outcome: DetectorOutcome) {
        finished[name] = outcome
        for (id, waiter) in waiters where waiter.names.isSubset(of: finished.keys) {
            waiters[id] = nil
            waiter.continuation.resume()
        }
    }

    func outcomes(named names: Set<String>) -> [String: DetectorOutcome] {
        finished.filter { names.contains($0.key) }
    }

    /// Returns when every name has an outcome or `timeout` has passed, whichever is first.
    func wait(for names: Set<String>, timeout: Duration) async {
        if names.isSubset(of: finished.keys) { return }
        let id = nextWaiter
        nextWaiter += 1
        await withCheckedContinuation { continuation in
            waiters[id] = (names, continuation)
            Task { [weak self] in
                // Sleep throws only when cancelled; expiring the wait early is right then too.
                try? await Task.sleep(for: timeout)
                await self?.expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }
}

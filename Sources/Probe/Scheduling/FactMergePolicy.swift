import EnvLock

/// Which detector's value a snapshot keeps when several report the same fact.
///
/// Detectors are merged in the order of `Detectors.all`: the first to report a key wins, and a
/// later one that disagrees gets a diagnostic instead of a silent loss. A single-source family
/// belongs wholly to the first detector that reports any of it.
enum FactMergePolicy {
    /// Key families that describe one thing together and must come from one source: GPU
    /// numbering differs between sources, so `gpu.0.name` from one and `gpu.0.uuid` from
    /// another could describe two different cards.
    static let singleSourceFamilies = ["gpu."]

    /// Merges each detector's outcome, in the order given, into one snapshot.
    static func merge(_ outcomes: [(detector: any Detector, outcome: DetectorOutcome)]) -> Snapshot {
        var snapshot = Snapshot()
        var owner: [String: String] = [:]
        var familyOwner: [String: String] = [:]
        for (detector, reported) in outcomes {
            var outcome = reported
            for family in singleSourceFamilies {
                let keys = outcome.facts.keys.filter { $0.hasPrefix(family) }
                guard !keys.isEmpty else { continue }
                if let first = familyOwner[family] {
                    for key in keys { outcome.facts[key] = nil }
                    outcome.diagnostics.append("its \(keys.count) \(family)* facts were set aside: \(first) already described the GPUs, and the two sources may number them differently")
                } else {
                    familyOwner[family] = detector.name
                }
            }
            // The facts are taken in the dictionary's order: within one detector each key is
            // reported once, so the order decides nothing but the order of the conflict
            // messages, and only those are sorted (the renderers sort the facts, once).
            var conflicts: [(key: String, message: String)] = []
            for (key, value) in outcome.facts {
                if let existing = snapshot.facts[key] {
                    if existing != value {
                        conflicts.append((key, "\(key) = \"\(value)\" here, but \(owner[key] ?? "another detector") reported \"\(existing)\", which was kept"))
                    }
                    continue
                }
                snapshot.facts[key] = value
                owner[key] = detector.name
            }
            outcome.diagnostics += conflicts.sorted { $0.key < $1.key }.map(\.message)
            snapshot.detectors.append(DetectorReport(
                name: detector.name, status: outcome.status, detail: outcome.detail,
                diagnostics: outcome.diagnostics, provides: detector.provides, unreadable: outcome.unreadable
            ))
        }
        return snapshot
    }
}

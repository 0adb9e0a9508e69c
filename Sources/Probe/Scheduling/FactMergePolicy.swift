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
        // Sized once: a large environment reports thousands of package facts, and growing the
        // table rehashes every key already in it.
        snapshot.facts.reserveCapacity(outcomes.reduce(0) { $0 + $1.outcome.facts.count })
        var familyOwner: [String: String] = [:]
        // Each detector's facts as merged, in order, to name the owner of a conflicting key
        // (conflicts are rare; remembering an owner for every key cost a hash table insert each).
        var merged: [(name: String, facts: [String: String])] = []
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
                        let owner = merged.first { $0.facts[key] != nil }?.name ?? "another detector"
                        conflicts.append((key, "\(key) = \"\(value)\" here, but \(owner) reported \"\(existing)\", which was kept"))
                    }
                    continue
                }
                snapshot.facts[key] = value
            }
            merged.append((detector.name, outcome.facts))
            outcome.diagnostics += conflicts.sorted { $0.key < $1.key }.map(\.message)
            snapshot.detectors.append(DetectorReport(
                name: detector.name, status: outcome.status, detail: outcome.detail,
                diagnostics: outcome.diagnostics, provides: detector.provides, unreadable: outcome.unreadable
            ))
        }
        return snapshot
    }
}

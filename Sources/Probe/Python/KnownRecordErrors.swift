/// Files whose RECORD line is wrong in the wheel as its maintainers published it, so that a
/// fresh `pip install` already disagrees with RECORD. Each is keyed by distribution, version
/// and path, and excused only when the file holds exactly the bytes the published wheel
/// ships (their SHA-256 below): an edit of such a file is still reported. Every excuse is
/// said in the probe's diagnostics, never passed over in silence. docs/FACTS.md lists the
/// table for people.
enum KnownRecordErrors {
    struct Entry: Sendable, Equatable {
        /// The PEP 503 normalized name.
        var distribution: String
        var version: String
        /// As RECORD lists it, relative to site-packages.
        var path: String
        /// `sha256:` and hex: what the published wheel's file holds.
        var shipped: String
        /// What is wrong in the wheel, and how it was found.
        var why: String
    }

    /// Empty: every hashed file of a fresh `pip install torch==2.2.0 torchvision==0.17.0
    /// xformers==0.0.24` and of its twelve nvidia-*-cu12 wheels (12,078 RECORD lines in torch
    /// alone) matched its RECORD when measured on 2026-12-07 (BENCHMARKS.md, "Installed files
    /// against RECORD"); an entry is added here only with such a measurement.
    static let table: [Entry] = []

    /// The entry of `table` that excuses `finding` in `distribution` `version`, or nil.
    static func shipped(_ distribution: String, _ version: String, _ finding: RecordCheck.Finding, in table: [Entry] = table) -> Entry? {
        guard case .bytesDiffer(let found) = finding.problem else { return nil }
        return table.first { $0.distribution == distribution && $0.version == version && $0.path == finding.path && $0.shipped == found }
    }
}

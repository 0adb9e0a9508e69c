/// What a detector concluded about its source.
public enum DetectorStatus: String, Sendable, Equatable, CaseIterable {
    /// The source was read; its facts are in the snapshot.
    case ok
    /// The source is not installed here. This is a fact about the machine, not an error.
    case absent
    /// The source exists but could not be read; `detail` says why.
    case failed
    /// The detector did not apply (another source already answered, or `--root` names
    /// another filesystem that this source cannot describe); `detail` says why.
    case skipped
}

/// One detector's status in a snapshot.
public struct DetectorReport: Sendable, Equatable {
    /// The detector's stable name, for example `os-release` or `nvml`.
    public var name: String
    public var status: DetectorStatus
    /// Why the detector is absent, failed or skipped; nil when it is ok.
    public var detail: String?
    /// Problems with single entries that did not stop the detector (a broken dist-info folder).
    public var diagnostics: [String]
    /// The fact key prefixes this detector can produce, so that a missing fact can name the
    /// detector that found nothing. Known for a live probe; empty for a snapshot read from a file.
    var provides: [String]
    /// Fact keys whose source exists but could not be read, each with the reason: a
    /// distribution whose METADATA has no Version is installed, not absent, and no rule on
    /// its key may pass.
    var unreadable: [String: String]

    public init(name: String, status: DetectorStatus, detail: String? = nil, diagnostics: [String] = [], provides: [String] = [], unreadable: [String: String] = [:]) {
        self.name = name
        self.status = status
        self.detail = detail
        self.diagnostics = diagnostics
        self.provides = provides
        self.unreadable = unreadable
    }
}

/// A warning that comes from comparing facts with each other, such as xformers built
/// against another torch than the installed one.
public struct Finding: Sendable, Equatable {
    /// A stable identifier, for example `xformers-torch-mismatch`.
    var code: String
    /// What is wrong and what to do, for people.
    public var message: String
    /// The fact keys involved.
    var keys: [String]

    init(code: String, message: String, keys: [String]) {
        self.code = code
        self.message = message
        self.keys = keys
    }
}

/// Everything a probe learned about one machine: a flat map from dotted fact keys to
/// string values, and the status of every detector that ran.
public struct Snapshot: Sendable, Equatable {
    /// The schema identifier written into every snapshot document.
    static let schema = "envlock.snapshot/1"

    public var facts: [String: String]
    public var detectors: [DetectorReport]
    public var findings: [Finding]

    public init(facts: [String: String] = [:], detectors: [DetectorReport] = [], findings: [Finding] = []) {
        self.facts = facts
        self.detectors = detectors
        self.findings = findings
    }

    /// The first fact key matching `pattern` whose source exists but could not be read, with
    /// the reason.
    func unreadable(matching pattern: FactPattern) -> (key: String, reason: String)? {
        for report in detectors {
            for key in report.unreadable.keys.sorted() where pattern.matches(key) {
                return (key, report.unreadable[key] ?? "")
            }
        }
        return nil
    }

    /// The report of the detector with this name, if it ran.
    public func detector(named name: String) -> DetectorReport? {
        detectors.first { $0.name == name }
    }
}

import EnvLock

/// What one detector found: its status, its facts, and what went wrong with single entries.
struct DetectorOutcome: Sendable, Equatable {
    public var status: DetectorStatus
    public var detail: String?
    public var facts: [String: String]
    public var diagnostics: [String]
    /// Fact keys whose source exists but could not be read (a dist-info without a Version),
    /// each with the reason: such a key is neither present nor absent.
    var unreadable: [String: String]

    init(status: DetectorStatus, detail: String? = nil, facts: [String: String] = [:], diagnostics: [String] = [], unreadable: [String: String] = [:]) {
        self.status = status
        self.detail = detail
        self.facts = facts
        self.diagnostics = diagnostics
        self.unreadable = unreadable
    }

    /// The source was read.
    static func ok(_ facts: [String: String], diagnostics: [String] = []) -> DetectorOutcome {
        DetectorOutcome(status: .ok, facts: facts, diagnostics: diagnostics)
    }

    /// The source is not installed here.
    static func absent(_ detail: String) -> DetectorOutcome {
        DetectorOutcome(status: .absent, detail: detail)
    }

    /// The source exists but could not be read. `facts` holds what could still be learned.
    static func failed(_ detail: String, facts: [String: String] = [:], diagnostics: [String] = []) -> DetectorOutcome {
        DetectorOutcome(status: .failed, detail: detail, facts: facts, diagnostics: diagnostics)
    }

    /// The detector does not apply here.
    static func skipped(_ detail: String) -> DetectorOutcome {
        DetectorOutcome(status: .skipped, detail: detail)
    }
}

/// What a detector reads, so that the `Prober`, not the detector, decides what it may do
/// under a foreign `--root`.
enum DetectorSource: Sendable, Equatable {
    /// Files under the probe root, through the context (with /proc of the `--pid` process and
    /// envlock's caches, which the context names). Under a foreign root it runs with a
    /// context that runs no program and loads no library (`HostContext.confinedToRoot()`).
    case probedFiles
    /// The running machine (its kernel, its loaded C library, its GPU driver, envlock's own
    /// environment), which describes this machine and never a foreign root: there the
    /// `Prober` skips the detector with "--root ROOT: `reason`".
    case runningMachine(reason: String)
}

/// One source of facts about the machine.
///
/// A detector reads only through its `HostContext`, so tests inject a fixture tree, an
/// environment, fake libraries and fake commands instead of changing the process.
protocol Detector: Sendable {
    /// A stable name, unique among `Detectors.all`, shown in every report.
    var name: String { get }
    /// The fact key prefixes this detector can produce (`gpu.`, `nvidia.driver`), so that a
    /// rule about a missing fact can say which detector found nothing and why.
    var provides: [String] { get }
    /// Detectors whose outcomes this one needs; it starts after they finish or time out.
    var dependencies: [String] { get }
    /// How long this detector waits for its dependencies before it runs without them; nil
    /// means the prober's `dependencyWait`. A detector that is useless without its dependency
    /// (site-packages without the python detector's sys.path) waits as long as that one can take.
    var dependencyWait: Duration? { get }
    /// Whether `detect` can block in `context`: read a file (a hung NFS mount, a FIFO where a
    /// file should be), load a library or run a program. Such a detector gets a thread of its
    /// own so that the probe's deadline holds; one that only looks at values already in memory
    /// (uname(2), the environment) runs on the probing task and saves starting a thread on
    /// every probe.
    func mayBlock(in context: HostContext) -> Bool
    /// What `detect` reads in `context`; `.probedFiles` unless it asks the running machine.
    func source(in context: HostContext) -> DetectorSource
    /// Reads the source. Never throws: every problem becomes a status with its reason.
    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome
}

extension Detector {
    var dependencies: [String] { [] }
    var dependencyWait: Duration? { nil }
    func mayBlock(in context: HostContext) -> Bool { true }
    func source(in context: HostContext) -> DetectorSource { .probedFiles }
}

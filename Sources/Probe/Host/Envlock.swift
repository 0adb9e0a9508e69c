import EnvLock

/// `envlock.version` and `swift.version`: what produced the report.
struct EnvlockDetector: Detector {
    let name = "envlock"
    let provides = ["envlock.version", "swift.version"]
    /// Constants compiled in.
    func mayBlock(in context: HostContext) -> Bool { false }

    /// The Swift version this binary was compiled with; the standard library is linked
    /// statically in release builds, so it is also the Swift core the binary runs.
    static let swiftVersion: String = {
        #if compiler(>=6.4)
        "6.4 or newer"
        #elseif compiler(>=6.3.2)
        "6.3.2"
        #elseif compiler(>=6.3.1)
        "6.3.1"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "older than 6.2"
        #endif
    }()

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        .ok(["envlock.version": EnvlockRelease.version, "swift.version": Self.swiftVersion])
    }
}

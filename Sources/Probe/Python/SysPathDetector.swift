import EnvLock

/// A detector that reads the Python environment the `python` detector found: it starts once
/// `python` has answered (waiting as long as an interpreter may take), and reports what
/// `python` reported when there is no sys.path to read.
protocol SysPathDetector: Detector {
    /// Reads this detector's source along `sysPath`; `earlier` holds its other dependencies.
    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome
}

extension SysPathDetector {
    var dependencyWait: Duration? { PythonDetector.dependentsWait }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        switch PythonInstallation.dependency(earlier, for: name) {
        case .sysPath(let entries): await detect(in: context, sysPath: entries, earlier: earlier)
        case .unavailable(let outcome): outcome
        }
    }
}

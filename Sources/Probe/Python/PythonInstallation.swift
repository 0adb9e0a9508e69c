import EnvLock

/// What the `python` detector learned, and its fact encoding that the other Python detectors read.
struct PythonInstallation: Sendable, Equatable {
    var executable: String?
    var version: String?
    var implementation: String?
    var prefix: String?
    var basePrefix: String?
    var sysPath: [String]
    /// The user site folder Python would add (`site.getusersitepackages()`), for the
    /// interpreter cache; not a fact.
    var userSite: String? = nil

    var facts: [String: String] {
        var facts: [String: String] = [:]
        facts["python.executable"] = executable
        facts["python.version"] = version
        facts["python.implementation"] = implementation
        facts["python.prefix"] = prefix
        facts["python.base_prefix"] = basePrefix
        for (index, entry) in sysPath.enumerated() {
            facts["python.path.\(index)"] = entry
        }
        return facts
    }

    /// The `sys.path` entries that the `python` detector published, in order.
    static func sysPath(from facts: [String: String]) -> [String] {
        var entries: [String] = []
        while let entry = facts["python.path.\(entries.count)"] {
            entries.append(entry)
        }
        return entries
    }

    /// What a dependent detector gets from the `python` detector's outcome.
    enum Dependency {
        /// The sys.path to read.
        case sysPath([String])
        /// No sys.path: the outcome the dependent reports instead, with the reason.
        case unavailable(DetectorOutcome)
    }

    /// The `python` detector's outcome as a dependent named `dependent` sees it.
    static func dependency(_ earlier: [String: DetectorOutcome], for dependent: String) -> Dependency {
        guard let python = earlier["python"] else {
            return .unavailable(.failed("the python detector did not finish, so \(dependent) has no sys.path to read"))
        }
        switch python.status {
        case .ok:
            return .sysPath(sysPath(from: python.facts))
        case .absent:
            return .unavailable(.absent(python.detail ?? "no Python environment"))
        case .skipped:
            return .unavailable(.skipped(python.detail ?? "no Python environment"))
        case .failed:
            return .unavailable(.failed("no sys.path: the python detector failed (\(python.detail ?? "no reason given"))"))
        }
    }

    /// The first `sys.path` entry holding the regular package `package` (a folder with
    /// `__init__.py`), as `import` finds it; nil when none has it.
    static func packageFolder(_ package: String, on sysPath: [String], in context: HostContext) -> String? {
        for entry in sysPath {
            let folder = PythonPath.join(entry, package)
            if context.exists(PythonPath.join(folder, "__init__.py")) { return folder }
        }
        return nil
    }
}

extension PythonInstallation {
    /// What a build detector reports from `package/version.py` on `sysPath`: absent when the
    /// package is not there, failed (naming the file) when its version.py cannot be read, else
    /// `outcome` of the module's text and path.
    static func versionModuleOutcome(
        of package: String, on sysPath: [String], in context: HostContext,
        _ outcome: (_ text: String, _ path: String) -> DetectorOutcome
    ) -> DetectorOutcome {
        guard let folder = packageFolder(package, on: sysPath, in: context) else {
            return .absent("\(package) is not installed: no \(package)/__init__.py on sys.path")
        }
        let path = PythonPath.join(folder, "version.py")
        do {
            return outcome(try context.readText(path, limit: 1 << 20), path)
        } catch {
            return .failed("\(error.description): \(package) is installed but its build is unknown; reinstall \(package)")
        }
    }
}

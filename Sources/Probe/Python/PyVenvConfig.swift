/// The `pyvenv.cfg` of a virtual environment, read as `site.py` reads it.
struct PyVenvConfig: Sendable, Equatable {
    /// `home`: the folder of the interpreter the environment was made from.
    var home: String?
    /// `include-system-site-packages`; `site.py` treats a missing key as true.
    var includeSystemSitePackages: Bool
    /// `version` (venv) or `version_info` (virtualenv), cut to `X.Y.Z[suffix]`.
    public var version: String?
    /// `implementation` (virtualenv writes it, lowercased here); nil for venv.
    var implementation: String?
    /// `executable` (venv since 3.11): the base interpreter's real path.
    var baseExecutable: String?

    /// A configuration with these values; the defaults are what site.py assumes for a missing key.
    init(home: String? = nil, includeSystemSitePackages: Bool = true, version: String? = nil, implementation: String? = nil, baseExecutable: String? = nil) {
        self.home = home
        self.includeSystemSitePackages = includeSystemSitePackages
        self.version = version
        self.implementation = implementation
        self.baseExecutable = baseExecutable
    }

    /// Parses `key = value` lines; keys are case-insensitive, other lines are ignored (as in site.py).
    public static func parse(_ text: String) -> PyVenvConfig {
        var config = PyVenvConfig()
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            guard let equals = rawLine.firstIndex(of: "=") else { continue }
            let key = rawLine[..<equals].trimmingPythonSpaces().lowercased()
            let value = String(rawLine[rawLine.index(after: equals)...].trimmingPythonSpaces())
            switch key {
            case "home": config.home = value
            case "include-system-site-packages": config.includeSystemSitePackages = value.lowercased() == "true"
            case "version": config.version = value
            case "version_info": if config.version == nil { config.version = Self.releaseVersion(fromVersionInfo: value) }
            case "implementation": config.implementation = value.lowercased()
            case "executable": config.baseExecutable = value
            default: break
            }
        }
        return config
    }

    /// `3.11.7` from virtualenv's `3.11.7.final.0`, `3.13.0rc1` from `3.13.0.candidate.1`.
    static func releaseVersion(fromVersionInfo info: String) -> String {
        let parts = info.split(separator: ".")
        guard parts.count >= 5 else { return info }
        let release = parts[0..<3].joined(separator: ".")
        switch parts[3] {
        case "final": return release
        case "alpha": return release + "a" + parts[4]
        case "beta": return release + "b" + parts[4]
        case "candidate": return release + "rc" + parts[4]
        default: return info
        }
    }

    /// `3.11` from `3.11.7`: the `pythonX.Y` folder name part.
    var majorMinor: String? {
        guard let version else { return nil }
        let parts = version.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        let minor = parts[1].prefix(while: { $0.isNumber })
        guard !minor.isEmpty else { return nil }
        return "\(parts[0]).\(minor)"
    }
}

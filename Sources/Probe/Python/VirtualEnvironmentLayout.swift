import EnvLock

/// `sys.path` of a virtual environment, computed from pyvenv.cfg and the folders it names.
enum VirtualEnvironmentLayout {
    enum Resolution: Sendable, Equatable {
        case resolved(PythonInstallation, diagnostics: [String])
        /// The layout is not one envlock can compute; the reason says why.
        case needsInterpreter(String)
    }

    static func resolve(executable: String, config: PyVenvConfig, configPath: String, in context: HostContext) -> Resolution {
        guard let version = config.version, let majorMinor = config.majorMinor else {
            return .needsInterpreter("\(configPath) names no version")
        }
        let implementation = config.implementation ?? "cpython"
        guard implementation == "cpython" else {
            return .needsInterpreter("\(configPath) is a \(implementation) environment, whose layout envlock does not compute")
        }
        guard let home = config.home else {
            return .needsInterpreter("\(configPath) names no home")
        }
        // site.py: the prefix is the folder above the interpreter's folder.
        let prefix = PythonPath.dirname(PythonPath.dirname(executable))
        let libFolder = "lib/python\(majorMinor)"
        let homeFolder = PythonPath.normalize(home)
        let candidates = [PythonPath.dirname(homeFolder), homeFolder] + (config.baseExecutable.map { [PythonPath.dirname(PythonPath.dirname($0))] } ?? [])
        guard let basePrefix = candidates.first(where: { context.exists(PythonPath.join($0, "\(libFolder)/os.py")) }) else {
            return .needsInterpreter("no \(libFolder)/os.py under the home \(home) of \(configPath)")
        }
        if config.includeSystemSitePackages && context.isDirectory(PythonPath.join(basePrefix, "lib/python3/dist-packages")) {
            return .needsInterpreter("its base Python \(basePrefix) is a distribution build with dist-packages, whose site.py only Python can evaluate")
        }
        var builder = SysPathBuilder(context: context)
        if let pythonPath = context.environment["PYTHONPATH"] {
            for entry in pythonPath.split(separator: ":") where !entry.isEmpty {
                builder.addFixed(context.workingDirectory.map { PythonPath.absolute(String(entry), from: $0) } ?? String(entry))
            }
        }
        let digits = majorMinor.replacingDots()
        builder.addFixed(PythonPath.join(basePrefix, "lib/python\(digits).zip"))
        builder.addFixed(PythonPath.join(basePrefix, libFolder))
        builder.addFixed(PythonPath.join(basePrefix, "\(libFolder)/lib-dynload"))
        builder.addSiteDirectory(PythonPath.join(prefix, "\(libFolder)/site-packages"))
        if config.includeSystemSitePackages {
            if let userSite = userSitePackages(majorMinor: majorMinor, in: context) {
                builder.addSiteDirectory(userSite)
            }
            builder.addSiteDirectory(PythonPath.join(basePrefix, "\(libFolder)/site-packages"))
        }
        builder.noteStartupModules()
        if let reason = builder.unknowableReason {
            return .needsInterpreter(reason)
        }
        let installation = PythonInstallation(
            executable: executable, version: version, implementation: implementation,
            prefix: prefix, basePrefix: basePrefix, sysPath: builder.path
        )
        return .resolved(installation, diagnostics: builder.diagnostics)
    }

    /// The user site folder `site.py` adds (`~/.local/lib/pythonX.Y/site-packages`), unless
    /// PYTHONNOUSERSITE turns it off.
    static func userSitePackages(majorMinor: String, in context: HostContext) -> String? {
        if let off = context.environment["PYTHONNOUSERSITE"], !off.isEmpty { return nil }
        let base: String
        if let userBase = context.environment["PYTHONUSERBASE"], !userBase.isEmpty {
            base = userBase
        } else if let home = context.environment["HOME"], !home.isEmpty {
            base = PythonPath.join(home, ".local")
        } else {
            return nil
        }
        return PythonPath.join(base, "lib/python\(majorMinor)/site-packages")
    }
}


extension String {
    /// `311` from `3.11`.
    fileprivate func replacingDots() -> String {
        String(filter { $0 != "." })
    }
}

import EnvLock

/// Running an interpreter once to read what `site.py` made of `sys.path`.
enum InterpreterQuery {
    /// Prints, NUL-separated: implementation, version, executable, prefix, base prefix, the
    /// user site folder, then every `sys.path` entry. It imports nothing beyond `sys` (site is
    /// taken from `sys.modules`, where start-up left it), so a module in the current folder
    /// cannot interfere.
    static let script = "import sys;s=sys.modules.get('site');sys.stdout.write('\\0'.join([sys.implementation.name,sys.version.split()[0],sys.executable,sys.prefix,sys.base_prefix,s.getusersitepackages() if s else '']+sys.path))"

    /// Why the interpreter's answer could not be used.
    struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        var executable: String
        var reason: String

        var description: String { "\(executable): \(reason)" }
    }

    static func parse(_ outcome: CommandOutcome, executable: String) -> Result<PythonInstallation, Failure> {
        switch outcome {
        case .exited(0, let stdout, _, false):
            let fields = stdout.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count >= 6 else {
                return .failure(Failure(executable: executable, reason: "printed \(fields.count) fields instead of at least 6; is it a Python 3 interpreter?"))
            }
            // "" is the current folder that `-c` puts first; it is not part of the environment.
            let sysPath = fields[6...].filter { !$0.isEmpty }
            var seen: Set<String> = []
            let unique = sysPath.filter { seen.insert($0).inserted }
            return .success(PythonInstallation(
                executable: fields[2].isEmpty ? executable : fields[2], version: fields[1], implementation: fields[0],
                prefix: fields[3], basePrefix: fields[4], sysPath: unique, userSite: fields[5]
            ))
        case .exited(_, _, _, true):
            return .failure(Failure(executable: executable, reason: "printed more than the command runner keeps; sys.path was not read"))
        case .exited(let status, _, let stderr, _):
            let message = String(decoding: stderr.suffix(400), as: UTF8.self).trimmingPythonSpaces()
            return .failure(Failure(executable: executable, reason: "exited with status \(status) (\(message)); envlock needs Python 3.3 or later to read sys.path"))
        case .signaled(let signal):
            return .failure(Failure(executable: executable, reason: "killed by signal \(signal) while printing sys.path"))
        case .notFound(let command):
            return .failure(Failure(executable: executable, reason: "\(command) not found"))
        case .timedOut(let after):
            return .failure(Failure(executable: executable, reason: "did not print sys.path within \(after); pass --site-packages to read the folders without running Python"))
        case .failedToStart(let reason):
            return .failure(Failure(executable: executable, reason: "could not be started: \(reason)"))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// Remembers what an interpreter reported (sys.path, prefix, version, implementation), so that
/// outside a virtual environment a verify costs a few `stat` calls instead of starting Python.
///
/// An entry is used only while nothing that can change the answer has changed. Its key names
/// the interpreter file (resolved path, device, inode, size, mtime, ctime), the variables that
/// change sys.path, envlock's version and the user; the entry then lists the files whose state
/// it depends on, each with its stamp, and every stamp must still hold: each sys.path folder
/// (its mtime changes when a `.pth` file or `sitecustomize` appears or goes), each `.pth` file
/// and start-up module in them, the user site folder (even while missing), the interpreter that
/// actually ran, and for a pyenv or asdf shim the files that choose the version. An entry that
/// is unreadable, malformed, from another envlock or written by another user is ignored and
/// rewritten: the cache can make envlock faster, never wrong. It reads this machine's files
/// through `FileSystem`, not a `HostContext`: it is used only when no `--root` is given (an
/// interpreter in another tree is never run), and its entries live in this user's cache folder. Like uv's interpreter cache
/// (keyed on the executable and its modification time), with a wider key.
struct InterpreterCache: Sendable {
    /// Where entries live: `$XDG_CACHE_HOME/envlock/interpreters` or `~/.cache/envlock/interpreters`.
    let folder: String
    /// The folder a pyenv or asdf shim looks up `.python-version` from.
    let workingDirectory: String

    init(folder: String, workingDirectory: String) {
        self.folder = folder
        self.workingDirectory = workingDirectory
    }

    /// The cache folder the environment names; nil when there is no home to put it in.
    static func standard(environment: [String: String]) -> InterpreterCache? {
        let workingDirectory = PythonPath.currentDirectory()
        if let cacheHome = environment["XDG_CACHE_HOME"], cacheHome.hasPrefix("/") {
            return InterpreterCache(folder: cacheHome + "/envlock/interpreters", workingDirectory: workingDirectory)
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return InterpreterCache(folder: home + "/.cache/envlock/interpreters", workingDirectory: workingDirectory)
    }

    /// The variables that change what `python -c` reports (site.py, getpath, pyenv, asdf).
    static let keyVariables = [
        "PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONSAFEPATH", "PYTHONPLATLIBDIR", "PYTHONUSERBASE",
        "VIRTUAL_ENV", "HOME", "PYENV_VERSION", "PYENV_ROOT", "PYENV_DIR", "ASDF_PYTHON_VERSION",
        "ASDF_DATA_DIR", "ASDF_DEFAULT_TOOL_VERSIONS_FILENAME", "PATH",
    ]

    enum Lookup {
        case hit(PythonInstallation)
        /// No entry, or one whose key or stamps no longer hold (the normal way to go stale).
        case miss
        /// An entry that is not used for what it is (another user's, unreadable, malformed);
        /// the reason is reported as a diagnostic, and the entry is rewritten after the query.
        case ignored(String)
    }

    /// The cached answer for `executable` run with `environment`.
    func lookup(executable: String, environment: [String: String]) -> Lookup {
        guard let key = Self.key(executable: executable, environment: environment, workingDirectory: workingDirectory) else { return .miss }
        let path = entryPath(key)
        // Another user's entry could lie about sys.path: only our own files count.
        switch CacheEntryFile.read(path, limit: 1 << 20) {
        case .missing: return .miss
        case .ignored(let reason): return .ignored(reason)
        case .bytes(let bytes):
            guard let entry = Entry(bytes) else { return .ignored("cache entry \(path) ignored: not in envlock's format") }
            guard entry.key == key, entry.checks.allSatisfy({ FileSystem.stamp($0.path) == $0.stamp }) else { return .miss }
            return .hit(entry.installation)
        }
    }

    /// Remembers `installation` for `executable`; `userSite` is the user site folder Python
    /// would add. A cache that cannot be written only costs speed, so the error is returned
    /// for the caller to report as a diagnostic.
    func store(_ installation: PythonInstallation, executable: String, environment: [String: String]) -> String? {
        guard let key = Self.key(executable: executable, environment: environment, workingDirectory: workingDirectory) else {
            return "the interpreter \(executable) could not be identified, so its answer was not cached"
        }
        var checked: [String] = []
        for entry in installation.sysPath {
            checked.append(entry)
            let names: [String]
            do {
                names = try FileSystem.listDirectory(entry)
            } catch {
                // A missing entry (python3XX.zip) or a zip file has no .pth files; a folder
                // that cannot be listed could hide one, so nothing is remembered.
                if case .notFound = error { continue }
                if !FileSystem.isDirectory(entry) { continue }
                return "\(error.description): the interpreter's answer was not cached"
            }
            for name in names where name.hasSuffix(".pth") || name == "sitecustomize.py" || name == "usercustomize.py" {
                checked.append(entry + "/" + name)
            }
        }
        if let userSite = installation.userSite, !userSite.isEmpty { checked.append(userSite) }
        if let real = installation.executable { checked.append(real) }
        checked += Self.versionSelectionFiles(executable: executable, environment: environment, workingDirectory: workingDirectory)
        let entry = Entry(key: key, installation: installation, checks: checked.map { ($0, FileSystem.stamp($0)) })
        if let problem = CacheEntryFile.makeFolders(folder) { return problem }
        do {
            try AtomicFile.write(entry.bytes, to: entryPath(key), mode: 0o600)
            return nil
        } catch {
            return "the interpreter cache \(folder) was not written (\(error)); the next probe asks Python again"
        }
    }

    func entryPath(_ key: String) -> String {
        folder + "/" + Digest.sha256Hex(key.utf8) + ".json"
    }

    /// What identifies the question asked: nil when the interpreter cannot be stat'ed.
    static func key(executable: String, environment: [String: String], workingDirectory: String) -> String? {
        let stamp = FileSystem.stamp(executable)
        guard stamp != FileSystem.missingStamp else { return nil }
        var parts = ["envlock-interpreter/1", EnvlockRelease.version, "uid=\(geteuid())", "exe=\(executable)", "stamp=\(stamp)"]
        for name in keyVariables.sorted() {
            parts.append(environment[name].map { "\(name)=\($0)" } ?? "\(name) unset")
        }
        if isShim(executable) { parts.append("cwd=\(workingDirectory)") }
        return parts.joined(separator: "\n")
    }

    /// pyenv and asdf install shell scripts in a `shims` folder that pick the interpreter by
    /// environment, `.python-version` / `.tool-versions` from the working folder up, and a
    /// global version file.
    static func isShim(_ executable: String) -> Bool {
        executable.containsBytes("/shims/")
    }

    static func versionSelectionFiles(executable: String, environment: [String: String], workingDirectory: String) -> [String] {
        guard isShim(executable) else { return [] }
        var files: [String] = []
        var folder = workingDirectory
        while true {
            files.append(folder + "/.python-version")
            files.append(folder + "/.tool-versions")
            guard folder != "/" && !folder.isEmpty, let slash = folder.lastIndex(of: "/") else { break }
            folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
        }
        let home = environment["HOME"] ?? ""
        let pyenvRoot = environment["PYENV_ROOT"] ?? (home + "/.pyenv")
        files.append(pyenvRoot + "/version")
        files.append(home + "/.tool-versions")
        return files
    }

    /// One cached answer with the stamps it depends on.
    struct Entry {
        var key: String
        var installation: PythonInstallation
        var checks: [(path: String, stamp: String)]

        init(key: String, installation: PythonInstallation, checks: [(path: String, stamp: String)]) {
            self.key = key
            self.installation = installation
            self.checks = checks
        }

        init?(_ bytes: [UInt8]) {
            let root: MinimalJSON.Value
            do { root = try MinimalJSON.parse(bytes) } catch { return nil } // the caller names the entry as malformed
            guard
                  case .string(let key)? = root["key"],
                  case .array(let path)? = root["sys_path"],
                  case .array(let checks)? = root["checks"]
            else { return nil }
            func text(_ name: String) -> String? {
                if case .string(let value)? = root[name] { return value }
                return nil
            }
            var sysPath: [String] = []
            for item in path {
                guard case .string(let entry) = item else { return nil }
                sysPath.append(entry)
            }
            var parsedChecks: [(path: String, stamp: String)] = []
            for item in checks {
                guard case .array(let pair) = item, pair.count == 2, case .string(let file) = pair[0], case .string(let stamp) = pair[1] else { return nil }
                parsedChecks.append((file, stamp))
            }
            self.key = key
            self.installation = PythonInstallation(
                executable: text("executable"), version: text("version"), implementation: text("implementation"),
                prefix: text("prefix"), basePrefix: text("base_prefix"), sysPath: sysPath, userSite: text("user_site"))
            self.checks = parsedChecks
        }

        var bytes: [UInt8] {
            var members: [JSONValue.Member] = [.init("key", .string(key))]
            for (name, value) in [("executable", installation.executable), ("version", installation.version), ("implementation", installation.implementation),
                                  ("prefix", installation.prefix), ("base_prefix", installation.basePrefix)] {
                if let value { members.append(.init(name, .string(value))) }
            }
            if let userSite = installation.userSite { members.append(.init("user_site", .string(userSite))) }
            members.append(.init("sys_path", .array(installation.sysPath.map(JSONValue.string))))
            members.append(.init("checks", .array(checks.map { .array([.string($0.path), .string($0.stamp)]) })))
            return Array(JSONText.pretty(.object(members)).utf8)
        }
    }
}

import EnvLock

/// The code Python runs at every start, before the job's own, wherever it lies in the
/// installation: `python.startup`, a list of `NAME sha256:HEX` entries, sorted.
///
/// - **`sitecustomize` and `usercustomize`**: site.py imports each once at start, from the first
///   `sys.path` folder that holds it (a module, a package, an extension or sourceless bytecode);
///   the script's folder is not yet on `sys.path` then. Debian and Ubuntu ship one in the
///   standard library's folder (apport's hook).
/// - **`.pth` files with `import` lines** in the site folders on `sys.path` (`site-packages`,
///   `dist-packages`, and the `--site-packages` folders): site.py executes those lines
///   (`addpackage`), whatever they do. The installer lines PthFile knows to the letter
///   (setuptools' distutils shim, namespace packages, editable finders) are left out, so that
///   another setuptools release does not change the list; virtualenv's `import _virtualenv`
///   is listed as the `_virtualenv.py` it runs.
/// - **`._pth` files** beside the interpreter, its real file or its folder's library: getpath
///   (Modules/getpath.py, 3.11 and later) then takes `sys.path` from the file alone.
/// - A `sys.path` entry that is a file (a zip) is listed whole: envlock does not read inside it.
///
/// Any of these can change the options, settings or modules the job reads before it runs (a
/// `.pth` line appending `--always-cpu` to `sys.argv`, a `sitecustomize` that sets an
/// environment override). The files are named by their names, not their folders, so that the
/// same image unpacked at another prefix gives the same value; a profile pins the list to the
/// reference machine's. Files the installation's RECORDs or the venv checks already cover are
/// listed too: the list is about what runs, not who installed it.
struct PythonStartupDetector: SysPathDetector {
    let name = "python-startup"
    let provides = ["python.startup"]
    let dependencies = ["python"]

    init() {}

    /// The modules site.py imports at start.
    static let startupModules = ["sitecustomize", "usercustomize"]

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        let facts = earlier["python"]?.facts ?? [:]
        do throws(FileReadError) {
            let entries = try Self.entries(sysPath: sysPath, executable: facts["python.executable"], basePrefix: facts["python.base_prefix"], in: context)
            return .ok(["python.startup": FactList.encode(entries)])
        } catch {
            return .failed("cannot read the code Python runs at start: \(error); python.startup is left out")
        }
    }

    /// The fact's entries: `NAME sha256:HEX` for each of `startupFiles`, sorted. The job
    /// detectors use it for the job's own interpreter, which need not be the one probed.
    static func entries(sysPath: [String], executable: String?, basePrefix: String?, in context: HostContext) throws(FileReadError) -> [String] {
        var entries: [String] = []
        for path in try startupFiles(sysPath: sysPath, executable: executable, basePrefix: basePrefix, in: context) {
            let bytes = try context.readBytes(path, limit: 256 << 20)
            entries.append("\(PythonPath.basename(path)) sha256:\(Digest.sha256Hex(bytes))")
        }
        return entries.sorted()
    }

    /// The files Python runs or reads for `sys.path` at start, in the order found.
    static func startupFiles(sysPath: [String], executable: String?, basePrefix: String?, in context: HostContext) throws(FileReadError) -> [String] {
        var files: [String] = []
        // ._pth: beside the interpreter as named and as resolved, and beside its library.
        var folders: [String] = []
        if let executable, executable.hasPrefix("/") {
            folders.append(PythonPath.dirname(executable))
            folders.append(PythonPath.dirname(context.physicalPath(executable, from: "/")))
        }
        if let basePrefix, basePrefix.hasPrefix("/") { folders.append(PythonPath.join(basePrefix, "lib")) }
        var seen: Set<String> = []
        for folder in folders where seen.insert(folder).inserted {
            for name in try listing(folder, in: context).sorted() where name.hasSuffix("._pth") {
                files.append(PythonPath.join(folder, name))
            }
        }
        var modulesFound: Set<String> = []
        for entry in sysPath {
            if context.exists(entry), !context.isDirectory(entry) {
                files.append(entry)
                continue
            }
            let names = try listing(entry, in: context).sorted()
            for module in startupModules where !modulesFound.contains(module) {
                let matches = names.filter { $0 == module || $0.hasPrefix(module + ".") }
                guard !matches.isEmpty else { continue }
                modulesFound.insert(module)
                for name in matches {
                    let path = PythonPath.join(entry, name)
                    if context.isDirectory(path) {
                        // A package: its __init__ runs; what else it imports comes from it too.
                        for inner in try listing(path, in: context).sorted() where inner.hasSuffix(".py") || inner.hasSuffix(".so") {
                            files.append(PythonPath.join(path, inner))
                        }
                    } else {
                        files.append(path)
                    }
                }
            }
            let base = PythonPath.basename(entry)
            guard base == "site-packages" || base == "dist-packages" || context.python.sitePackages.contains(entry) else { continue }
            for name in names where name.hasSuffix(".pth") {
                let path = PythonPath.join(entry, name)
                let bytes = try context.readBytes(path, limit: 16 << 20)
                if !PthFile.unknownExecutableLines(bytes).isEmpty {
                    files.append(path)
                } else if PthFile.importsVirtualenvHelper(bytes), names.contains("_virtualenv.py") {
                    // virtualenv's known line runs _virtualenv.py, which no RECORD lists: its code is
                    // what runs, so it is listed in the line's place.
                    files.append(PythonPath.join(entry, "_virtualenv.py"))
                }
            }
        }
        return files
    }

    /// The names in `folder`; none where it does not exist (a sys.path entry may not).
    private static func listing(_ folder: String, in context: HostContext) throws(FileReadError) -> [String] {
        do {
            return try context.listDirectory(folder)
        } catch {
            if case .notFound = error { return [] }
            throw error
        }
    }
}

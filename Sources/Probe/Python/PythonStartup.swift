import EnvLock

/// The code Python runs at every start, before the job's own, wherever it lies in the
/// installation: `python.startup`, a list of `NAME sha256:HEX` entries, sorted.
///
/// - **`sitecustomize` and `usercustomize`**: site.py imports each once at start, from the first
///   `sys.path` folder that holds it (a module, a package, an extension or sourceless bytecode);
///   the script's folder is not yet on `sys.path` then. Every one found is listed (see
///   `startupFiles`). Debian and Ubuntu ship one in the standard library's folder (apport).
/// - **`.pth` files with `import` lines** in the site folders on `sys.path` (`site-packages`,
///   `dist-packages`, and the `--site-packages` folders): site.py executes those lines
///   (`addpackage`), whatever they do. The installer lines PthFile knows to the letter
///   (setuptools' distutils shim, namespace packages, editable finders) are left out, so that
///   another setuptools release does not change the list, but the module each imports
///   (`_distutils_hack`, `_virtualenv`, an editable finder) is listed, since its code runs:
///   setuptools' `_distutils_hack` only where setuptools' RECORD does not list the file with
///   its SHA-256 (an edit), so that another setuptools release, or an installation without
///   setuptools, gives the same list. Like every distribution's files, the RECORD itself is
///   checked only by a `python.packages.setuptools.files` rule.
///
/// Not covered: bytecode in `__pycache__` that Python would run instead of a listed source
/// (the RECORD and checkout checks compare bytecode with its source through the interpreter;
/// this list does not).
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
        for file in try startupFiles(sysPath: sysPath, executable: executable, basePrefix: basePrefix, in: context) {
            let bytes = try context.readBytes(file.path, limit: 256 << 20)
            if let owner = file.recordedBy, try recorded(bytes, name: file.name, in: owner, context: context) {
                // The installer's own code as its RECORD lists it: left out like the known line
                // that imports it, so that another setuptools release, or an installation
                // without setuptools, gives the same list; an edit makes it listed by digest.
                continue
            } else {
                entries.append("\(file.name) sha256:\(Digest.sha256Hex(bytes))")
            }
        }
        return entries.sorted()
    }

    /// A file Python runs or reads at start: the name it is listed by (its file name, or
    /// `PACKAGE/FILE` inside a package) and its path.
    struct StartupFile: Sendable, Equatable {
        var name: String
        var path: String
        /// The RECORD of the distribution that installs the file, where one is known to
        /// (setuptools' `_distutils_hack`, which its `distutils-precedence.pth` imports).
        var recordedBy: String? = nil
    }

    /// Whether the RECORD at `record` lists `name` (a path relative to its site folder) with
    /// the SHA-256 of `bytes`.
    static func recorded(_ bytes: [UInt8], name: String, in record: String, context: HostContext) throws(FileReadError) -> Bool {
        let text = try context.readText(record, limit: DistributionRecords.recordLimit)
        let digest = Array(Digest.sha256Hex(bytes).utf8)
        return DistributionRecords.parseRecord(text).contains { entry in
            guard entry.path == name, entry.hash.hasPrefix("sha256="),
                  let recorded = Base64Codec.decodeURLSafeUnpadded(entry.hash.dropFirst("sha256=".count)) else { return false }
            return Array(Hex.encode(recorded).utf8) == digest
        }
    }

    /// The files Python runs or reads for `sys.path` at start, in the order found.
    ///
    /// Every `sitecustomize` and `usercustomize` on the path is listed, not only the first:
    /// which one Python imports depends on the order site.py builds `sys.path` in (a `.pth`
    /// file's folders come after every site folder) and on namespace folders, which do not end
    /// the search; listing them all can only make the pin stricter. The folders that the path
    /// lines of a site folder's `.pth` files name are searched too.
    static func startupFiles(sysPath: [String], executable: String?, basePrefix: String?, in context: HostContext) throws(FileReadError) -> [StartupFile] {
        var files: [StartupFile] = []
        // ._pth: beside the interpreter as named and as resolved, and beside its library.
        var pthFolders: [String] = []
        if let executable, executable.hasPrefix("/") {
            pthFolders.append(PythonPath.dirname(executable))
            pthFolders.append(PythonPath.dirname(context.physicalPath(executable, from: "/")))
        }
        if let basePrefix, basePrefix.hasPrefix("/") { pthFolders.append(PythonPath.join(basePrefix, "lib")) }
        var seen: Set<String> = []
        for folder in pthFolders where seen.insert(folder).inserted {
            for name in try listing(folder, in: context).sorted() where name.hasSuffix("._pth") {
                files.append(StartupFile(name: name, path: PythonPath.join(folder, name)))
            }
        }
        var folders = sysPath
        var searched: Set<String> = []
        var index = 0
        while index < folders.count {
            let entry = folders[index]
            index += 1
            guard searched.insert(entry).inserted else { continue }
            if context.exists(entry), !context.isDirectory(entry) {
                files.append(StartupFile(name: PythonPath.basename(entry), path: entry))
                continue
            }
            let names = try listing(entry, in: context).sorted()
            for module in startupModules {
                files += try moduleFiles(module, among: names, in: entry, context: context)
            }
            let base = PythonPath.basename(entry)
            guard base == "site-packages" || base == "dist-packages" || context.python.sitePackages.contains(entry) else { continue }
            for name in names where name.hasSuffix(".pth") {
                let path = PythonPath.join(entry, name)
                let bytes = try context.readBytes(path, limit: 16 << 20)
                if !PthFile.unknownExecutableLines(bytes).isEmpty {
                    files.append(StartupFile(name: name, path: path))
                }
                // A known installer line runs the module it imports: its code is listed, by its
                // RECORD where setuptools installs it.
                for module in PthFile.modulesImportedByKnownLines(bytes) {
                    let owner = module == "_distutils_hack" ? names.first { $0.hasPrefix("setuptools-") && $0.hasSuffix(".dist-info") } : nil
                    for var file in try moduleFiles(module, among: names, in: entry, context: context) {
                        file.recordedBy = owner.map { PythonPath.join(PythonPath.join(entry, $0), "RECORD") }
                        files.append(file)
                    }
                }
                // The folders its path lines add are on sys.path when site imports sitecustomize.
                for line in PthFile.pathLines(String(decoding: bytes, as: UTF8.self)) {
                    folders.append(line.hasPrefix("/") ? line : PythonPath.join(entry, line))
                }
            }
        }
        return files
    }

    /// The files of module `module` in `folder` (`names` is its listing): a module file in any
    /// form (`NAME.py`, `.pyc`, an extension), and every file of a package folder of that name,
    /// listed as `NAME/FILE` (a folder without `__init__` is a namespace portion that runs nothing).
    static func moduleFiles(_ module: String, among names: [String], in folder: String, context: HostContext) throws(FileReadError) -> [StartupFile] {
        var files: [StartupFile] = []
        let moduleSuffixes = [".py", ".pyc", ".so"]
        for name in names where name == module || (name.hasPrefix(module + ".") && moduleSuffixes.contains { name.hasSuffix($0) }) {
            let path = PythonPath.join(folder, name)
            guard context.isDirectory(path) else {
                files.append(StartupFile(name: name, path: path))
                continue
            }
            for inner in try listing(path, in: context).sorted() where !context.isDirectory(PythonPath.join(path, inner)) {
                files.append(StartupFile(name: name + "/" + inner, path: PythonPath.join(path, inner)))
            }
        }
        return files
    }

    /// The names in `folder`; none where it does not exist (a sys.path entry may not).
    static func listing(_ folder: String, in context: HostContext) throws(FileReadError) -> [String] {
        do {
            return try context.listDirectory(folder)
        } catch {
            if case .notFound = error { return [] }
            throw error
        }
    }
}

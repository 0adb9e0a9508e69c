import EnvLock

/// Which argparse a Python job will parse its command line with: the `argparse.py` its
/// interpreter imports, found as Python finds it, and the CPython release envlock's port
/// (PythonArgparse.swift) was proven equal to for that file.
///
/// The file decides, not a version number: argparse changed in patch releases (3.11.9,
/// 3.12.3, 3.12.7, 3.13.1 changed how `--opt=value`, prefixes and `--` parse), and a
/// distribution may patch it. So the file's SHA-256 must be one of `provenFiles`, each run
/// through scripts/differential/argparse_differential.py (thousands of generated command
/// lines against the real file, zero disagreements). Any other file, or one envlock cannot
/// find for sure, is undetermined and the job's options with it.
///
/// Found without running Python, as CPython 3.10-3.13's `getpath` and import system find it:
/// the interpreter (the program, looked up on the job's PATH, or a script's `#!` line); its
/// virtual environment's `home` (pyvenv.cfg beside it or one folder up), else the folder of
/// the interpreter with links followed; from there up, the first `lib/python3.N/os.py` (the
/// stdlib landmark); before that folder on `sys.path` come the script's folder, `$PYTHONPATH`
/// and `lib/python3N.zip`, any of which holding an `argparse` shadows the standard one.
/// Not modelled: a `sitecustomize` or `.pth` line that patches argparse at start.
package enum JobArgparse {
    /// A proven `argparse.py`: the release it came from and the model that reads as it does.
    package struct ProvenFile: Sendable, Equatable {
        package var release: String
        package var minor: Int
        /// How this file parses, as the differential test proved it: named for every file, never
        /// assumed from the minor version, since patch releases changed argparse.
        package var revision: PythonArgparse.Revision

        package init(release: String, minor: Int, revision: PythonArgparse.Revision) {
            self.release = release
            self.minor = minor
            self.revision = revision
        }
    }

    /// SHA-256 of each `argparse.py` the differential test has shown envlock's port of that
    /// minor version reads exactly as (scripts/differential/argparse_differential.py, with
    /// `--argparse-file` for files other than the running interpreter's own; docs/FACTS.md
    /// lists the runs). A release missing here is not known to differ; it is not proven.
    package static let provenFiles: [String: ProvenFile] = [
        // pyenv builds of the python.org releases.
        "a238b700513237e10d26056e42c5b4e42d4961ea70e15ebeef4c61c76615f004": ProvenFile(release: "3.10.13", minor: 10, revision: .original),
        "dc1eba8adfdf615986421f981337458ba1072d3e718a0f76e3224940fd74118b": ProvenFile(release: "3.11.7", minor: 11, revision: .original),
        "97e4748d9dd71994c979ddd3245bc84a209cf18e683a6c5a663886224f01d752": ProvenFile(release: "3.12.1", minor: 12, revision: .original),
        "67267741eccb30cfa2a03e76b0c2e3f70641c944b0240ee600cca22cd6ef0a34": ProvenFile(release: "3.13.0", minor: 13, revision: .separator),
        // Debian bookworm's python3.11 (3.11.2-6+deb12u6, u8 and u9 ship the same file): 3.11.2
        // with Debian's import fallback for gettext and shutil; 16,000 cases, 0 disagreements.
        "9cad2261a804a55d7aca32790c999cb11bb546ce13a1c93e584ae57d5f8ea2a1": ProvenFile(release: "3.11.2 (Debian 12)", minor: 11, revision: .original),
        // Read from the distributions' libpython3.X-minimal packages (2026-12-07), each loaded
        // in pyenv's interpreter of its minor by `argparse_differential.py --argparse-file`:
        // Ubuntu 22.04's 3.10.12-1~22.04.18, Ubuntu 24.04's 3.12.3-1ubuntu0.18, Debian 13's
        // 3.13.5-2+deb13u5 and Debian sid's 3.13.18-1; 0 disagreements on each (docs/FACTS.md).
        "579514c1f51cf397347d64a7f496c7f7c07e5cc1f55fe371f4c3403b5ed55f47": ProvenFile(release: "3.10.12 (Ubuntu 22.04)", minor: 10, revision: .original),
        "29395feb61bc376ca4ff9d44069af8d914ec2a1f25a4bd7978f6e2afef5bc07f": ProvenFile(release: "3.12.3 (Ubuntu 24.04)", minor: 12, revision: .separator),
        "536e65df75b5dae9d11d0fec05cb1faee86b41cf9fba4e7f2c3f54dbd7405488": ProvenFile(release: "3.13.5 (Debian 13)", minor: 13, revision: .reachedAmbiguity),
        "29041145222e01188f01ea125f4a41340da708974cee446bce80d3e8dc5f340c": ProvenFile(release: "3.13.18 (Debian sid)", minor: 13, revision: .requotedChoices),
        // Not proven, and so undetermined: any other release, such as the 3.12.10 bundled with
        // google-cloud-cli, which disagreed on hundreds of cases with the models before the
        // 3.13.5 revision existed; a file is added here only after a run with 0 disagreements.
    ]

    /// The argparse a job will run.
    struct Found: Sendable, Equatable {
        /// The `argparse.py` Python will import.
        var path: String
        var proven: ProvenFile
        /// What the job's interpreter runs at start from its own installation (PythonStartup's
        /// entries): the installation is trusted to hold no other argparse, but what it runs
        /// at start is a fact the profiles pin, since a .pth line or a sitecustomize there can
        /// change the app's options and settings.
        var startup: [String] = []
    }

    /// Why envlock cannot say which argparse the job runs.
    struct Undetermined: Error, Sendable, Equatable {
        var reason: String
    }

    /// The argparse that `launch` of `job` will import, or why it cannot be known.
    static func find(for launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> Result<Found, Undetermined> {
        if let module = launch.module {
            // `-m` puts the working folder itself first on sys.path, where `python script.py`
            // puts the script's folder with links followed: the two agree only when NAME.py is no
            // link (then its physical folder is the working folder).
            let path = PythonPath.join(job.workingDirectory, module + ".py")
            do {
                if try context.isSymbolicLink(path) {
                    return .failure(Undetermined(reason: "python -m \(module) imports the app's modules from \(job.workingDirectory), but \(path) is a link to a file elsewhere, whose folder envlock would read instead; run the script by its path"))
                }
            } catch {
                return .failure(Undetermined(reason: "cannot tell whether \(path) is a link: \(error)"))
            }
        }
        if let safePath = safePathMode(launch, in: context) {
            return .failure(Undetermined(reason: "\(safePath) keeps the script's folder off sys.path, so the app's own modules (its options, its settings) are imported from wherever sys.path finds them, not from the checkout envlock reads; run the job without it"))
        }
        return interpreter(for: launch, job: job, in: context).flatMap { invoked in
            standardLibrary(of: invoked, ignoringEnvironment: launch.interpreterHas("E") || launch.interpreterHas("I"), job: job, in: context).flatMap { stdlib in
                shadowing(launch: launch, stdlib: stdlib, job: job, in: context).flatMap { _ in
                    proven(stdlib.folder + "/argparse.py", known: job.provenArgparse, in: context)
                }.flatMap { found in
                    installationStartup(stdlib, interpreter: invoked, in: context).map { startup in
                        var found = found
                        found.startup = startup
                        return found
                    }
                }
            }
        }
    }

    /// What the installation of `stdlib` runs at every start (PythonStartup's entries): its
    /// standard library folder and every site folder site.py may add for it (its own
    /// site-packages; Debian's dist-packages under the prefix and /usr/local; a venv's), and
    /// `._pth` files beside its interpreter. Folders site.py would not add only make the list
    /// longer, never shorter, so the pin stays strict.
    static func installationStartup(_ stdlib: StandardLibrary, interpreter: String, in context: HostContext) -> Result<[String], Undetermined> {
        let version = PythonPath.basename(stdlib.folder)
        var folders = [stdlib.folder, PythonPath.join(stdlib.folder, "lib-dynload")]
        for relative in ["lib/\(version)/site-packages", "lib/python3/dist-packages", "lib/\(version)/dist-packages", "local/lib/\(version)/dist-packages", "local/lib/python3/dist-packages"] {
            folders.append(PythonPath.join(stdlib.prefix, relative))
        }
        if let site = stdlib.environmentSite { folders.append(site) }
        var seen: Set<String> = []
        folders = folders.filter { seen.insert($0).inserted }
        do {
            return .success(try PythonStartupDetector.entries(sysPath: folders, executable: interpreter, basePrefix: stdlib.prefix, in: context))
        } catch {
            return .failure(Undetermined(reason: "cannot read what the interpreter runs at start: \(error)"))
        }
    }

    /// What puts Python in safe-path mode for `launch` (`-P`, `-I`, or `PYTHONSAFEPATH` set to
    /// anything but empty while the environment counts), or nil. In that mode sys.path[0] is not
    /// the script's folder (Python 3.11 and later; an older Python rejects `-P` and ignores the
    /// variable, so the answer is only ever stricter than Python).
    static func safePathMode(_ launch: JobInvocation.Launch, in context: HostContext) -> String? {
        if launch.interpreterHas("P") { return "-P" }
        if launch.interpreterHas("I") { return "-I (isolated mode)" }
        if !launch.interpreterHas("E"), let value = context.environment["PYTHONSAFEPATH"], !value.isEmpty { return "PYTHONSAFEPATH=\(UntrustedText.quoted(value))" }
        return nil
    }

    /// The interpreter as the kernel is asked to run it: an absolute path whose folders have
    /// their links followed and whose last part is kept (a venv's `bin/python` link must stay
    /// one, since pyvenv.cfg is looked for beside it).
    static func interpreter(for launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> Result<String, Undetermined> {
        var program = launch.program
        if launch.script == program {
            // `./launch.py` runs what its `#!` line names.
            let path = job.physicalPath(program, in: context)
            let firstLine: String
            do {
                let bytes = try context.readBytes(path, limit: 64 << 20)
                firstLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            } catch {
                return .failure(Undetermined(reason: "cannot read \(path) to see which interpreter its #! line names: \(error)"))
            }
            guard firstLine.hasPrefix("#!") else {
                return .failure(Undetermined(reason: "\(path) has no #! line, so which Python runs it is not known"))
            }
            let words = firstLine.dropFirst(2).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let named = words.first else { return .failure(Undetermined(reason: "\(path) has an empty #! line")) }
            if PythonPath.basename(named) == "env" {
                guard words.count == 2 else {
                    return .failure(Undetermined(reason: "\(path)'s #! line passes options to env (\(words.dropFirst().joined(separator: " ")))"))
                }
                program = words[1]
            } else {
                program = named
            }
        }
        guard PythonPath.basename(program).hasPrefix("python") else {
            return .failure(Undetermined(reason: "\(program) is not a Python interpreter envlock recognises by name"))
        }
        if !program.contains("/") {
            // execvp: the job's PATH, relative folders taken from the job's working folder.
            let folders = (context.environment["PATH"] ?? CommandSearch.defaultSearchPath).split(separator: ":", omittingEmptySubsequences: false).map { folder in
                folder.hasPrefix("/") ? String(folder) : PythonPath.join(job.workingDirectory, String(folder))
            }
            guard let found = context.findCommand(program, searchPath: folders.joined(separator: ":"), rule: .executable) else {
                return .failure(Undetermined(reason: "\(program) is not on the job's PATH"))
            }
            program = found
        }
        let absolute = program.hasPrefix("/") ? program : PythonPath.join(job.workingDirectory, program)
        let folder = context.physicalPath(PythonPath.dirname(absolute), from: "/")
        let invoked = PythonPath.join(folder, PythonPath.basename(absolute))
        return PyenvShim.read(invoked, in: context).map { shim in shim.interpreter(job: job, in: context) } ?? .success(invoked)
    }

    /// A standard library folder: `lib/python3.N` under the prefix.
    struct StandardLibrary: Sendable, Equatable {
        var prefix: String
        var folder: String
        var zip: String
        /// The virtual environment the interpreter runs in (the folder of its pyvenv.cfg).
        var environment: String? = nil
        /// The environment's own site-packages: what `site` adds on top of the installation.
        /// The installation's own folders (its site-packages and dist-packages, its
        /// sitecustomize) are trusted like its standard library; what a venv, the user site or
        /// `$PYTHONPATH` adds is checked.
        var environmentSite: String? {
            environment.map { PythonPath.join($0, "lib/\(PythonPath.basename(folder))/site-packages") }
        }
    }

    /// getpath: the folder the prefix search starts from (a venv's `home`, else the real
    /// interpreter's folder), then up to `/` for `lib/python3.N/os.py`; `$PYTHONHOME` replaces
    /// the search. N is the interpreter's own minor version: from the real file's name
    /// (`python3.10`), else the venv's recorded version, else the only one found.
    static func standardLibrary(of invoked: String, ignoringEnvironment: Bool = false, job: JobInvocation, in context: HostContext) -> Result<StandardLibrary, Undetermined> {
        let real = context.physicalPath(invoked, from: "/")
        guard context.exists(real) else { return .failure(Undetermined(reason: "the interpreter \(invoked) does not exist")) }
        // A wrapper script named python3 may run anything: only an executable file is taken for
        // the interpreter itself.
        do {
            guard try context.readPrefix(real, count: 4) == [0x7F, 0x45, 0x4C, 0x46] else {
                return .failure(Undetermined(reason: "\(real) is not an executable (a script or wrapper), so which Python it runs is not known"))
            }
        } catch {
            return .failure(Undetermined(reason: "cannot read \(real): \(error)"))
        }
        var start = PythonPath.dirname(real)
        var minor = Self.minor(fromName: PythonPath.basename(real))
        var environment: String?
        for candidate in [PythonPath.dirname(invoked), PythonPath.dirname(PythonPath.dirname(invoked))] {
            let configPath = PythonPath.join(candidate, "pyvenv.cfg")
            guard context.exists(configPath) else { continue }
            let config: PyVenvConfig
            do {
                config = PyVenvConfig.parse(try context.readText(configPath, limit: 64 << 10))
            } catch {
                return .failure(Undetermined(reason: "cannot read \(configPath): \(error)"))
            }
            if let home = config.home, !home.isEmpty {
                start = context.physicalPath(home, from: candidate)
            }
            environment = candidate
            if minor == nil, let version = config.version {
                let parts = version.split(separator: ".")
                if parts.count >= 2, parts[0] == "3" { minor = Int(parts[1]) }
            }
            break
        }
        // $PYTHONHOME (prefix[:exec_prefix]) replaces the search: the stdlib is under its prefix.
        var searchUp = true
        if !ignoringEnvironment, let home = context.environment["PYTHONHOME"], !home.isEmpty {
            let prefix = String(home.split(separator: ":", omittingEmptySubsequences: false)[0])
            guard !prefix.isEmpty else { return .failure(Undetermined(reason: "PYTHONHOME=\(home) names no prefix")) }
            start = context.physicalPath(prefix, from: job.workingDirectory)
            searchUp = false
        }
        var folder = start
        while true {
            var found: [(minor: Int, libdir: String)] = []
            for libdir in ["lib", "lib64"] {
                let lib = PythonPath.join(folder, libdir)
                if let minor {
                    if context.exists(lib + "/python3.\(minor)/os.py") { found.append((minor, libdir)) }
                } else {
                    let names: [String]
                    do {
                        names = try context.listDirectory(lib)
                    } catch {
                        // Nothing there is the search going on; a folder envlock cannot list
                        // may hold the standard library the interpreter finds.
                        if case .notFound = error { continue }
                        if case .notRegularFile = error { continue }
                        return .failure(Undetermined(reason: "cannot list \(lib), where \(invoked) may find its standard library: \(error)"))
                    }
                    for name in names {
                        guard let candidate = Self.minor(fromName: name), name == "python3.\(candidate)", context.exists(lib + "/\(name)/os.py") else { continue }
                        found.append((candidate, libdir))
                    }
                }
            }
            if found.count > 1 {
                return .failure(Undetermined(reason: "\(folder) holds several standard libraries (\(found.map { "\($0.libdir)/python3.\($0.minor)" }.joined(separator: ", "))); which one \(invoked) uses is not known"))
            }
            if let one = found.first {
                let prefix = folder
                return .success(StandardLibrary(prefix: prefix, folder: PythonPath.join(prefix, "\(one.libdir)/python3.\(one.minor)"),
                                                zip: PythonPath.join(prefix, "\(one.libdir)/python3\(one.minor).zip"),
                                                environment: environment))
            }
            if !searchUp || folder == "/" || folder.isEmpty { break }
            folder = PythonPath.dirname(folder)
        }
        return .failure(Undetermined(reason: "no standard library (lib/python3.N/os.py) \(searchUp ? "above" : "in") \(start), where \(invoked) looks for it"))
    }

    /// `10` from `python3.10`; nil for `python3`, `python`.
    static func minor(fromName name: String) -> Int? {
        guard name.hasPrefix("python3.") else { return nil }
        let digits = name.dropFirst("python3.".count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// What comes before the standard library on `sys.path` and would be imported instead of
    /// it: the script's own folder (links followed, as `sys.path[0]` is; not under `-I`/`-P`),
    /// `$PYTHONPATH`'s folders (not under `-E`/`-I`), and the stdlib zip. Any module there named
    /// like one of the standard library's (argparse, json, …: a module, package, extension or
    /// bytecode) is imported instead of it, by the app's code or by argparse itself. And what
    /// `site` runs at start from outside the installation: a `sitecustomize` on `$PYTHONPATH`
    /// or in the user site, a `usercustomize` in the user site, which can change the
    /// environment or `sys.argv` before the app reads them; and the `import` lines of the
    /// `.pth` files in the venv's and the user's site folders, which site.py runs (PthFile
    /// knows the harmless ones). The installation's own site folders are trusted with it.
    static func shadowing(launch: JobInvocation.Launch, stdlib: StandardLibrary, job: JobInvocation, in context: HostContext) -> Result<Void, Undetermined> {
        let isolated = launch.interpreterHas("I")
        let ignoresEnvironment = isolated || launch.interpreterHas("E")
        var folders: [String] = []
        if let script = launch.script, !isolated, !launch.interpreterHas("P") {
            folders.append(PythonPath.dirname(job.physicalPath(script, in: context)))
        }
        var startupFolders: [String] = []
        var userSite: String?
        if !ignoresEnvironment, let path = context.environment["PYTHONPATH"] {
            for entry in path.split(separator: ":") {
                folders.append(job.physicalPath(String(entry), in: context))
                startupFolders.append(job.physicalPath(String(entry), in: context))
            }
        }
        // site.py's user site: $PYTHONUSERBASE or ~/.local, lib/python3.N/site-packages;
        // off under -s, -I and $PYTHONNOUSERSITE.
        if !isolated, !launch.interpreterHas("s"), ignoresEnvironment || context.environment["PYTHONNOUSERSITE"].map({ $0.isEmpty }) ?? true {
            let base = (ignoresEnvironment ? nil : context.environment["PYTHONUSERBASE"]) ?? context.environment["HOME"].map { $0 + "/.local" }
            if let base {
                userSite = job.physicalPath(PythonPath.join(base, "lib/" + PythonPath.basename(stdlib.folder) + "/site-packages"), in: context)
                startupFolders.append(userSite!)
            }
        }
        if context.exists(stdlib.zip) {
            return .failure(Undetermined(reason: "\(stdlib.zip) exists and comes before \(stdlib.folder) on sys.path; it may hold another argparse"))
        }
        let standard: Set<String>
        switch standardModules(stdlib, in: context) {
        case .success(let names): standard = names
        case .failure(let failure): return .failure(failure)
        }
        func listing(_ folder: String) -> Result<[String], Undetermined> {
            do {
                return .success(try PythonStartupDetector.listing(folder, in: context))
            } catch {
                return .failure(Undetermined(reason: "cannot list \(folder), which Python reads before it runs the job: \(error)"))
            }
        }
        for folder in folders where folder != stdlib.folder {
            let names: [String]
            switch listing(folder) {
            case .success(let found): names = found
            case .failure(let failure): return .failure(failure)
            }
            for name in names {
                guard let module = moduleName(name, in: folder, context: context), standard.contains(module) else { continue }
                return .failure(Undetermined(reason: "\(PythonPath.join(folder, name)) comes before the standard library on sys.path, so the job imports it instead of Python's \(module)"))
            }
        }
        for folder in startupFolders + [stdlib.environmentSite].compactMap({ $0 }) {
            let names: [String]
            switch listing(folder) {
            case .success(let found): names = found
            case .failure(let failure): return .failure(failure)
            }
            for name in names {
                guard let module = moduleName(name, in: folder, context: context) else { continue }
                if module == "sitecustomize" || module == "usercustomize" {
                    return .failure(Undetermined(reason: "\(PythonPath.join(folder, name)) runs when Python starts, before the app reads its options and settings, and may change them"))
                }
                // The modules the installers' known .pth lines import at every start: found here,
                // before the site folder that holds the real one, they run instead of it.
                if folder != stdlib.environmentSite, module == "_distutils_hack" || module == "_virtualenv" || module.hasPrefix("__editable___") {
                    return .failure(Undetermined(reason: "\(PythonPath.join(folder, name)) comes before the site folders on sys.path, so a .pth line that imports \(module) at start runs it instead of the installed one"))
                }
            }
            // site.py runs the `import` lines of every .pth file in a site folder; the ones
            // installers write and that only install import hooks (PthFile) are known.
            guard folder == stdlib.environmentSite || folder == userSite else { continue }
            for name in names where name.hasSuffix(".pth") {
                let path = PythonPath.join(folder, name)
                let text: String
                do {
                    text = try context.readText(path, limit: 1 << 20)
                } catch {
                    return .failure(Undetermined(reason: "cannot read \(path), whose import lines Python runs at start: \(error)"))
                }
                if let line = PthFile.sysPathChangingLines(text).first {
                    return .failure(Undetermined(reason: "\(path) runs \(UntrustedText.quoted(String(line.prefix(80)))) when Python starts, before the app reads its options and settings"))
                }
            }
        }
        return .success(())
    }

    /// The module an entry of a `sys.path` folder is imported as: `x.py`, `x.pyc`, an
    /// extension `x.so` / `x.cpython-311-….so`, or a package folder `x/` with an `__init__`;
    /// nil for anything else (a folder without `__init__` is a namespace portion, which a
    /// module later on the path wins over).
    static func moduleName(_ entry: String, in folder: String, context: HostContext) -> String? {
        for suffix in [".py", ".pyc"] where entry.hasSuffix(suffix) && entry.count > suffix.count {
            return String(entry.dropLast(suffix.count))
        }
        if entry.hasSuffix(".so"), let dot = entry.firstIndex(of: "."), dot > entry.startIndex {
            return String(entry[..<dot])
        }
        guard !entry.contains("."), context.isDirectory(PythonPath.join(folder, entry)) else { return nil }
        let package = PythonPath.join(folder, entry)
        return context.exists(package + "/__init__.py") || context.exists(package + "/__init__.pyc") ? entry : nil
    }

    /// The standard library's top-level module names: its `.py` files and packages, and the
    /// extensions in `lib-dynload`.
    static func standardModules(_ stdlib: StandardLibrary, in context: HostContext) -> Result<Set<String>, Undetermined> {
        var names: Set<String> = []
        do {
            for entry in try context.listDirectory(stdlib.folder) where entry != "site-packages" && entry != "__pycache__" {
                if entry.hasSuffix(".py") { names.insert(String(entry.dropLast(3))) } else if !entry.contains(".") { names.insert(entry) }
            }
        } catch {
            return .failure(Undetermined(reason: "cannot list the standard library \(stdlib.folder): \(error)"))
        }
        // Without lib-dynload's names an extension shadowed in the app's folder would go
        // unseen: a folder that exists and cannot be listed is undetermined.
        do {
            for entry in try context.listDirectory(stdlib.folder + "/lib-dynload") where entry.hasSuffix(".so") {
                if let dot = entry.firstIndex(of: ".") { names.insert(String(entry[..<dot])) }
            }
        } catch {
            if case .notFound = error {} else { return .failure(Undetermined(reason: "cannot list \(stdlib.folder)/lib-dynload: \(error)")) }
        }
        names.insert("argparse")
        return .success(names)
    }

    /// The file at `path`, if its SHA-256 is one envlock's port is proven against.
    static func proven(_ path: String, known: [String: ProvenFile], in context: HostContext) -> Result<Found, Undetermined> {
        let bytes: [UInt8]
        do {
            bytes = try context.readBytes(path, limit: 4 << 20)
        } catch {
            return .failure(Undetermined(reason: "cannot read \(path): \(error)"))
        }
        let digest = String(ModelDigest.text(of: bytes).dropFirst("sha256:".count))
        guard let proven = known[digest] else {
            return .failure(Undetermined(reason: "\(path) (SHA-256 \(digest)) is not an argparse envlock's reading is proven against (CPython \(known.values.map(\.release).sorted().joined(separator: ", ")))"))
        }
        return .success(Found(path: path, proven: proven))
    }
}

extension JobArgparse {
    /// `parser.parse_args(launch.arguments)` as the job's own argparse runs it, and a note
    /// naming that argparse; undetermined when it is not one envlock's port is proven against.
    static func parse(_ launch: JobInvocation.Launch, with parser: PythonArgparse, job: JobInvocation, in context: HostContext,
                      host: PythonArgparse.Host = .unknown) -> (outcome: PythonArgparse.Outcome, note: String?, startup: Result<[String], Undetermined>) {
        switch find(for: launch, job: job, in: context) {
        case .failure(let undetermined):
            return (.undetermined(reason: "which argparse reads the command line is not known: " + undetermined.reason), nil, .failure(undetermined))
        case .success(let found):
            let outcome = parser.parse(launch.arguments, revision: found.proven.revision, host: host)
            return (outcome, "the command line is read as \(found.path) (CPython \(found.proven.release)'s argparse) reads it", .success(found.startup))
        }
    }

    /// Records the job interpreter's start-up code as `key` (`job.APP.python_startup`), or why
    /// it is not known.
    static func record(startup: Result<[String], Undetermined>, as key: String, facts: inout [String: String], unreadable: inout [String: String]) {
        switch startup {
        case .success(let entries): facts[key] = FactList.encode(entries)
        case .failure(let undetermined): unreadable[key] = "undetermined: " + undetermined.reason
        }
    }

    /// The fact for a command line the app refuses or that ends before generating: argparse's
    /// message for status 2, and what happens for help.
    static func exitFact(status: Int32, message: String, app: String) -> String {
        status == 0 ? "\(app) prints its help and exits 0 without generating anything" : message
    }

    /// The reason given for each fact an app's refused command line leaves unread (`what` it
    /// would have read next): one sentence for all of them, so reports show them once under
    /// it, as not evaluated rather than absent.
    static func refusedCause(app: String, errorKey: String, what: String) -> String {
        Evaluator.notEvaluated + ": \(app)'s argparse refuses the command line (\(errorKey)), so \(app) stops before it reads \(what)"
    }
}

/// A pyenv shim (`~/.pyenv/shims/python3`): a shell script that runs `pyenv exec`, which picks
/// the version as pyenv's `pyenv-version-name` does: `$PYENV_VERSION`, else the first
/// `.python-version` from the working folder up, else `$PYENV_ROOT/version`; of several
/// versions, the first that has the command (`pyenv-which`); `system` is the next one on PATH.
struct PyenvShim: Sendable, Equatable {
    var path: String
    var root: String

    /// The shim at `path`, or nil when it is not one (any file that is not a small script
    /// naming `libexec/pyenv" exec`).
    static func read(_ path: String, in context: HostContext) -> PyenvShim? {
        // A file that cannot be read is not taken for a shim; the interpreter check then reads
        // it and says why it could not.
        let prefix: [UInt8]
        do {
            prefix = try context.readPrefix(path, count: 4096)
        } catch {
            return nil
        }
        let text = String(decoding: prefix, as: UTF8.self)
        guard text.hasPrefix("#!"), text.contains("/libexec/pyenv\" exec") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("export PYENV_ROOT=\"") && line.hasSuffix("\"") {
            return PyenvShim(path: path, root: String(line.dropFirst("export PYENV_ROOT=\"".count).dropLast()))
        }
        return nil
    }

    func interpreter(job: JobInvocation, in context: HostContext) -> Result<String, JobArgparse.Undetermined> {
        let command = PythonPath.basename(path)
        let versions: [String]
        let source: String
        if let named = context.environment["PYENV_VERSION"], !named.isEmpty {
            versions = named.split(separator: ":").map(String.init)
            source = "PYENV_VERSION"
        } else {
            var file: String?
            // pyenv-version-file: from $PYENV_DIR (default: the working folder) up.
            var folder = context.environment["PYENV_DIR"].map { PythonPath.normalize(PythonPath.join(job.workingDirectory, $0)) } ?? job.workingDirectory
            while true {
                let candidate = PythonPath.join(folder, ".python-version")
                if context.exists(candidate) {
                    file = candidate
                    break
                }
                if folder == "/" || folder.isEmpty { break }
                folder = PythonPath.dirname(folder)
            }
            let global = PythonPath.join(root, "version")
            let chosen = file ?? global
            // pyenv without any version file runs the system Python.
            guard context.exists(chosen) else { return Self.system(command, shimFolder: PythonPath.dirname(path), job: job, in: context) }
            do {
                versions = try context.readText(chosen, limit: 64 << 10).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
                    .map(String.init).filter { !$0.hasPrefix("#") && $0 != ".." }
            } catch {
                return .failure(.init(reason: "cannot read \(chosen), which chooses pyenv's Python: \(error)"))
            }
            source = chosen
        }
        // The shim exports its own PYENV_ROOT before it runs pyenv, whatever the job's is.
        let installed: [String]
        do {
            installed = try context.listDirectory(PythonPath.join(root, "versions"))
        } catch {
            if case .notFound = error {
                installed = []
            } else {
                return .failure(.init(reason: "cannot list \(root)/versions, where pyenv finds its Pythons: \(error)"))
            }
        }
        for version in versions {
            if version == "system" { return Self.system(command, shimFolder: PythonPath.dirname(path), job: job, in: context) }
            // pyenv-latest: a prefix (`3.12`) names the newest installed release it starts.
            let name = installed.contains(version) ? version : Self.latest(version, among: installed) ?? version
            let candidate = PythonPath.join(root, "versions/\(name)/bin/\(command)")
            if context.exists(candidate) { return .success(candidate) }
        }
        return .failure(.init(reason: "\(path) is a pyenv shim and no version \(source) names (\(versions.joined(separator: ", "))) has \(command)"))
    }

    /// The newest installed version `prefix.N…` of numbers only (`3.12` → `3.12.1`), as
    /// `pyenv latest` picks for a version file naming a prefix.
    static func latest(_ prefix: String, among installed: [String]) -> String? {
        let numbers = { (name: String) in name.split(separator: ".").map { Int($0) } }
        return installed.filter { $0.hasPrefix(prefix + ".") && numbers($0).allSatisfy { $0 != nil } }
            .max { numbers($0).map { $0! }.lexicographicallyPrecedes(numbers($1).map { $0! }) }
    }

    /// pyenv's `system`: the command on PATH with the shims folder left out.
    static func system(_ command: String, shimFolder: String, job: JobInvocation, in context: HostContext) -> Result<String, JobArgparse.Undetermined> {
        let folders = (context.environment["PATH"] ?? CommandSearch.defaultSearchPath).split(separator: ":").map(String.init)
            .filter { context.physicalPath($0, from: job.workingDirectory) != context.physicalPath(shimFolder, from: "/") }
        guard let found = context.findCommand(command, searchPath: folders.joined(separator: ":"), rule: .executable) else {
            return .failure(.init(reason: "pyenv runs the system \(command), and there is none on the job's PATH"))
        }
        return .success(found)
    }
}

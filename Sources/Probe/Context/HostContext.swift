#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// Which Python environment the Python detectors read.
struct PythonSelection: Sendable, Equatable {
    /// `--python PATH`: an interpreter.
    var executable: String?
    /// `--site-packages DIR`, in order; when given, no interpreter is run.
    var sitePackages: [String]

    init(executable: String? = nil, sitePackages: [String] = []) {
        self.executable = executable
        self.sitePackages = sitePackages
    }
}

/// Everything a detector may read, injected so that tests control it.
public struct HostContext: Sendable {
    /// The filesystem root that file-reading detectors read under (`--root`), `/` normally.
    var root: String
    /// The environment the probe sees (the process's, or a test's).
    var environment: [String: String]
    var libraries: any LibraryLoader
    var commands: any CommandRunner
    var python: PythonSelection
    /// The deadline for one external command; the whole probe has its own.
    var commandTimeout: Duration
    /// When the whole probe gives up, set by the `Prober`.
    var probeDeadline: ContinuousClock.Instant?
    /// Where answers of interpreters are remembered; nil asks the interpreter every time
    /// (`--no-cache`, tests).
    var interpreterCache: InterpreterCache?
    /// Where SHA-256 digests of files (models, installed distributions) are remembered; nil
    /// hashes every file every time (`--no-cache`, tests). A cache entry is trusted as far as
    /// its owner is: docs/SECURITY.md says when to run without it.
    var digestCacheFolder: String?
    /// The running process `--pid` names, whose /proc files the runtime detectors read and
    /// whose environment the `env.` facts come from; nil when only files are probed.
    var process: ProcessView?
    /// The working folder of this process, read once when the context is made; detectors see
    /// it through `workingDirectory`.
    var processWorkingDirectory: String

    /// How long a command or library call started now may take: the command timeout, cut so
    /// that it still ends (with a clear "timed out" reason) before the probe's deadline.
    func commandBudget() -> Duration {
        guard let probeDeadline else { return commandTimeout }
        let left = probeDeadline - ContinuousClock.now - .milliseconds(250)
        return max(.milliseconds(100), min(commandTimeout, left))
    }

    init(
        root: String = "/",
        environment: [String: String],
        libraries: any LibraryLoader = SystemLibraryLoader(),
        commands: any CommandRunner,
        python: PythonSelection = PythonSelection(),
        commandTimeout: Duration = .seconds(3)
    ) {
        self.root = root
        self.environment = environment
        self.libraries = libraries
        self.commands = commands
        self.python = python
        self.commandTimeout = commandTimeout
        self.probeDeadline = nil
        self.processWorkingDirectory = PythonPath.currentDirectory()
    }

    /// True when `--root` names another filesystem than the running one, so that live
    /// sources (uname, the loaded glibc, the driver, the environment) do not describe it.
    /// Detectors do not ask: the `Prober` skips those that read the running machine
    /// (`Detector.source(in:)`), and the rest ask the properties below, which say what
    /// they may use.
    var isForeignRoot: Bool {
        let trimmed = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        return trimmed != "/"
    }

    // MARK: What the probed system shares with this process
    //
    // Under `/` the probed system is the running one: its programs can be run, envlock's
    // environment and working folder are its own. Under a foreign root (an unpacked image, a
    // container's /proc/PID/root) none of that holds, and the `Prober` hands detectors a
    // context (`confinedToRoot()`) whose commands refuse and which loads no library.

    /// Whether the probed system's programs (an interpreter, nvcc) can be run to ask them:
    /// false under a foreign root, where a program of that tree would run against this
    /// machine's kernel, C library and files and answer for neither.
    var canRunPrograms: Bool { !isForeignRoot }

    /// Whether `environment` is the probed system's own, so that what it names (CUDA_HOME,
    /// PATH, HF_HOME) describes the files probed: false under a foreign root, whose
    /// environment envlock cannot see.
    var environmentDescribesRoot: Bool { !isForeignRoot }

    /// The folder that relative paths given to envlock (`--python`, `--site-packages`,
    /// PYTHONPATH entries) are resolved from, as `os.path.abspath` would: this process's
    /// working folder. Nil under a foreign root, where such a path is taken as a path of
    /// that tree, not resolved against this machine's working folder.
    var workingDirectory: String? { isForeignRoot ? nil : processWorkingDirectory }

    /// This context as the `Prober` hands it to detectors: unchanged under `/`; under a
    /// foreign root, with commands that refuse to run (`RootConfinedCommandRunner`) and a
    /// library loader that offers no library, so that a detector cannot reach this machine's
    /// programs or driver whatever it asks.
    func confinedToRoot() -> HostContext {
        guard isForeignRoot else { return self }
        var confined = self
        confined.commands = RootConfinedCommandRunner(root: root)
        confined.libraries = NoLibraryLoader()
        return confined
    }

    // MARK: Files and programs under the probe root
    //
    // Detectors touch the machine's files only through these, so the root and its symbolic
    // links are enforced here, once: each takes a path as the probed system names it and maps
    // it with `hostPath`, and errors name the mapped path. What lies outside the root on
    // purpose (/proc of the `--pid` process, envlock's caches) is read through `FileSystem`.

    /// The real path of `absolute` under the probe root. Symbolic links inside the tree are
    /// followed as the tree's own system would follow them: an absolute target such as
    /// `/usr/local/cuda -> /etc/alternatives/cuda` or a venv's `python3 -> /usr/bin/python3.10`
    /// stays inside the root instead of escaping to this machine's files, and so does a
    /// relative target that climbs above it with `..`. Detectors use it only to name a file in
    /// a message; they read through the functions below.
    func hostPath(_ absolute: String) -> String {
        guard isForeignRoot else { return absolute }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return FileSystem.resolve(absolute, under: base)
    }

    /// `path` as the kernel finds it when a process whose working folder is `workingDirectory`
    /// opens it: made absolute, then each symbolic link followed where it stands, so that a
    /// `..` after a link climbs from the link's target (`a/link/../Fooocus/launch.py` is not
    /// `a/Fooocus/launch.py`), under the probe root as `hostPath` resolves it. The result is a
    /// path of the probed system with no link left in it; a link loop or an unreadable link
    /// gives a path that fails to open with that reason.
    func physicalPath(_ path: String, from workingDirectory: String) -> String {
        let absolute = path.hasPrefix("/") ? path : PythonPath.join(workingDirectory, path)
        guard isForeignRoot else { return FileSystem.resolve(absolute, under: "") }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        let resolved = FileSystem.resolve(absolute, under: base)
        return resolved.hasPrefix(base + "/") ? String(resolved.dropFirst(base.count)) : resolved
    }

    // Every read below records the file as an input of the running command (through
    // `POSIXFile`), in `role` when the caller knows what the file is to the job, so that
    // `--output` never replaces it.

    /// Reads a whole file under the probe root, at most `limit` bytes.
    public func readBytes(_ absolute: String, limit: Int = 4 << 20, as role: InputRole? = nil) throws(FileReadError) -> [UInt8] {
        try FileSystem.readBytes(hostPath(absolute), limit: limit, as: role)
    }

    /// Reads a UTF-8 text file under the probe root.
    func readText(_ absolute: String, limit: Int = 4 << 20, as role: InputRole? = nil) throws(FileReadError) -> String {
        try FileSystem.readText(hostPath(absolute), limit: limit, as: role)
    }

    /// The first `count` bytes of a regular file under the probe root (fewer when it is
    /// shorter): enough to tell an executable from a script without reading megabytes.
    func readPrefix(_ absolute: String, count: Int, as role: InputRole? = nil) throws(FileReadError) -> [UInt8] {
        let opened = try openRegularFile(absolute, as: role)
        defer { close(opened.descriptor) }
        do throws(POSIXFailure) {
            return try POSIXFile.bytes(at: nil, count: count, of: opened.descriptor)
        } catch {
            throw FileSystem.error(error.errno, opened.path)
        }
    }

    /// Opens a regular file under the probe root for reading; the caller closes the
    /// descriptor. `path` is the mapped path, for messages about later reads.
    func openRegularFile(_ absolute: String, as role: InputRole? = nil) throws(FileReadError) -> (descriptor: Int32, status: FileStatus, path: String) {
        let path = hostPath(absolute)
        let (descriptor, status) = try FileSystem.openRegularFile(path, as: role)
        return (descriptor, status, path)
    }

    /// Opens the folder `absolute` to read many files inside it by name
    /// (`openForReading(_:in:opened:)`): the kernel then walks the folder's path once rather
    /// than for each file. Nil under a foreign root, where every path is resolved whole so that
    /// no link leads out of the root.
    func openFolder(_ absolute: String) -> Int32? {
        guard !isForeignRoot else { return nil }
        do throws(POSIXFailure) {
            return try POSIXFile.openFolder(at: absolute)
        } catch {
            // Nothing is lost: without the folder each file is opened by its full path, and
            // what kept the folder from opening makes each fail with its own reason.
            return nil
        }
    }

    /// Opens `name` in the folder `absolute` under the probe root for reading, through `opened`
    /// (that folder from `openFolder`) when there is one, without checking that it is a regular
    /// file: the reader checks (`POSIXFile.status(of:)`) when what it reads looks wrong.
    func openForReading(_ name: String, in absolute: String, opened: Int32?) throws(FileReadError) -> Int32 {
        do throws(POSIXFailure) {
            let path = shownPath(name, in: absolute, opened: opened)
            if let opened { return try POSIXFile.openForReading(at: name, relativeTo: opened, fullPath: path) }
            return try POSIXFile.openForReading(at: path, fullPath: path)
        } catch {
            throw FileSystem.error(error.errno, shownPath(name, in: absolute, opened: opened))
        }
    }

    /// The path that errors about `name` in the folder `absolute` name: the one the kernel was
    /// given, as elsewhere (under a foreign root, the resolved one).
    func shownPath(_ name: String, in absolute: String, opened: Int32?) -> String {
        let path = PythonPath.join(absolute, name)
        return opened == nil ? hostPath(path) : path
    }

    /// The entries of a folder under the probe root, sorted, without `.` and `..`.
    public func listDirectory(_ absolute: String) throws(FileReadError) -> [String] {
        try FileSystem.listDirectory(hostPath(absolute))
    }

    /// The entries of a folder under the probe root whose raw name `include` accepts, in
    /// `readdir` order, each with the type `readdir` reported: an entry that is a symbolic
    /// link is reported as one, and is resolved under the root when it is opened or stat'ed.
    func entries(of absolute: String, where include: (UnsafeRawBufferPointer) -> Bool = { _ in true }) throws(FileReadError) -> [DirectoryEntry] {
        try FileSystem.entries(of: hostPath(absolute), where: include)
    }

    /// What `absolute` names under the probe root, following links inside it; the failure
    /// keeps its errno.
    func status(_ absolute: String) throws(POSIXFailure) -> FileStatus {
        try FileSystem.status(hostPath(absolute))
    }

    /// Records `absolute` under the probe root as an input of the running command in `role`:
    /// for a file the command uses without reading it through this context (the interpreter
    /// it runs, or whose answer it remembers).
    func noteInput(_ absolute: String, as role: InputRole) {
        CommandInputs.note(hostPath(absolute), as: role)
    }

    /// Whether something exists at `absolute` under the probe root (following links inside it).
    func exists(_ absolute: String) -> Bool {
        FileSystem.exists(hostPath(absolute))
    }

    /// Whether this user may read `absolute` under the probe root, as `os.access(path, os.R_OK)`
    /// answers.
    func isReadable(_ absolute: String) -> Bool {
        FileSystem.isReadable(hostPath(absolute))
    }

    /// Whether `absolute` is a folder under the probe root (following links inside it), as
    /// `os.path.isdir` answers.
    func isDirectory(_ absolute: String) -> Bool {
        FileSystem.isDirectory(hostPath(absolute))
    }

    /// Whether `absolute` is itself a symbolic link (its folder resolved under the probe root),
    /// as `os.path.islink` answers; a failure other than "nothing there" is thrown, not taken
    /// for "not a link".
    func isSymbolicLink(_ absolute: String) throws(POSIXFailure) -> Bool {
        do throws(POSIXFailure) {
            return try linkStatus(absolute).isSymbolicLink
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return false }
            throw error
        }
    }

    /// What `absolute` itself is (`lstat`: a final symbolic link is not followed), its folder
    /// resolved under the probe root.
    func linkStatus(_ absolute: String) throws(POSIXFailure) -> FileStatus {
        // Under `/` the folder needs no resolving: the kernel walks it as given.
        guard isForeignRoot else { return try POSIXFile.status(at: absolute, followingLinks: false) }
        let folder = PythonPath.dirname(absolute)
        return try POSIXFile.status(at: PythonPath.join(hostPath(folder.isEmpty ? "." : folder), PythonPath.basename(absolute)), followingLinks: false)
    }

    /// `linkStatus` of `name` (a path without `..`) inside the folder `absolute`, through
    /// `opened` (that folder from `openFolder`) when there is one.
    func linkStatus(_ name: String, in absolute: String, opened: Int32?) throws(POSIXFailure) -> FileStatus {
        if let opened { return try POSIXFile.linkStatus(at: name, relativeTo: opened) }
        return try linkStatus(PythonPath.join(absolute, name))
    }

    /// The target of the symbolic link at `absolute` (its folder resolved under the probe
    /// root), as written in the link: a path of the probed system, to be read through this
    /// context again.
    func linkTarget(_ absolute: String) throws(FileReadError) -> String {
        let folder = PythonPath.dirname(absolute)
        return try FileSystem.linkTarget(PythonPath.join(hostPath(folder.isEmpty ? "." : folder), PythonPath.basename(absolute)))
    }

    /// The program `command` names on `searchPath` (a PATH value of the probed system; nil:
    /// the C library's default), found under the probe root by `rule` (see `CommandSearch`).
    func findCommand(_ command: String, searchPath: String?, rule: CommandSearch.Rule) -> String? {
        CommandSearch.find(command, searchPath: searchPath, rule: rule, exists: { exists($0) }, isFolder: { isDirectory($0) },
                           isExecutable: { FileSystem.isExecutable(hostPath($0)) })
    }

    /// Reads `/proc/PID/NAME` of the probed process (`maps`, `environ`). /proc is this
    /// machine's kernel speaking about a running process, never a file under `--root`.
    func readProcessFile(_ name: String, of process: ProcessView, limit: Int = 64 << 20) throws(FileReadError) -> String {
        try FileSystem.readText(process.procFolder + "/" + name, limit: limit)
    }

    /// A context that reads files as `process` sees them: rooted at `/proc/PID/root`, so a
    /// process in a container is read in the container's files, not the host's.
    func filesystem(of process: ProcessView) -> HostContext {
        var view = self
        view.root = process.rootFolder
        return view
    }
}

import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import EnvLock
import Probe

/// The options of every command that probes this machine.
struct ProbeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read files under this folder instead of / (an unpacked image or a fixture tree).", valueName: "dir"))
    var root: String = "/"

    @Option(help: ArgumentHelp("The Python interpreter whose packages are probed.", valueName: "path"))
    var python: String?

    @Option(name: .customLong("site-packages"), help: ArgumentHelp("A site-packages folder to read instead of asking an interpreter (repeatable, in sys.path order).", valueName: "dir"))
    var sitePackages: [String] = []

    @Option(help: ArgumentHelp("Probe this running process: the libraries it loaded, its environment, command line and working directory (read from /proc, never stopping it).", valueName: "pid"))
    var pid: Int32?

    @Flag(name: .customLong("no-cache"), help: "Ask the Python interpreter again instead of using what it reported before (kept in $XDG_CACHE_HOME/envlock, else ~/.cache/envlock).")
    var noCache = false

    func validate() throws {
        if let pid, pid <= 0 { throw ValidationError("--pid must be a process number above zero") }
        // A root that is missing or not a folder would probe "nothing" and pass absent rules.
        var info = stat()
        guard stat(root, &info) == 0 else {
            throw ValidationError("--root \(UntrustedText.quoted(root)) does not exist: name the folder of an unpacked image or fixture tree")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ValidationError("--root \(UntrustedText.quoted(root)) is not a folder: name the folder of an unpacked image or fixture tree")
        }
    }

    /// The context detectors read through: this process's environment and the real
    /// libraries and commands, rooted at `--root`; with `--pid`, the process read from /proc
    /// (exit 2 when it is gone or not readable).
    func context() throws -> HostContext {
        let environment = ProcessEnvironment.current()
        var context = HostContext(
            root: root,
            environment: environment,
            commands: SubprocessCommandRunner(),
            python: PythonSelection(executable: python, sitePackages: sitePackages)
        )
        context.interpreterCache = noCache ? nil : InterpreterCache.standard(environment: environment)
        if let pid {
            do {
                context.process = try RunningProcess.read(pid: pid)
            } catch {
                throw Failure.untrusted(error.description)
            }
            // A process in a container: its files, not the host's, as with --root.
            if let process = context.process, !process.sharesFilesystem, !context.isForeignRoot {
                context.root = process.rootFolder
            }
            // The packages of the interpreter the job runs, unless the user named others.
            if python == nil, sitePackages.isEmpty, let interpreter = context.process?.pythonInterpreter(in: context) {
                context.python.executable = interpreter
            }
        }
        return context
    }

    /// Probes this machine.
    func probe() async throws -> Snapshot {
        await Machine.probe(try context())
    }
}

enum Machine {
    /// Runs every detector (and the job detectors for `job`) and adds the cross-check findings.
    static func probe(_ context: HostContext, job: JobInvocation? = nil) async -> Snapshot {
        async let machine = Prober().probe(context)
        async let jobFacts = JobDetectors.probe(job, in: context)
        var snapshot = await machine
        let jobSnapshot = await jobFacts
        snapshot.facts.merge(jobSnapshot.facts) { machineValue, _ in machineValue }
        snapshot.detectors += jobSnapshot.detectors
        snapshot.findings = CrossChecks.findings(snapshot.facts)
        return snapshot
    }
}

/// The job after `--` on probe, lock and verify (run has its own), so that the golden machine
/// records the job's facts and a check needs no start of the job.
struct JobOptions: ParsableArguments {
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The job's command, after -- (its job. facts are checked too).", valueName: "command"))
    var command: [String] = []

    /// The job, or nil when no command was given and no `--pid` process runs one.
    func invocation(wanted rules: [Rule]?, environment: [String: String], process: ProcessView? = nil) throws -> JobInvocation? {
        try JobOptions.invocation(command, wanted: rules, environment: environment, process: process)
    }

    /// `command` as a job whose model digests are computed for `rules` (nil: every model the
    /// job names), with a progress line on stderr for any file that takes over a second.
    /// Without a command, the `--pid` process is the job: its own command line, started in its
    /// own working folder.
    static func invocation(_ command: [String], wanted rules: [Rule]?, environment: [String: String], process: ProcessView? = nil) throws -> JobInvocation? {
        if command.isEmpty, let process, !process.arguments.isEmpty, let workingDirectory = process.workingDirectory {
            return JobInvocation(command: process.arguments, workingDirectory: workingDirectory, wantedDigests: rules?.map(\.pattern), digests: digests(environment))
        }
        guard !command.isEmpty else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        // Relative script paths are the job's, resolved against the folder it starts in.
        guard getcwd(&buffer, buffer.count) != nil else {
            throw Failure.io("cannot read the current folder (\(String(cString: strerror(errno)))), which the job's relative paths start from; run from an existing folder")
        }
        let workingDirectory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return JobInvocation(command: command, workingDirectory: workingDirectory, wantedDigests: rules?.map(\.pattern), digests: digests(environment))
    }

    /// The model digest cache, printing a progress line for any file that takes over a second.
    static func digests(_ environment: [String: String]) -> ModelDigest {
        ModelDigest(cacheFolder: ModelDigest.defaultCacheFolder(environment: environment)) { progress in
            let gib = { (bytes: Int) in let tenths = (bytes * 10) >> 30; return "\(tenths / 10).\(tenths % 10)" }
            let percent = progress.bytesTotal > 0 ? progress.bytesDone * 100 / progress.bytesTotal : 100
            printError("envlock: hashing \(UntrustedText.terminal(progress.path)): \(gib(progress.bytesDone))/\(gib(progress.bytesTotal)) GiB (\(percent)%)" + (progress.finished ? ", done in \(Int(progress.elapsed)) s" : ""))
        }
    }
}

/// Output formats; not every command offers every one.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, yaml, markdown
}

/// `--output FILE`: write the result to a file (atomically) instead of standard output.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?
    @Flag(name: .customLong("replace-protected"), help: "Replace an --output file that holds a private key or that its owner may not write (never one of the command's inputs).")
    var replaceProtected = false

    /// Writes `text` to `--output` (never onto one of `inputs`), or to standard output.
    func emit(_ text: String, inputs: [String] = []) throws {
        guard let output else {
            try StandardOutput.emit(text)
            return
        }
        try writeOutput(Array(text.utf8), to: output, inputs: inputs, replaceProtected: replaceProtected)
    }
}

/// Writes a command's output file atomically, refusing to destroy its inputs or a protected file.
func writeOutput(_ bytes: [UInt8], to output: String, inputs: [String], replaceProtected: Bool) throws {
    do {
        try AtomicFile.write(bytes, to: output, protection: AtomicFile.Protection(inputs: inputs, replaceProtected: replaceProtected))
    } catch {
        throw Failure.io("\(error)")
    }
}

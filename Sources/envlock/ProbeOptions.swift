import ArgumentParser
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

    @Flag(name: .customLong("no-cache"), help: "Ask the Python interpreter again and hash every file again instead of using what envlock remembered (kept in $XDG_CACHE_HOME/envlock, else ~/.cache/envlock): for a check whose user is not trusted with its own cache.")
    var noCache = false

    func validate() throws {
        if let pid, pid <= 0 { throw ValidationError("--pid must be a process number above zero") }
        do { try ProbeSettings.checkRoot(root) } catch { throw ValidationError(error.description) }
    }

    var settings: ProbeSettings {
        ProbeSettings(root: root, python: python, sitePackages: sitePackages, pid: pid, useCaches: !noCache)
    }

    /// These options for `DirectCommandLine`.
    static let grammar = DirectCommandLine.Grammar(options: [
        "--root": .value, "--python": .value, "--site-packages": .repeatedValue, "--pid": .value, "--no-cache": .flag,
    ])

    /// The settings `line` gives, or nil where `validate()` would refuse them.
    static func settings(_ line: DirectCommandLine) -> ProbeSettings? {
        guard let pid = line.decimal("--pid", as: Int32.self), pid.map({ $0 > 0 }) ?? true else { return nil }
        let settings = ProbeSettings(
            root: line.value("--root") ?? "/", python: line.value("--python"), sitePackages: line.repeatedValues("--site-packages"),
            pid: pid, useCaches: !line.flag("--no-cache")
        )
        guard (try? ProbeSettings.checkRoot(settings.root)) != nil else { return nil }
        return settings
    }
}

/// The job after `--` on probe, lock and verify (run has its own), so that the golden machine
/// records the job's facts and a check needs no start of the job.
struct JobOptions: ParsableArguments {
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The job's command, after -- (its job. facts are checked too).", valueName: "command"))
    var command: [String] = []

    /// Prints a progress line for any model file that takes over a second to hash.
    static let hashProgress: HashProgressHandler = { progress in printError("envlock: " + progress.text) }
}

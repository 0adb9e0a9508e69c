import ArgumentParser
import EnvLock
import Probe

/// The options of every command that probes this machine (`ProbeOptions`).
enum ProbeOption: String, CommandLineOption {
    case root, python
    case sitePackages = "site-packages"
    case pid
    case noCache = "no-cache"

    var kind: DirectCommandLine.Kind {
        switch self {
        case .root, .python, .pid: .value
        case .sitePackages: .repeatedValue
        case .noCache: .flag
        }
    }

    var help: ArgumentHelp {
        switch self {
        case .root: ArgumentHelp("Read files under this folder instead of / (an unpacked image or a fixture tree).", valueName: "dir")
        case .python: ArgumentHelp("The Python interpreter whose packages are probed.", valueName: "path")
        case .sitePackages: ArgumentHelp("A site-packages folder to read instead of asking an interpreter (repeatable, in sys.path order).", valueName: "dir")
        case .pid:
            ArgumentHelp(
                "Probe this running process: the libraries it loaded, its environment, command line and working directory (read from /proc, never stopping it).",
                valueName: "pid")
        case .noCache:
            "Ask the Python interpreter again and hash every file again instead of using what envlock remembered (kept in $XDG_CACHE_HOME/envlock, else ~/.cache/envlock): for a check whose user is not trusted with its own cache."
        }
    }
}

/// The options of every command that probes this machine.
struct ProbeOptions: ParsableArguments {
    /// The root without `--root`: this machine's own files.
    static let defaultRoot = "/"

    @Option(ProbeOption.root) var root: String = ProbeOptions.defaultRoot
    @Option(ProbeOption.python) var python: String?
    @Option(ProbeOption.sitePackages) var sitePackages: [String] = []
    @Option(ProbeOption.pid) var pid: Int32?
    @Flag(ProbeOption.noCache) var noCache = false

    func validate() throws {
        _ = try settings
    }

    var settings: ProbeSettings {
        get throws(ValidationError) {
            try Self.settings(root: root, python: python, sitePackages: sitePackages, pid: pid, noCache: noCache)
        }
    }

    /// The one validation of these options, for ArgumentParser's `validate()` and for
    /// `DirectCommandLine`, which leaves a refused line to ArgumentParser.
    static func settings(root: String, python: String?, sitePackages: [String], pid: Int32?, noCache: Bool) throws(ValidationError) -> ProbeSettings {
        if let pid, pid <= 0 { throw ValidationError("--pid must be a process number above zero") }
        do { try ProbeSettings.checkRoot(root) } catch { throw ValidationError(error.description) }
        return ProbeSettings(root: root, python: python, sitePackages: sitePackages, pid: pid, useCaches: !noCache)
    }

    /// The settings `line` gives.
    static func settings(_ line: DirectCommandLine) throws -> ProbeSettings {
        try settings(
            root: line.value(ProbeOption.root) ?? defaultRoot, python: line.value(ProbeOption.python),
            sitePackages: line.repeatedValues(ProbeOption.sitePackages), pid: line.value(ProbeOption.pid, as: Int32.self),
            noCache: line.flag(ProbeOption.noCache))
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

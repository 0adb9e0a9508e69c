import ArgumentParser
import EnvLock
import Probe

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: RunInvocation.commandName,
        abstract: "Verify this machine and the command line against a lock, then exec the command.",
        discussion: """
        Example: envlock run env.lock --trust team.pub.pem -- python entry_with_update.py --attention-pytorch
        The command replaces envlock (exec): it keeps the process id, receives signals directly and \
        its exit code is the job's. When the machine drifts (exit 1), the lock cannot be trusted (exit 2) \
        or the arguments break the lock's run.require / run.forbid (exit 1), the command is not started.
        """
    )

    @Argument(help: .lockFile) var lockPath: String
    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var listing: ListingOptions
    @OptionGroup var probeOptions: ProbeOptions
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after --.", valueName: "command")) var command: [String] = []

    func validate() throws {
        try RunInvocation.checkStart(command: command, pid: probeOptions.pid)
    }

    var invocation: RunInvocation {
        get throws {
            RunInvocation(lockPath: lockPath, trust: try trustOptions.choices, all: listing.all, settings: try probeOptions.settings, command: command)
        }
    }

    func run() async throws {
        throw ExitCode(try await invocation.run())
    }
}

/// `envlock run`, however its command line was read.
struct RunInvocation: Invocation, Equatable {
    var lockPath: String
    var trust: TrustChoices
    var all: Bool
    var settings: ProbeSettings
    var command: [String]

    static let commandName = "run"
    static let grammar = DirectCommandLine.Grammar(positionals: 1, TrustOption.self, ListingOption.self, ProbeOption.self)

    /// The one validation of run's own arguments (its option groups have theirs), for
    /// `RunCommand.validate()` and for `DirectCommandLine`, which leaves a refused line to ArgumentParser.
    static func checkStart(command: [String], pid: Int32?) throws(ValidationError) {
        if command.isEmpty { throw ValidationError("name the command to run after --, e.g. envlock run env.lock -- python launch.py") }
        if pid != nil { throw ValidationError("run starts the command itself, so there is no process to read yet; check a running job with verify --pid") }
    }

    /// Execs the command when the machine and the command line match the lock; returns only when not.
    func run() async throws -> Int32 {
        try await exitStatus {
            let environment = ProcessEnvironment.current()
            let gate = try await RunGate.check(
                lockPath, requirements: trust.requirements(environment: environment), settings: settings,
                environment: environment, command: command, progress: JobOptions.hashProgress
            )
            let evaluation = gate.report.evaluation
            guard gate.allowsStart else {
                let width = StandardStream.error.reportWidth(environment: environment)
                printError(gate.report.text(all: all, width: width))
                for violation in gate.violations {
                    let line = "\(UntrustedText.terminal(violation)) (run policy of profile \(UntrustedText.quoted(gate.report.lock.loaded.lock.profile)))"
                    printError(TextWrap.lines(line, first: "REFUSED ", rest: "  ", width: width).joined(separator: "\n"))
                }
                printError("envlock: not starting \(UntrustedText.terminal(command[0]))")
                return ExitStatus.drift
            }
            let width = StandardStream.error.reportWidth(environment: environment)
            for result in evaluation.results where result.verdict == .warn {
                let warning = "\(UntrustedText.terminal(result.key)): expected \(UntrustedText.terminal(result.expected)), found \(result.found.map(UntrustedText.quoted) ?? "nothing")"
                printError(TextWrap.lines(warning, first: "envlock: warning: ", rest: "  ", width: width).joined(separator: "\n"))
            }
            try Exec.replaceProcess(with: command)
        }
    }
}

extension RunInvocation {
    // In an extension, so that Swift still writes the memberwise initializer.

    /// The invocation `arguments` plainly give; declined otherwise (see `DirectCommandLine`).
    init(direct arguments: ArraySlice<String>) throws {
        let line = try DirectCommandLine(arguments, grammar: Self.grammar)
        let settings = try ProbeOptions.settings(line)
        try Self.checkStart(command: line.afterTerminator, pid: settings.pid)
        self.init(lockPath: line.positionals[0], trust: try TrustOptions.choices(line), all: ListingOptions.all(line), settings: settings, command: line.afterTerminator)
    }
}

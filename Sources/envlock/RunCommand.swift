import ArgumentParser
import EnvLock
import Probe
#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration.subcommand(
        commandName: "run",
        abstract: "Verify this machine and the command line against a lock, then exec the command.",
        discussion: """
        Example: envlock run env.lock --trust team.pub.pem -- python entry_with_update.py --attention-pytorch
        The command replaces envlock (exec): it keeps the process id, receives signals directly and \
        its exit code is the job's. When the machine drifts (exit 1), the lock cannot be trusted (exit 2) \
        or the arguments break the lock's run.require / run.forbid (exit 1), the command is not started.
        """
    )

    @Argument(help: ArgumentHelp("The lock file.", valueName: "lock")) var lockPath: String
    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var probeOptions: ProbeOptions
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after --.", valueName: "command")) var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("name the command to run after --, e.g. envlock run env.lock -- python launch.py") }
        if probeOptions.pid != nil { throw ValidationError("run starts the command itself, so there is no process to read yet; check a running job with verify --pid") }
    }

    func run() async throws {
        try await reportingFailures {
            let verified = try await VerifiedMachine.check(lockPath, trust: trustOptions, probe: probeOptionsForCommand(), command: command)
            let violations = verified.loaded.lock.run.violations(in: Array(command.dropFirst()))
            if verified.evaluation.hasErrors || !violations.isEmpty {
                printError(Render.evaluationText(verified.evaluation, header: verified.header))
                for violation in violations { printError("REFUSED \(Render.text(violation)) (run policy of profile \(UntrustedText.quoted(verified.loaded.lock.profile)))") }
                printError("envlock: not starting \(Render.text(command[0]))")
                return ExitStatus.drift
            }
            for result in verified.evaluation.results where result.verdict == .warn {
                printError("envlock: warning: \(Render.text(result.key)): expected \(Render.text(result.expected)), found \(result.found.map(UntrustedText.quoted) ?? "nothing")")
            }
            try Exec.replaceProcess(with: command)
        }
    }
}

extension RunCommand {
    /// The probe options, with `--python` set to the interpreter `command` will run when the
    /// command is a Python interpreter and no Python was named: the packages checked are then
    /// the packages the job imports, whatever VIRTUAL_ENV or PATH order would suggest.
    func probeOptionsForCommand() -> ProbeOptions {
        var options = probeOptions
        let program = command[0].split(separator: "/").last.map(String.init) ?? command[0]
        guard options.python == nil, options.sitePackages.isEmpty, program.hasPrefix("python"),
              let interpreter = SubprocessCommandRunner.resolve(command[0], searchPath: ProcessEnvironment.current()["PATH"])
        else { return options }
        options.python = interpreter
        return options
    }
}

import ArgumentParser
import EnvLock
import Probe
#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
    }

    func run() async throws {
        try await reportingFailures {
            let verified = try await VerifiedMachine.check(lockPath, trust: trustOptions, probe: probeOptions)
            let violations = verified.loaded.lock.run.violations(in: Array(command.dropFirst()))
            if verified.evaluation.hasErrors || !violations.isEmpty {
                printError(Render.evaluationText(verified.evaluation, header: verified.header))
                for violation in violations { printError("REFUSED \(violation) (run policy of profile '\(verified.loaded.lock.profile)')") }
                printError("envlock: not starting \(command[0])")
                return ExitStatus.drift
            }
            for result in verified.evaluation.results where result.verdict == .warn {
                printError("envlock: warning: \(result.key): expected \(result.expected), found \(result.found ?? "nothing")")
            }
            try Exec.replaceProcess(with: command)
        }
    }
}

/// Replacing this process with the job, so the job keeps the pid, signals and exit code.
enum Exec {
    static func replaceProcess(with command: [String]) throws -> Never {
        let arguments = command.map { strdup($0) } + [nil]
        execvp(command[0], arguments)
        let code = errno
        printError("envlock: cannot run \(command[0]): \(String(cString: strerror(code)))")
        // 127 and 126 are what shells return for a missing and an unexecutable command.
        exit(code == ENOENT ? 127 : 126)
    }
}

import ArgumentParser
import EnvLock

@main
struct EnvlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envlock",
        abstract: "Lock, verify and compare the software and GPU environment of image generation jobs.",
        version: EnvlockRelease.version,
        subcommands: subcommands
    )

    static let subcommands: [any AsyncParsableCommand.Type] = [
        ProbeCommand.self, LockCommand.self, VerifyCommand.self, RunCommand.self, DiffCommand.self, FleetCommand.self, AuditCommand.self, CompareCommand.self,
        RequireCUDACommand.self, KeygenCommand.self, SignedBytesCommand.self,
    ]

    /// Holds closed standard descriptors (`StandardDescriptors`), records the signal state
    /// envlock was started with before anything can change it, so that `run` hands the job
    /// exactly what a shell would, and makes SIGTERM, SIGINT and SIGHUP end envlock even as
    /// PID 1 (`Exec.endPromptlyOnSignals`). All of this happens before the first `await`:
    /// until then no runtime thread or descriptor exists. Then reads the plain lines of probe,
    /// verify and run, which run before every job, without ArgumentParser (`DirectCommandLine`,
    /// built from the same option declarations and validations), and everything else (the other
    /// commands, help, `--version`, errors) with ArgumentParser.
    static func main() async {
        StandardDescriptors.holdClosed()
        Exec.recordInheritedSignalState()
        Exec.endPromptlyOnSignals()
        if let invocation = DirectCommandLine.invocation(Array(CommandLine.arguments.dropFirst())) {
            do {
                Exec.exitProcess(try await invocation.run())
            } catch {
                exit(withError: error)
            }
        }
        await main(nil)
    }

    /// Without a subcommand there is nothing to do: say how to use envlock, and exit 64 so a
    /// script with an empty command variable does not pass for a successful check.
    func run() async throws {
        printError(EnvlockCommand.helpMessage())
        throw ExitCode(ExitStatus.usage)
    }
}

extension ArgumentHelp {
    /// The lock a command reads, its first argument.
    static var lockFile: ArgumentHelp { ArgumentHelp("The lock file.", valueName: "lock") }
}

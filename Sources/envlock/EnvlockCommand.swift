import ArgumentParser
import EnvLock

@main
struct EnvlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envlock",
        abstract: "Lock, verify and compare the software and GPU environment of image generation jobs.",
        version: EnvlockRelease.version,
        subcommands: [
            ProbeCommand.self, LockCommand.self, VerifyCommand.self, RunCommand.self, DiffCommand.self, FleetCommand.self, AuditCommand.self,
            RequireCUDACommand.self, KeygenCommand.self, SignedBytesCommand.self,
        ]
    )

    /// Records the signal state envlock was started with before anything can change it, so
    /// that `run` hands the job exactly what a shell would.
    static func main() async {
        Exec.recordInheritedSignalState()
        await main(nil)
    }

    /// Without a subcommand there is nothing to do: say how to use envlock, and exit 64 so a
    /// script with an empty command variable does not pass for a successful check.
    func run() async throws {
        printError(EnvlockCommand.helpMessage())
        throw ExitCode(ExitStatus.usage)
    }
}


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
    /// until then no runtime thread or descriptor exists. Then reads the command line by the
    /// cheapest road that gives the same meaning: the plain lines of probe, verify and run
    /// without ArgumentParser (`DirectCommandLine`), other subcommands parsed alone, and all
    /// else (help, `--version`, errors) by ArgumentParser's full parse.
    static func main() async {
        StandardDescriptors.holdClosed()
        Exec.recordInheritedSignalState()
        Exec.endPromptlyOnSignals()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let invocation = DirectCommandLine.invocation(arguments) {
            do {
                Exec.exitProcess(try await invocation.run())
            } catch {
                exit(withError: error)
            }
        }
        guard var command = await directlyParsedSubcommand(arguments) else {
            await main(nil)
            return
        }
        do {
            try await command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// The subcommand `arguments` name, parsed on its own as if it were the root command, or nil
    /// for anything else (no subcommand, help, `--version`, a parse or validation error).
    ///
    /// Parsing from the root builds and walks the whole command tree and looks for a completion
    /// script request at every level: about a third of envlock's start-up, paid before every job.
    /// A subcommand parsed alone gives the same value whenever the command line is valid; every
    /// other case goes through `main(nil)`, so help, errors and exit codes are ArgumentParser's own.
    static func directlyParsedSubcommand(_ arguments: [String]) async -> (any AsyncParsableCommand)? {
        guard let name = arguments.first, let type = subcommands.first(where: { $0.configuration.commandName == name }) else { return nil }
        return await parsedAlone(type, Array(arguments.dropFirst()))
    }

    private static func parsedAlone<Command: AsyncParsableCommand>(_ type: Command.Type, _ arguments: [String]) async -> Command? {
        // Not `try?` alone: a help request comes back as a value of ArgumentParser's own type.
        (try? await Command.asyncParseAsRoot(arguments)) as? Command
    }

    /// Without a subcommand there is nothing to do: say how to use envlock, and exit 64 so a
    /// script with an empty command variable does not pass for a successful check.
    func run() async throws {
        printError(EnvlockCommand.helpMessage())
        throw ExitCode(ExitStatus.usage)
    }
}

extension CommandConfiguration {
    /// The configuration of one of envlock's subcommands, naming envlock as its super-command.
    /// ArgumentParser reads the super-command only from the root of a parse: in the full parse
    /// of `envlock probe …` that root is envlock and nothing changes. When `main` parses the
    /// subcommand alone, it skips the check for `--generate-completion-script`, a fifth of the
    /// instructions of a probe that finds nothing; that option is envlock's, so the subcommand
    /// alone fails on it and the full parse, which does the check, handles it.
    static func subcommand(commandName: String, abstract: String, discussion: String) -> CommandConfiguration {
        CommandConfiguration(commandName: commandName, _superCommandName: "envlock", abstract: abstract, discussion: discussion)
    }
}

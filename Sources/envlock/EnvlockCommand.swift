import ArgumentParser
import EnvLock

@main
struct EnvlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envlock",
        abstract: "Lock, verify and compare the software and GPU environment of image generation jobs.",
        version: EnvlockRelease.version,
        subcommands: [
            ProbeCommand.self, LockCommand.self, VerifyCommand.self, RunCommand.self, DiffCommand.self,
            KeygenCommand.self, SignedBytesCommand.self,
        ]
    )
}


import ArgumentParser

@main
struct EnvlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envlock",
        abstract: "Lock, verify and compare the software and GPU environment of image generation jobs.",
        version: EnvlockVersion.current,
        subcommands: []
    )
}

enum EnvlockVersion {
    static let current = "0.1.0"
}

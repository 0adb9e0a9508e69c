// TEMPORARY until the gpu branch's SubprocessCommandRunner is merged.
public struct SubprocessCommandRunner: CommandRunner {
    public init() {}
    public func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
        .notFound(command: command)
    }
}

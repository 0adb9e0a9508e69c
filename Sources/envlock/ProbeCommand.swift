import ArgumentParser
import EnvLock
import Probe

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ProbeInvocation.commandName,
        abstract: "Report what this machine has: driver, GPUs, CUDA, Python packages, OS and environment.",
        discussion: "Every detector is listed with its status: ok, absent (not installed here), failed (present but unreadable; the detail says why) or skipped. Exits 0 whenever a report was produced, also on a broken machine. With -- CMD…, also the job's facts (job.*) as lock, verify and run see them."
    )

    @OptionGroup var probeOptions: ProbeOptions
    @OptionGroup var formatOptions: FormatOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var job: JobOptions

    var invocation: ProbeInvocation {
        get throws {
            ProbeInvocation(settings: try probeOptions.settings, format: formatOptions.format, destination: output.destination, job: job.command)
        }
    }

    func run() async throws {
        throw ExitCode(try await invocation.run())
    }
}

/// `envlock probe`, however its command line was read.
struct ProbeInvocation: Invocation, Equatable {
    var settings: ProbeSettings
    var format: OutputFormat
    var destination: OutputDestination
    var job: [String]

    static let commandName = "probe"
    static let grammar = DirectCommandLine.Grammar(ProbeOption.self, FormatOption.self, OutputOption.self)

    func run() async throws -> Int32 {
        try await exitStatus {
            let request = JobRequest(command: job, progress: JobOptions.hashProgress)
            let snapshot = try await MachineProbe.snapshot(settings, environment: ProcessEnvironment.current(), job: request)
            let rendered = switch format {
            case .json: JSONText.pretty(snapshot.document)
            case .yaml: YAMLWriter.write(snapshot.document)
            case .text: snapshot.text
            case .markdown: snapshot.markdown
            }
            try destination.emit(rendered)
            return ExitStatus.ok
        }
    }
}

extension ProbeInvocation {
    // In an extension, so that Swift still writes the memberwise initializer.

    /// The invocation `arguments` plainly give; declined otherwise (see `DirectCommandLine`).
    init(direct arguments: ArraySlice<String>) throws {
        let line = try DirectCommandLine(arguments, grammar: Self.grammar)
        self.init(
            settings: try ProbeOptions.settings(line), format: try FormatOptions.format(line), destination: OutputOptions.destination(line),
            job: line.afterTerminator)
    }
}

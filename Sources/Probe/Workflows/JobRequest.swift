#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// What a check asks about the job: the command given after `--` (empty: the `--pid`
/// process's own command line, or no job), which model digests to compute, and who hears
/// about slow hashing.
public struct JobRequest: Sendable {
    var command: [String]
    /// The rules whose digest keys are computed; nil computes every model the job names.
    var wanted: [Rule]?
    /// Told about any file that takes over a second to hash.
    var progress: HashProgressHandler?

    public init(command: [String], wanted: [Rule]? = nil, progress: HashProgressHandler? = nil) {
        self.command = command
        self.wanted = wanted
        self.progress = progress
    }

    /// The job the job detectors read, or nil when no command was given and no process runs
    /// one. Without a command, the `context.process` is the job: its own command line,
    /// started in its own working folder; a command given here starts in the current folder.
    func invocation(in context: HostContext) throws(ProbeWorkflowError) -> JobInvocation? {
        let digests = ModelDigest(cacheFolder: context.digestCacheFolder, progress: progress)
        let wantedDigests = wanted?.map(\.pattern)
        if command.isEmpty, let process = context.process, !process.arguments.isEmpty, let workingDirectory = process.workingDirectory {
            return JobInvocation(command: process.arguments, workingDirectory: workingDirectory, wantedDigests: wantedDigests, digests: digests, process: process)
        }
        guard !command.isEmpty else { return nil }
        // Relative script paths are the job's, resolved against the folder it starts in.
        return JobInvocation(command: command, workingDirectory: try Self.currentFolder(), wantedDigests: wantedDigests, digests: digests)
    }

    /// The check of the installed files of the distributions `wanted` names
    /// (`python.packages.NAME.files`), hashing through the same cache as model digests.
    func distributionFiles(in context: HostContext) -> DistributionFilesDetector {
        DistributionFilesDetector(wanted: wanted?.map(\.pattern) ?? [], digests: ModelDigest(cacheFolder: context.digestCacheFolder, progress: progress))
    }

    static func currentFolder() throws(ProbeWorkflowError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { throw .workingDirectory(errno: errno) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension HashProgress {
    /// `hashing PATH: 1.2/6.9 GiB (17%)`, and `, done in 9 s` on the last report; the path is escaped.
    public var text: String {
        let gib = { (bytes: Int) in let tenths = (bytes * 10) >> 30; return "\(tenths / 10).\(tenths % 10)" }
        let percent = bytesTotal > 0 ? bytesDone * 100 / bytesTotal : 100
        return "hashing \(UntrustedText.terminal(path)): \(gib(bytesDone))/\(gib(bytesTotal)) GiB (\(percent)%)" + (finished ? ", done in \(Int(elapsed)) s" : "")
    }
}

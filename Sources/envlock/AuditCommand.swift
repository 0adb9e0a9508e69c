import ArgumentParser
import EnvLock
import Probe

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check generated images against a lock's job rules, from the generation record each image carries.",
        discussion: """
        Reads the record Fooocus (PNG text chunks parameters and fooocus_scheme; JPEG and WebP EXIF \
        UserComment and MakerNote) or ComfyUI (PNG text chunk prompt) writes into each image, turns it \
        into the job. facts the launch-time gate uses, and judges them with the lock's job rules. \
        Folders are searched for .png, .jpg, .jpeg and .webp files; each file is audited once, \
        known by device and inode, and a path that leads to a file or folder already reached \
        (a link loop, a hard link, a path named twice) is listed as skipped. \
        Exit codes: 0 every image conforms; 1 an image drifts, has no record or cannot be read; \
        2 the lock cannot be trusted or read; 64 usage.
        """
    )

    @Argument(help: .lockFile) var lockPath: String
    @Argument(help: ArgumentHelp("Images, or folders to search for images.", valueName: "image|dir")) var paths: [String] = []
    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var formatOptions: FormatOptions
    @OptionGroup var listing: ListingOptions

    /// Progress on standard error every this many images, when there are more.
    static let progressStep = 1000

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one image or folder to audit") }
    }

    func run() async throws {
        try await reportingFailures {
            let environment = ProcessEnvironment.current()
            let requirements = try trustOptions.choices.requirements(environment: environment)
            let audit = try await LockAudit.audit(lockPath, requirements: requirements, paths: paths) { done, total in
                if total > Self.progressStep, done % Self.progressStep < ImageAudit.batchSize || done == total {
                    printError("envlock audit: \(done)/\(total) images")
                }
            }
            switch formatOptions.format {
            case .json: try StandardOutput.emit(JSONText.pretty(audit.document))
            case .yaml: try StandardOutput.emit(YAMLWriter.write(audit.document))
            case .markdown: try StandardOutput.emit(audit.markdown(all: listing.all))
            case .text: try StandardOutput.emit(audit.text(all: listing.all, width: StandardStream.output.reportWidth(environment: environment)))
            }
            return audit.allConform ? ExitStatus.ok : ExitStatus.drift
        }
    }
}

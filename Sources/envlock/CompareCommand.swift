import ArgumentParser
import EnvLock
import Probe

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a generated image with a reference: identical or not, how much they differ, and the likely culprits.",
        discussion: """
        Reads PNG images (gray, gray+alpha, RGB, RGBA, palette; 1 to 16 bits; interlaced or not) and \
        reports whether the files and the pixels are identical, the share of pixels that differ and \
        that differ by more than --tolerance, the largest and mean absolute difference, PSNR and SSIM \
        (scikit-image's structural_similarity with its defaults). Images are compared in their own \
        channels and depth when both have the same, else in the richer of the two. When the pixels \
        differ, the images' generation records (as envlock audit reads them) and the two machines' \
        snapshots (--snapshot twice) name the likely culprits, each with the fact it rests on; --heatmap \
        draws where the pixels differ (brightest where they differ most). With a \
        folder as B, the reference is compared with every image in it. JPEG and WebP are not decoded. \
        Exit codes: 0 identical pixels; 1 different; 2 an image cannot be read or compared; 64 usage.
        """
    )

    @Argument(help: ArgumentHelp("The reference image (A).", valueName: "a")) var reference: String
    @Argument(help: ArgumentHelp("The image to compare (B), or a folder of images.", valueName: "b|dir")) var target: String
    @Option(help: ArgumentHelp("Differences up to this much per sample (0-255, or 0-65535 for 16-bit images) count as within tolerance.", valueName: "n"))
    var tolerance: Int = 0
    @Option(name: .customLong("snapshot"), help: ArgumentHelp("A snapshot or lock of the machine that made A, then of the one that made B (give it twice).", valueName: "file"))
    var snapshots: [String] = []
    @Option(help: ArgumentHelp("Write where the images differ as a PNG heat map to this file (atomically; never over an input).", valueName: "file"))
    var heatmap: String?
    @OptionGroup var formatOptions: FormatOptions

    func validate() throws {
        if tolerance < 0 || tolerance > 65535 { throw ValidationError("--tolerance must be between 0 and 65535") }
        if heatmap != nil && ImageCompareReport.isFolder(target) { throw ValidationError("--heatmap needs one image B, not a folder") }
        if !snapshots.isEmpty && snapshots.count != 2 { throw ValidationError("give --snapshot twice: the machine that made A, then the one that made B") }
    }

    func run() async throws {
        try await reportingFailures {
            var machines: (FactsDocument, FactsDocument)?
            if snapshots.count == 2 {
                machines = (try FactsDocument.load(argument: snapshots[0]), try FactsDocument.load(argument: snapshots[1]))
            }
            let report = await ImageCompareReport.compare(reference, target, tolerance: tolerance, snapshots: machines, heatMap: heatmap != nil)
            // The heat map first: a report that says it was written must not precede a failure to write it.
            if let heatmap, let bytes = report.comparisons.first?.heatMap {
                try writeOutput(bytes, to: heatmap, replaceProtected: false)
            }
            switch formatOptions.format {
            case .json: try StandardOutput.emit(JSONText.pretty(report.document))
            case .yaml: try StandardOutput.emit(YAMLWriter.write(report.document))
            case .markdown: try StandardOutput.emit(report.markdown())
            case .text: try StandardOutput.emit(report.text(width: StandardStream.output.reportWidth(environment: ProcessEnvironment.current())))
            }
            switch report.verdict {
            case .identical: return ExitStatus.ok
            case .different: return ExitStatus.drift
            case .unreadable: return ExitStatus.untrusted
            }
        }
    }
}

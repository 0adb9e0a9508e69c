#if canImport(Glibc)
import Glibc
#endif

/// `envlock compare REF B` or `envlock compare REF DIR`: one reference against one image, or
/// against every image a folder holds (one per machine of a fleet), with the report as text,
/// Markdown and a JSON/YAML document. Paths, record values and reasons come from the files and
/// are escaped in text and Markdown (UntrustedText).
public struct ImageCompareReport: Sendable, Equatable {
    var reference: String
    public var comparisons: [ImageComparison]
    var tolerance: Int
    /// Paths under a folder not read again (a link loop, a file reached twice).
    var skipped: [AuditSkip] = []

    init(reference: String, comparisons: [ImageComparison], tolerance: Int, skipped: [AuditSkip] = []) {
        self.reference = reference
        self.comparisons = comparisons
        self.tolerance = tolerance
        self.skipped = skipped
    }

    /// Compares `reference` with `target`: one image, or each image file in a folder
    /// (`.png` and the audit's other image endings; a file that is not a PNG is unreadable),
    /// `threads` pairs at a time. `snapshots` (the two machines' facts) and `heatMap` only for one image.
    public static func compare(
        _ reference: String, _ target: String, tolerance: Int, snapshots: (FactsDocument, FactsDocument)? = nil, threads: Int = defaultThreads,
        heatMap: Bool = false
    ) async -> ImageCompareReport {
        guard isFolder(target) else {
            let comparison = await ImageComparison.compare(reference, target, tolerance: tolerance, snapshots: snapshots, threads: threads, heatMap: heatMap)
            return ImageCompareReport(reference: reference, comparisons: [comparison], tolerance: tolerance)
        }
        let search = ImageSearch([target])
        // The reference itself, when it lies in the folder, is not compared with itself.
        let work = search.files.filter { $0.path != reference }
        var results = [ImageComparison?](repeating: nil, count: work.count)
        // Pairs run side by side, on threads of envlock's own (reading an image blocks); each
        // pair's own work stays on one thread.
        await BlockingJobs.run(work.count, threads: Swift.max(1, threads)) { index in
            let file = work[index]
            if let failure = file.failure {
                return ImageComparison(reference: reference, candidate: file.path, outcome: .unreadable(failure), culprits: [])
            }
            return await ImageComparison.compare(reference, file.path, tolerance: tolerance, threads: 1)
        } finished: { index, comparison in
            results[index] = comparison
        }
        return ImageCompareReport(reference: reference, comparisons: results.compactMap { $0 }, tolerance: tolerance, skipped: search.skipped)
    }

    /// Whether `path` names a folder (followed through links): B is then a folder of images.
    public static func isFolder(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// This machine's online CPUs, at most 8: SSIM's rows of one pair, or pairs of a folder, at a time.
    public static var defaultThreads: Int { Swift.max(1, Swift.min(8, sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// What a comparison concluded.
    public enum Verdict: String, Sendable, CaseIterable {
        case identical, different, unreadable
    }

    static func verdict(_ comparison: ImageComparison) -> Verdict {
        comparison.isUnreadable ? .unreadable : (comparison.isIdentical ? .identical : .different)
    }

    func count(_ verdict: Verdict) -> Int { comparisons.count { Self.verdict($0) == verdict } }

    /// 0 every image's pixels equal the reference's; 1 one differs; 2 one cannot be read or
    /// compared (or a folder held no image).
    public var verdict: Verdict {
        if comparisons.isEmpty || count(.unreadable) > 0 { return .unreadable }
        return count(.different) > 0 ? .different : .identical
    }

    // MARK: Rendering

    /// `12.5%` with enough digits that a single pixel of a large image does not show as 0%.
    static func share(_ part: Int, of whole: Int) -> String {
        guard whole > 0, part > 0 else { return "0%" }
        let percent = 100 * Double(part) / Double(whole)
        return (percent >= 0.01 ? decimal(percent, digits: 2) : decimal(percent, digits: 6)) + "%"
    }

    /// `x` with `digits` after the point (no scientific notation), `inf` for infinity.
    static func decimal(_ x: Double, digits: Int) -> String {
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x.isNaN { return "nan" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        let whole = Int(scaled / scale)
        var fraction = String(Int(scaled - Double(whole) * scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return (x < 0 && scaled != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fraction : "")
    }

    /// The measures of one comparison in words, one phrase each.
    func measureLines(_ metrics: ImageMetrics, identicalBytes: Bool) -> [String] {
        let pixels = metrics.pixels
        var lines = [
            "\(metrics.width)x\(metrics.height), \(metrics.channels) channel\(metrics.channels == 1 ? "" : "s") of 0-\(metrics.maxValue); identical bytes: \(identicalBytes ? "yes" : "no"); identical pixels: \(metrics.identicalPixels ? "yes" : "no")",
            "pixels that differ: \(Self.share(metrics.differingPixels, of: pixels)) (\(metrics.differingPixels) of \(pixels)); by more than \(metrics.tolerance): \(Self.share(metrics.pixelsBeyondTolerance, of: pixels)) (\(metrics.pixelsBeyondTolerance))",
            "largest difference \(metrics.maxDifference), mean \(Self.decimal(metrics.meanDifference, digits: 4)); PSNR \(Self.decimal(metrics.psnr, digits: 2)) dB; SSIM \(metrics.ssim.map { Self.decimal($0, digits: 6) } ?? "not defined below 7x7 pixels")",
        ]
        if metrics.identicalPixels, !identicalBytes { lines.append("the files differ only in metadata or compression") }
        return lines
    }

    /// Per comparison its verdict and path, the measures and the culprits (every image of a
    /// folder, the identical ones as one line); then totals for a folder. Lines fit `width`
    /// unless one value alone is longer.
    public func text(width: Int = TextWrap.defaultWidth) -> String {
        let terminal = UntrustedText.terminal
        var lines = TextWrap.lines("envlock compare: \(terminal(reference)) (A) with \(comparisons.count == 1 ? terminal(comparisons[0].candidate) + " (B)" : "\(comparisons.count) images")", first: "", rest: "  ", width: width)
        lines.append("")
        for comparison in comparisons {
            let verdict = Self.verdict(comparison)
            var line = terminal(comparison.candidate)
            if let formats = comparison.formats { line += " (\(formats.0) and \(formats.1))" }
            if case .unreadable(let why) = comparison.outcome { line += ": \(terminal(why))" }
            lines += TextWrap.lines(line, first: verdict.rawValue.uppercased() + " ", rest: "    ", width: width)
            if case .compared(let metrics, let identicalBytes) = comparison.outcome {
                for measure in measureLines(metrics, identicalBytes: identicalBytes) { lines += TextWrap.lines(measure, first: "  ", rest: "    ", width: width) }
            }
            if !comparison.culprits.isEmpty {
                lines.append("  likely culprits, most likely first:")
                for (index, culprit) in comparison.culprits.enumerated() {
                    lines += TextWrap.lines("\(culprit.kind.rawValue): \(culprit.why)", first: "  \(index + 1). ", rest: "       ", width: width)
                    lines += TextWrap.lines(terminal(culprit.fact), first: "     fact: ", rest: "       ", width: width)
                }
            }
        }
        for skip in skipped { lines += TextWrap.lines("\(terminal(skip.path)): \(terminal(skip.detail))", first: "SKIPPED ", rest: "    ", width: width) }
        if comparisons.isEmpty { lines.append("no image file (.png, .jpg, .jpeg, .webp) in the folder") }
        if comparisons.count != 1 {
            lines.append("")
            lines.append(totalsLine)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    var totals: [(String, Int)] { [("images", comparisons.count)] + Verdict.allCases.map { ($0.rawValue, count($0)) } }

    var totalsLine: String {
        var line = "totals: " + totals.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        let measured = comparisons.compactMap(\.metrics)
        if let worst = measured.compactMap(\.ssim).min() { line += "; lowest SSIM \(Self.decimal(worst, digits: 6))" }
        if let largest = measured.map(\.maxDifference).max() { line += "; largest difference \(largest)" }
        return line
    }

    /// A table with a row per image, then the culprits of each differing image, then totals.
    public func markdown() -> String {
        var lines = [
            "### envlock compare: \(UntrustedText.markdownCode(reference))", "",
            "| image | verdict | differing pixels | beyond \(tolerance) | max | mean | PSNR (dB) | SSIM |", "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for comparison in comparisons {
            let path = UntrustedText.markdownCode(comparison.candidate)
            let verdict = Self.verdict(comparison).rawValue
            switch comparison.outcome {
            case .unreadable(let why):
                lines.append("| \(path) | \(verdict): \(UntrustedText.markdown(why)) | | | | | | |")
            case .compared(let m, _):
                lines.append("| \(path) | \(verdict) | \(Self.share(m.differingPixels, of: m.pixels)) | \(Self.share(m.pixelsBeyondTolerance, of: m.pixels)) | \(m.maxDifference) | \(Self.decimal(m.meanDifference, digits: 4)) | \(Self.decimal(m.psnr, digits: 2)) | \(m.ssim.map { Self.decimal($0, digits: 6) } ?? "n/a") |")
            }
        }
        for comparison in comparisons where !comparison.culprits.isEmpty {
            lines += ["", "Likely culprits for \(UntrustedText.markdownCode(comparison.candidate)), most likely first:", ""]
            for (index, culprit) in comparison.culprits.enumerated() {
                lines.append("\(index + 1). **\(culprit.kind.rawValue)**: \(UntrustedText.markdown(culprit.why)) (\(UntrustedText.markdown(culprit.fact)))")
            }
        }
        lines.append("")
        if !skipped.isEmpty { lines += skipped.map { "- skipped \(UntrustedText.markdownCode($0.path)): \(UntrustedText.markdown($0.detail))" } + [""] }
        lines.append(UntrustedText.markdown(totalsLine))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"reference", "tolerance", "images": [{"path", "verdict", "formats", "reason",
    /// "identical_bytes", "metrics": {…}, "culprits": [{"kind", "why", "fact"}]}], "skipped",
    /// "totals"}`; numbers as strings, as envlock's other documents write them.
    public var document: JSONValue {
        let images: [JSONValue] = comparisons.map { comparison in
            var members: [JSONValue.Member] = [.init("path", .string(comparison.candidate)), .init("verdict", .string(Self.verdict(comparison).rawValue))]
            if let formats = comparison.formats { members.append(.init("formats", .array([.string(formats.0), .string(formats.1)]))) }
            switch comparison.outcome {
            case .unreadable(let why): members.append(.init("reason", .string(why)))
            case .compared(let m, let identicalBytes):
                members.append(.init("identical_bytes", .bool(identicalBytes)))
                members.append(.init("metrics", .object([
                    .init("width", .string(String(m.width))), .init("height", .string(String(m.height))),
                    .init("channels", .string(String(m.channels))), .init("max_value", .string(String(m.maxValue))),
                    .init("identical_pixels", .bool(m.identicalPixels)),
                    .init("differing_pixels", .string(String(m.differingPixels))),
                    .init("pixels_beyond_tolerance", .string(String(m.pixelsBeyondTolerance))),
                    .init("max_difference", .string(String(m.maxDifference))),
                    .init("mean_difference", .string(Self.decimal(m.meanDifference, digits: 8))),
                    .init("psnr", .string(Self.decimal(m.psnr, digits: 6))),
                    .init("ssim", m.ssim.map { .string(Self.decimal($0, digits: 8)) } ?? .null),
                ])))
            }
            members.append(.init("culprits", .array(comparison.culprits.map { culprit in
                .object([.init("kind", .string(culprit.kind.rawValue)), .init("why", .string(culprit.why)), .init("fact", .string(culprit.fact))])
            })))
            return .object(members)
        }
        return .object([
            .init("reference", .string(reference)),
            .init("tolerance", .string(String(tolerance))),
            .init("images", .array(images)),
            .init("skipped", .array(skipped.map { skip in
                .object([.init("path", .string(skip.path)), .init("reason", .string(skip.reason.rawValue)), .init("same_as", .string(skip.sameAs))])
            })),
            .init("totals", .object(totals.map { JSONValue.Member($0.0, .string(String($0.1))) })),
        ])
    }
}

/// `envlock compare A B`: whether two images are the same, how much they differ, and the
/// likely culprits from the images' generation records and the machines' snapshots.
public struct ImageComparison: Sendable, Equatable {
    enum Outcome: Sendable, Equatable {
        /// Both decoded, same dimensions: the measures, and whether the files are byte for byte equal.
        case compared(ImageMetrics, identicalBytes: Bool)
        /// An image cannot be read or the two cannot be compared (dimensions differ): why.
        case unreadable(String)
    }

    var reference: String
    var candidate: String
    /// The two files' formats as decoded (`RGB 8-bit`), when they could be read.
    var formats: (String, String)?
    var outcome: Outcome
    var culprits: [Culprit]
    /// The difference heat map's PNG bytes, when asked for and the images could be compared.
    public var heatMap: [UInt8]?

    public static func == (lhs: ImageComparison, rhs: ImageComparison) -> Bool {
        lhs.reference == rhs.reference && lhs.candidate == rhs.candidate && lhs.formats?.0 == rhs.formats?.0
            && lhs.formats?.1 == rhs.formats?.1 && lhs.outcome == rhs.outcome && lhs.culprits == rhs.culprits && lhs.heatMap == rhs.heatMap
    }

    var metrics: ImageMetrics? {
        if case .compared(let metrics, _) = outcome { return metrics }
        return nil
    }

    /// The pixels are the same (the files' bytes may still differ, in metadata or compression).
    var isIdentical: Bool { metrics?.identicalPixels == true }
    var isUnreadable: Bool { if case .unreadable = outcome { true } else { false } }

    /// Compares the PNG images at `reference` and `candidate`, decoded side by side; reads
    /// their generation records and the machines' facts (`snapshots`, already loaded) for
    /// the culprits when the pixels differ; with `heatMap`, draws where they differ (`DifferenceHeatMap`).
    public static func compare(
        _ reference: String, _ candidate: String, tolerance: Int, snapshots: (FactsDocument, FactsDocument)? = nil, threads: Int = 2,
        heatMap: Bool = false
    ) async -> ImageComparison {
        async let decodedReference = decodeResult(reference)
        let decodedCandidate = decodeResult(candidate)
        let first = await decodedReference
        let a: PNGImage, b: PNGImage
        switch (first, decodedCandidate) {
        case (.failure(let error), _):
            return ImageComparison(reference: reference, candidate: candidate, outcome: .unreadable("the reference \(reference): \(error)"), culprits: [])
        case (_, .failure(let error)):
            return ImageComparison(reference: reference, candidate: candidate, outcome: .unreadable("\(error)"), culprits: [])
        case (.success(let left), .success(let right)):
            a = left
            b = right
        }
        let formats = (a.format, b.format)
        guard a.width == b.width, a.height == b.height else {
            return ImageComparison(
                reference: reference, candidate: candidate, formats: formats,
                outcome: .unreadable("the images' sizes differ: \(a.width)x\(a.height) and \(b.width)x\(b.height)"), culprits: []
            )
        }
        let (x, y) = PNGImage.common(a, b)
        let metrics = await ImageMetrics.measure(x, y, tolerance: tolerance, threads: threads)
        let identicalBytes: Bool
        do throws(ImageReadError) {
            identicalBytes = try sameBytes(reference, candidate)
        } catch {
            return ImageComparison(reference: reference, candidate: candidate, formats: formats, outcome: .unreadable("\(error)"), culprits: [])
        }
        let culprits = metrics.identicalPixels
            ? []
            : Culprit.ranked(records: (ImageRecordReader.read(path: reference), ImageRecordReader.read(path: candidate)), snapshots: snapshots)
        return ImageComparison(
            reference: reference, candidate: candidate, formats: formats, outcome: .compared(metrics, identicalBytes: identicalBytes), culprits: culprits,
            heatMap: heatMap ? DifferenceHeatMap.png(x, y) : nil
        )
    }

    static func decodeResult(_ path: String) -> Result<PNGImage, ImageReadError> {
        do throws(ImageReadError) {
            return .success(try PNGImage.decode(path: path))
        } catch {
            return .failure(error)
        }
    }

    /// Whether the two files hold the same bytes, read a block at a time.
    static func sameBytes(_ a: String, _ b: String) throws(ImageReadError) -> Bool {
        let left = try ImageFile(path: a), right = try ImageFile(path: b)
        guard left.size == right.size else { return false }
        let block = 1 << 20
        var offset = 0
        while offset < left.size {
            let count = Swift.min(block, left.size - offset)
            guard try left.read(at: offset, count: count, what: a) == right.read(at: offset, count: count, what: b) else { return false }
            offset += count
        }
        return true
    }
}

/// A likely reason two images differ, and the fact it rests on.
struct Culprit: Sendable, Equatable {
    /// What kinds of culprit there are, most likely first: settings that differ make other
    /// images for certain; then a machine difference that changes results; then a step of the
    /// job that runs on the GPU and so differs when the machines do.
    enum Kind: String, Sendable, CaseIterable, Comparable {
        case settings = "different-settings"
        case noRecord = "no-record"
        case gpuModel = "gpu-model"
        case compiledCode = "compiled-code"
        case attention = "attention-backend"
        case precision
        case gpuSampler = "gpu-sampler"
        case randomGrid = "cuda-random-grid"
        case promptExpansion = "prompt-expansion"
        case driver
        case otherMachineFact = "machine-fact"

        static func < (lhs: Kind, rhs: Kind) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }
    }

    var kind: Kind
    /// Why this can make the images differ.
    var why: String
    /// The fact it rests on, with where it comes from (`A's record: …`, `snapshots: …`).
    var fact: String

    /// The culprits for two images' difference, ranked: from their records (settings that
    /// differ, a `_gpu` sampler, Fooocus V2 prompt expansion) and, when given, the machines'
    /// snapshots (GPU model, torch and CUDA builds, attention backend, precision, driver).
    static func ranked(records: (ImageReading, ImageReading), snapshots: (FactsDocument, FactsDocument)?) -> [Culprit] {
        var culprits: [Culprit] = []
        var recorded: [(String, [String: String])] = []
        for (side, reading) in [("A", records.0), ("B", records.1)] {
            switch reading {
            case .record(let record): recorded.append((side, record.facts))
            case .noRecord(let detail):
                culprits.append(Culprit(kind: .noRecord, why: "without a generation record the settings cannot be compared", fact: "\(side) has no record: \(detail)"))
            case .unreadable(let detail):
                culprits.append(Culprit(kind: .noRecord, why: "without a generation record the settings cannot be compared", fact: "\(side)'s record cannot be read: \(detail)"))
            }
        }
        if recorded.count == 2 {
            let (a, b) = (recorded[0].1, recorded[1].1)
            for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
                culprits.append(Culprit(
                    kind: .settings, why: "the images were made with different settings",
                    fact: "\(key): A \(a[key].map(UntrustedText.quoted) ?? "not recorded"), B \(b[key].map(UntrustedText.quoted) ?? "not recorded")"
                ))
            }
        }
        // A GPU-dependent step in both records is one culprit, named once.
        func sides(_ value: (String, [String: String]) -> String?) -> String? {
            let found = recorded.compactMap { side, facts in value(side, facts).map { (side, $0) } }
            guard let first = found.first else { return nil }
            if found.count == 2, found[0].1 == found[1].1 { return "both records: \(first.1)" }
            return found.map { "\($0.0)'s record: \($0.1)" }.joined(separator: "; ")
        }
        let gpuSampler = sides { _, facts in
            [facts["job.fooocus.config.sampler"], facts["job.comfyui.graph.samplers"]].compactMap { $0 }.first { $0.contains("_gpu") }.map { "sampler \(UntrustedText.quoted($0))" }
        }
        if let gpuSampler {
            culprits.append(Culprit(
                kind: .gpuSampler,
                why: "a _gpu sampler draws its noise with the GPU's random generator, which gives other numbers on another GPU model, driver or torch build",
                fact: gpuSampler
            ))
        }
        if let expansion = sides({ _, facts in facts["job.fooocus.config.prompt_expansion"] == "true" ? "styles include Fooocus V2" : nil }) {
            culprits.append(Culprit(
                kind: .promptExpansion,
                why: "Fooocus V2 rewrites the prompt with a GPT-2 model on the GPU; one word chosen differently changes the whole image",
                fact: expansion
            ))
        }
        if let (a, b) = snapshots {
            let (left, right) = a.compared(with: b)
            for key in Set(left.keys).union(right.keys).sorted() where left[key] != right[key] {
                let impact = FactCatalog.impact(of: key)
                guard impact != .noEffect else { continue }
                let kind = machineKind(key)
                guard kind != .otherMachineFact || impact == .changesResults else { continue }
                // The grid's own words say above which size the noise parts; they need both sides.
                let why = kind == .randomGrid
                    ? FactDiff.compare(left, right).first { $0.key == key }?.explanation ?? FactCatalog.why(key)
                    : FactCatalog.why(key)
                culprits.append(Culprit(
                    kind: kind, why: why,
                    fact: "snapshots: \(key) A \(left[key].map(UntrustedText.quoted) ?? "absent"), B \(right[key].map(UntrustedText.quoted) ?? "absent")"
                ))
            }
        }
        // A stable sort: within a kind, the order found (keys sorted, A before B).
        return culprits.enumerated().sorted { ($0.element.kind, $0.offset) < ($1.element.kind, $1.offset) }.map(\.element)
    }

    /// The kind of culprit a differing machine fact is (docs/FACTS.md keys).
    static func machineKind(_ key: String) -> Kind {
        let parts = key.split(separator: ".")
        if key.hasPrefix("gpu."), let last = parts.last, ["name", "arch", "compute_capability", "sm_count", "max_threads_per_sm"].contains(last) { return .gpuModel }
        if key.hasPrefix("gpu."), parts.last == "torch_rng_threshold" { return .randomGrid }
        if key.hasPrefix("job."), key.contains(".attention") || key.hasSuffix(".xformers") { return .attention }
        if key.hasPrefix("job."), key.contains(".precision.") { return .precision }
        if key.hasPrefix("torch.") || key.hasPrefix("torchvision.") || key.hasPrefix("cuda.") || key.hasPrefix("cuda_code.")
            || ["python.packages.torch", "python.packages.xformers", "python.packages.torchvision"].contains(key) {
            return .compiledCode
        }
        if key == "nvidia.driver" || key.hasPrefix("runtime.libcuda") { return .driver }
        if key.hasPrefix("job.") { return .settings }
        return .otherMachineFact
    }
}

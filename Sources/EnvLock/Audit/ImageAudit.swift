/// What an audit concluded about one image.
enum AuditVerdict: String, Sendable, CaseIterable {
    case conforms
    case drift
    case noRecord = "no-record"
    case unreadable
}

/// One image's audit: its verdict, the record's source, and the lock's job rules judged on it.
struct AuditedImage: Sendable, Equatable {
    var path: String
    public var verdict: AuditVerdict
    /// `fooocus` or `comfyui` when the image has a record.
    var source: String?
    /// Why there is no record or it cannot be read.
    var detail: String?
    /// The rules' results, failures first (the Evaluator's order and wording).
    var evaluation: Evaluation?
    /// Keys whose rules were not judged for this image, with why (no refiner, so no switch).
    var notApplicable: [String: String]
}

/// Every image's audit against one lock.
public struct AuditReport: Sendable, Equatable {
    var images: [AuditedImage]
    /// The lock's rules on facts images do not record (the launch's attention, the commit):
    /// the launch-time gate checks them, an audit cannot.
    var rulesNotAudited: [Rule]
    /// Paths not read again: a file or folder already reached by another path, or a loop.
    var skipped: [AuditSkip] = []

    func count(_ verdict: AuditVerdict) -> Int { images.count { $0.verdict == verdict } }
    /// True when every image conforms: exit 0.
    public var allConform: Bool { images.allSatisfy { $0.verdict == .conforms } }
}

/// `envlock audit`: the lock's job rules judged on what each image's generation record says.
public enum ImageAudit {
    /// The `job.` facts an image's record can give (docs/FACTS.md, "Images").
    static let recordedKeys: [FactPattern] = [
        "job.fooocus.version", "job.fooocus.config.model", "job.fooocus.config.refiner", "job.fooocus.config.refiner_switch",
        "job.fooocus.config.sampler", "job.fooocus.config.scheduler", "job.fooocus.config.styles", "job.fooocus.config.prompt_expansion",
        "job.fooocus.config.loras", "job.fooocus.config.lora_weights", "job.fooocus.config.performance", "job.fooocus.config.cfg_scale",
        "job.fooocus.config.sharpness", "job.fooocus.config.vae", "job.fooocus.model.base.sha256", "job.fooocus.model.refiner.sha256",
        "job.fooocus.model.lora.*.sha256", "job.comfyui.graph.*",
    ].map { FactPattern($0)! }

    /// Audits `paths` (images, or folders searched for images) against `lock`'s job rules, in
    /// batches, `threads` at a time. `progress` is told after each batch how many are done of how many.
    public static func audit(_ lock: Lock, paths: [String], threads: Int = 16, progress: (Int, Int) -> Void = { _, _ in }) async -> AuditReport {
        let audited = lock.rules.filter { rule in recordedKeys.contains { rule.pattern.overlaps($0) } }
        let notAudited = lock.rules.filter { rule in rule.pattern.text.hasPrefix("job.") && !audited.contains(rule) }
        let lockedFacts = lock.facts.filter { key, _ in recordedKeys.contains { $0.matches(key) } }
        let search = ImageSearch(paths)
        let work = search.files
        var images = [AuditedImage?](repeating: nil, count: work.count)
        var done = 0
        // Reads block: batches go on threads of envlock's own, so that images not in the page
        // cache are read several at a time rather than one per CPU.
        await BlockingJobs.run((work.count + batchSize - 1) / batchSize, threads: Swift.max(1, threads)) { batch in
            work[batch * batchSize..<Swift.min((batch + 1) * batchSize, work.count)].map { file in
                guard let failure = file.failure else {
                    return judge(file.path, ImageRecordReader.read(path: file.path), rules: audited, lockedFacts: lockedFacts)
                }
                return AuditedImage(path: file.path, verdict: .unreadable, detail: failure, notApplicable: [:])
            }
        } finished: { batch, results in
            for (offset, image) in results.enumerated() { images[batch * batchSize + offset] = image }
            done += results.count
            progress(done, work.count)
        }
        return AuditReport(images: images.compactMap { $0 }, rulesNotAudited: notAudited, skipped: search.skipped)
    }

    /// Images per task: large enough that scheduling costs nothing, small enough for progress.
    public static let batchSize = 64

    /// One image's verdict from what reading it gave.
    static func judge(_ path: String, _ reading: ImageReading, rules: [Rule], lockedFacts: [String: String]) -> AuditedImage {
        switch reading {
        case .noRecord(let detail):
            return AuditedImage(path: path, verdict: .noRecord, detail: detail, notApplicable: [:])
        case .unreadable(let detail):
            return AuditedImage(path: path, verdict: .unreadable, detail: detail, notApplicable: [:])
        case .record(let record):
            let evaluation = evaluate(record, rules: rules, lockedFacts: lockedFacts)
            return AuditedImage(path: path, verdict: evaluation.hasErrors ? .drift : .conforms, source: record.source, evaluation: evaluation, notApplicable: record.notApplicable)
        }
    }

    /// The Evaluator's results for `rules` on the record's facts, each first reconciled with
    /// the lock (`reconcile`); rules on keys the record marks not applicable are left out.
    static func evaluate(_ record: ImageRecord, rules: [Rule], lockedFacts: [String: String]) -> Evaluation {
        var facts: [String: String] = [:]
        for (key, value) in record.facts {
            var candidates = lockedFacts[key].map { [$0] } ?? []
            for rule in rules where rule.pattern.matches(key) {
                switch rule.check {
                case .equals(let wanted): candidates.append(wanted)
                case .oneOf(let allowed): candidates += allowed
                default: break
                }
            }
            facts[key] = candidates.first { agrees(key: key, recorded: value, locked: $0) } ?? value
        }
        let report = DetectorReport(name: "image-record", status: .ok, provides: ["job.fooocus.", "job.comfyui."])
        var evaluation = Evaluator.evaluate(rules, lockedFacts: lockedFacts, snapshot: Snapshot(facts: facts, detectors: [report]))
        evaluation.results = evaluation.results.compactMap { result in
            if result.found == nil, record.notApplicable[result.key] != nil { return nil }
            guard result.found == nil, result.verdict != .pass else { return result }
            var result = result
            result.note = record.undetermined[result.key] ?? "the image's record does not carry \(result.key)"
            return result
        }
        return evaluation
    }

    /// Whether a value as the image records it is the lock's value, written as the lock writes it.
    ///
    /// Fooocus records less than the launch-time facts hold: the first 10 hex digits of a
    /// model's SHA-256 (`modules/util.py` `sha256`, `HASH_SHA256_LENGTH`), model and LoRA names
    /// without folder or extension (`Path(name).stem` in `meta_parser.py`), and numbers as
    /// Python prints them (`4.0` where the lock may hold `4`). Such a value agrees when the
    /// digest starts with the recorded digits, the name's stem is the recorded name, or the
    /// numbers are equal; the lock's value is then taken, so the Evaluator compares as usual.
    static func agrees(key: String, recorded: String, locked: String) -> Bool {
        if recorded == locked { return true }
        if key.hasSuffix(".sha256") {
            let digits = recorded.dropFirst("sha256:".count)
            return recorded.hasPrefix("sha256:") && digits.count >= 8 && digits.allSatisfy(\.isHexDigit) && locked.lowercased().hasPrefix(recorded.lowercased())
        }
        switch key {
        case "job.fooocus.config.model", "job.fooocus.config.refiner", "job.fooocus.config.vae":
            return stem(locked) == recorded
        case "job.fooocus.config.loras":
            guard let mine = FactList.decode(recorded), let theirs = FactList.decode(locked), mine.count == theirs.count else { return false }
            return zip(mine, theirs).allSatisfy { $0 == stem($1) }
        case "job.fooocus.config.lora_weights", "job.comfyui.graph.cfg":
            guard let mine = FactList.decode(recorded), let theirs = FactList.decode(locked), mine.count == theirs.count else { return false }
            return zip(mine, theirs).allSatisfy { sameNumber($0, $1) }
        case "job.fooocus.config.cfg_scale", "job.fooocus.config.sharpness", "job.fooocus.config.refiner_switch":
            return sameNumber(recorded, locked)
        default:
            return false
        }
    }

    /// Python's `Path(name).stem`: the last path component without its last extension.
    static func stem(_ name: String) -> String {
        let file = name.split(separator: "/").last.map(String.init) ?? name
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    static func sameNumber(_ a: String, _ b: String) -> Bool {
        guard let x = Double(a), let y = Double(b) else { return false }
        return x == y
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// `python.packages.NAME.files`: whether the files of an installed distribution are still the
/// ones its wheel installed, checked against the SHA-256 and size pip wrote for each of them
/// into `*.dist-info/RECORD` (as `rpm -V` and `debsums` check a system package). pip never
/// checks them again after install, so a file patched by hand in site-packages, a
/// half-finished upgrade or a module planted beside a package leaves every version fact as it
/// was while the code that runs is another.
///
/// The value is `intact`, or `modified: N files: PATH (why), …` naming the first ten; a
/// distribution envlock cannot check is unreadable with the reason (`undetermined: …`), which
/// fails any rule on the key. Only distributions a rule names are checked (`wanted`): a cold
/// check reads every byte of the distribution, gigabytes for torch.
public struct DistributionFilesDetector: SysPathDetector {
    public let name = "distribution-files"
    let provides = ["python.packages."]
    let dependencies = ["python"]
    /// The rule keys of `lock`, `verify` and `run`; a distribution is checked when one of
    /// them matches its `python.packages.NAME.files` key.
    let wanted: [FactPattern]
    let digests: ModelDigest

    init(wanted: [FactPattern], digests: ModelDigest) {
        self.wanted = wanted.filter { Self.isFilesKey($0.text) }
        self.digests = digests
    }

    static let keyPrefix = "python.packages."
    static let keySuffix = ".files"
    static let intact = "intact"

    /// Whether `key` is a `python.packages.NAME.files` key.
    static func isFilesKey(_ key: String) -> Bool {
        key.hasPrefix(keyPrefix) && key.hasSuffix(keySuffix) && key.utf8.count > keyPrefix.utf8.count + keySuffix.utf8.count
    }

    /// Whether any rule asks for a `.files` key, so that the probe runs this detector at all.
    var isWanted: Bool { !wanted.isEmpty }

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        let inventory = await DistributionInventory.scan(sysPath, in: context)
        var facts: [String: String] = [:]
        var unreadable: [String: String] = [:]
        var diagnostics: [String] = []
        var owners = DistributionRecords(files: context)
        let interpreter = BytecodeCheck.Interpreter(facts: earlier["python"]?.facts ?? [:])
        for distribution in inventory.distributions {
            let key = Self.keyPrefix + distribution.key + Self.keySuffix
            guard wanted.contains(where: { $0.matches(key) }) else { continue }
            let check = RecordCheck(distribution: distribution, digests: digests, interpreter: interpreter)
            switch await check.run(in: context, owners: &owners) {
            case .intact(let notes):
                facts[key] = Self.intact
                diagnostics += notes
            case .modified(let findings, let notes):
                facts[key] = RecordCheck.text(of: findings)
                diagnostics += notes
            case .unverifiable(let reason):
                unreadable[key] = "undetermined: " + reason
            }
        }
        var outcome = DetectorOutcome.ok(facts, diagnostics: diagnostics + owners.problems)
        outcome.unreadable = unreadable
        return outcome
    }

    /// Runs this detector after a machine probe, with the `python` detector's sys.path from
    /// `snapshot`, without the probe's deadline: hashing torch's 4.5 GB for the first time
    /// takes seconds, and a rule cut short by a timer would only fail for no reason.
    public func report(after snapshot: Snapshot, in context: HostContext) async -> (facts: [String: String], report: DetectorReport) {
        var earlier: [String: DetectorOutcome] = [:]
        if let python = snapshot.detectors.first(where: { $0.name == "python" }) {
            earlier["python"] = DetectorOutcome(status: python.status, detail: python.detail, facts: snapshot.facts.filter {
                $0.key.hasPrefix("python.path.") || BytecodeCheck.Interpreter.factKeys.contains($0.key)
            })
        }
        let outcome = await detect(in: context, earlier: earlier)
        return (outcome.facts, DetectorReport(
            name: name, status: outcome.status, detail: outcome.detail, diagnostics: outcome.diagnostics,
            provides: provides, unreadable: outcome.unreadable
        ))
    }
}

/// One distribution's files against its RECORD.
struct RecordCheck: Sendable {
    var distribution: InstalledDistribution
    var digests: ModelDigest
    /// The interpreter that runs the environment, which compares its bytecode with the
    /// sources (`BytecodeCheck`); nil when none is known (`--site-packages`).
    var interpreter: BytecodeCheck.Interpreter?

    enum Outcome: Equatable {
        /// `notes`: files the known-errors table accepts, and why the digest cache could not be
        /// used or written, one sentence each.
        case intact(notes: [String])
        case modified([Finding], notes: [String])
        case unverifiable(String)
    }

    /// A file that is not as RECORD says, by its RECORD path (relative to site-packages).
    struct Finding: Equatable, Comparable {
        var path: String
        var problem: Problem

        static func < (a: Finding, b: Finding) -> Bool { a.path.utf8.lexicographicallyPrecedes(b.path.utf8) }
    }

    enum Problem: Equatable {
        case missing
        /// The SHA-256 the file has (`sha256:` and hex), which RECORD does not.
        case bytesDiffer(found: String)
        case sizeDiffers(recorded: Int64, found: Int64)
        case notInRecord
        case symbolicLink(String)
        case notRegularFile
        /// A `.pyc` Python would run instead of its intact source, whose code is not the source's.
        case bytecodeDiffers
        /// A `.pyc` RECORD lists without a hash and without a source it would belong to.
        case bytecodeWithoutSource

        var text: String {
            switch self {
            case .missing: "missing"
            case .bytesDiffer: "bytes differ"
            case .sizeDiffers(let recorded, let found): "\(found) bytes, RECORD says \(recorded)"
            case .notInRecord: "not in RECORD"
            case .symbolicLink(let at): at.isEmpty ? "a symbolic link, not followed" : "behind the symbolic link \(UntrustedText.terminal(at)), not followed"
            case .notRegularFile: "not a regular file"
            case .bytecodeDiffers: "bytecode Python would run instead of its source, and its code differs"
            case .bytecodeWithoutSource: "bytecode without a hash or a source"
            }
        }
    }

    /// How many files a report names before it counts the rest.
    static let shownFindings = 10

    /// `modified: 3 files: torch/nn/functional.py (bytes differ), …, and 2 more`; paths are
    /// escaped (`UntrustedText.terminal`), so a file name cannot forge a report line; reports
    /// quote the whole value.
    static func text(of findings: [Finding]) -> String {
        let shown = findings.prefix(shownFindings).map { "\(UntrustedText.terminal($0.path)) (\($0.problem.text))" }
        let rest = findings.count - shown.count
        return "modified: \(findings.count) file\(findings.count == 1 ? "" : "s"): " + shown.joined(separator: ", ") + (rest > 0 ? ", and \(rest) more" : "")
    }

    /// RECORD entries the format lets go without a hash (PyPA "Recording installed
    /// projects"): RECORD itself, its signatures, and `.pyc` files, which pip compiles after
    /// install and records without a hash (pypa/pip `src/pip/_internal/operations/install/wheel.py`
    /// at 6d309205789d368b2749d93fd6193d584811efd5: `record_installed(pyc_record_path, pyc_path)`).
    static func mayLackHash(_ path: String, distInfo: String) -> Bool {
        path == distInfo + "/RECORD" || path == distInfo + "/RECORD.jws" || path == distInfo + "/RECORD.p7s" || path.hasSuffix(".pyc")
    }

    /// What one RECORD line asks to be checked.
    struct Expected: Sendable {
        /// The path relative to site-packages, normalized (`../../../bin/x` for scripts).
        var path: String
        /// The absolute path of the probed system.
        var absolute: String
        /// `sha256:` and 64 hex digits.
        var digest: String
        var size: Int64?
    }

    func run(in context: HostContext, owners: inout DistributionRecords) async -> Outcome {
        let distInfo = PythonPath.basename(distribution.path)
        let site = PythonPath.dirname(distribution.path)
        guard distInfo.hasSuffix(".dist-info") else {
            return .unverifiable("\(distribution.path) is an egg-info install, which records no file hashes; reinstall \(distribution.key) with pip from a wheel")
        }
        let checkStarted = DistributionDigestCache.now()
        let cache = digests.cacheFolder.map { DistributionDigestCache(cacheFolder: $0, distInfo: context.hostPath(distribution.path)) }
        var entry = DistributionDigestCache.Entry()
        var notes: [String] = []
        if let cache {
            let (bytes, note) = cache.load()
            if let note { notes.append(note) }
            if let bytes {
                if let watched = DistributionDigestCache.verdictPaths(bytes, distInfo: cache.distInfo, interpreter: interpreter?.key),
                   await Self.unchanged(watched, in: bytes, site: site, context: context) {
                    return .intact(notes: notes)
                }
                if let parsed = DistributionDigestCache.parse(bytes, distInfo: cache.distInfo) { entry = parsed } else { notes.append(cache.malformedNote) }
            }
        }
        let recordPath = distribution.path + "/RECORD"
        // Looked at before it is read: a RECORD changed after this is not taken as the one read.
        var watched: [String: ModelDigest.FileIdentity]? = [:]
        do throws(POSIXFailure) {
            watched?[recordPath] = ModelDigest.FileIdentity(try context.linkStatus(recordPath))
        } catch {
            watched = nil
        }
        let text: String
        do {
            text = try context.readText(recordPath, limit: DistributionRecords.recordLimit)
        } catch {
            if case .notFound = error {
                return .unverifiable("\(distribution.path) has no RECORD (an installer that records no files, or a broken install); reinstall \(distribution.key) with pip")
            }
            return .unverifiable(error.description)
        }
        let plan: Plan
        switch Self.plan(DistributionRecords.parseRecord(text), site: site, distInfo: distInfo, key: distribution.key) {
        case .success(let made): plan = made
        case .failure(let reason): return .unverifiable("\(distribution.path)/RECORD: \(reason.text)")
        }
        var tree = TreeListing(site: site)
        var findings: [Finding] = []
        var toHash: [Expected] = []
        for expected in plan.hashed {
            switch tree.kind(of: expected.path, in: context) {
            case .success(.regularFile): toHash.append(expected)
            case .success(let other): findings.append(Finding(path: expected.path, problem: other.problem))
            case .failure(let reason): return .unverifiable(reason.text)
            }
        }
        var askedOwners = false
        let hashedPaths = Set(plan.hashed.map(\.path))
        var bytecode: [(pyc: String, source: String)] = []
        for folder in plan.ownFolders {
            let files: [(path: String, kind: TreeListing.Kind)]
            switch tree.walk(folder, in: context) {
            case .success(let found): files = found
            case .failure(let reason): return .unverifiable(reason.text)
            }
            for (path, kind) in files where !hashedPaths.contains(path) {
                if path.hasSuffix(".pyc") {
                    let source = BytecodeCheck.sourceOfBytecode(path)
                    if let source, plan.listed.contains(source) {
                        switch kind {
                        case .regularFile: bytecode.append((path, source))
                        default: findings.append(Finding(path: path, problem: kind.problem))
                        }
                        continue
                    }
                    if plan.listed.contains(path) {
                        findings.append(Finding(path: path, problem: .bytecodeWithoutSource))
                        continue
                    }
                    // Another distribution's module compiled into a shared `__pycache__`.
                    askedOwners = true
                    if let source, let owner = owners.owner(of: site + "/" + source), owner.name != distribution.key { continue }
                }
                guard !plan.listed.contains(path) else { continue }
                // A namespace folder (`nvidia/`) holds other distributions' files.
                askedOwners = true
                if let owner = owners.owner(of: site + "/" + path), owner.name != distribution.key { continue }
                findings.append(Finding(path: path, problem: .notInRecord))
            }
        }
        if !owners.problems.isEmpty, findings.contains(where: { $0.problem == .notInRecord }) {
            return .unverifiable("files no RECORD of \(distribution.key) lists were found, and other RECORDs that may list them could not be read: " + owners.problems.joined(separator: "; "))
        }
        switch await hash(toHash, remembered: entry.files, in: context) {
        case .success(let hashed):
            findings += hashed.findings
            let compared: BytecodeCheck.Comparison
            switch await BytecodeCheck.compare(bytecode, in: site, remembered: entry.bytecode, interpreter: interpreter,
                                               withoutInterpreter: "none was run (--site-packages); pass --python, or delete the __pycache__ folders",
                                               started: checkStarted, context: context) {
            case .success(let done): compared = done
            case .failure(let reason): return .unverifiable(reason.text)
            }
            findings += compared.differing.map { Finding(path: $0, problem: .bytecodeDiffers) }
            if let cache, hashed.readCount > 0 || hashed.known.count != entry.files.count || entry.intactWhileUnchanged != nil
                || compared.asked > 0 || compared.known.count != entry.bytecode.count {
                entry.files = hashed.known
                entry.bytecode = compared.known
                entry.intactWhileUnchanged = nil
                // The verdict is remembered only when it rests on nothing unwatched: every
                // hashed file and every bytecode file remembered, every folder and RECORD
                // looked at, and none of them changed so recently that a change could go unseen.
                if findings.isEmpty, hashed.known.count == toHash.count, compared.known.count == bytecode.count,
                   var verdict = watched, let folders = tree.listedFolders {
                    verdict.merge(folders) { first, _ in first }
                    if askedOwners {
                        guard let others = Self.otherRecords(site: site, in: context) else { return finish(findings, notes: notes, saving: entry, in: cache) }
                        verdict.merge(others) { first, _ in first }
                    }
                    if verdict.values.allSatisfy({ DistributionDigestCache.isSettled($0, hashingStarted: checkStarted) }) {
                        entry.intactWhileUnchanged = verdict.mapValues(\.line)
                    }
                }
                return finish(findings, notes: notes, saving: entry, in: cache)
            }
        case .failure(let reason): return .unverifiable(reason.text)
        }
        return finish(findings, notes: notes, saving: nil, in: cache)
    }

    /// The outcome for `findings` after the known-errors table, writing `entry` to the cache
    /// when given (only an intact outcome without excused files keeps a verdict).
    private func finish(_ findings: [Finding], notes: [String], saving entry: DistributionDigestCache.Entry?, in cache: DistributionDigestCache?) -> Outcome {
        var notes = notes
        var excused = false
        let left = findings.filter { finding in
            guard let known = KnownRecordErrors.shipped(distribution.key, distribution.version ?? "", finding) else { return true }
            notes.append("\(distribution.path): \(UntrustedText.quoted(finding.path)) differs from RECORD as in the published wheel (\(known.why)); taken as intact")
            excused = true
            return false
        }
        if var entry, let cache {
            if excused { entry.intactWhileUnchanged = nil }
            if let problem = cache.save(entry) { notes.append(problem) }
        }
        return left.isEmpty ? .intact(notes: notes) : .modified(left.sorted(), notes: notes)
    }

    /// The size of the file at `absolute` when an `lstat` still gives the identity `known` was
    /// remembered under; nil otherwise. A failed `lstat` only means the file is read again,
    /// where a missing or unreadable file is reported as such.
    static func unchangedSize(of absolute: String, as known: DistributionDigestCache.Remembered, in context: HostContext) -> Int64? {
        do throws(POSIXFailure) {
            let info = try context.linkStatus(absolute)
            return info.isRegularFile && ModelDigest.FileIdentity(info).line == known.identity ? info.size : nil
        } catch {
            return nil
        }
    }

    /// Whether every path a remembered intact verdict rests on, and every file it hashed, has
    /// the identity it had then (`lstat`, on a few threads).
    static func unchanged(_ watched: [DistributionDigestCache.Watched], in bytes: [UInt8], site: String, context: HostContext) async -> Bool {
        let workers = min(4, max(1, watched.count / 256))
        // RECORD paths are looked at from site-packages' open folder, so the kernel does not
        // walk the path to it 11,000 times (none under a foreign root: see `openFolder`).
        let siteFolder = context.openFolder(site)
        defer { if let siteFolder { close(siteFolder) } }
        var same = true
        await BlockingJobs.run(workers, threads: workers) { worker in
            for index in stride(from: worker, to: watched.count, by: workers) {
                let item = watched[index]
                let path = String(decoding: bytes[item.path], as: UTF8.self)
                do throws(POSIXFailure) {
                    let info: FileStatus
                    if !item.isRecordPath {
                        info = try context.linkStatus(path)
                    } else if PythonPath.isNormal(path) && !path.hasPrefix("/") {
                        info = try context.linkStatus(path, in: site, opened: siteFolder)
                    } else {
                        // Scripts are listed as `../../../bin/x`.
                        info = try context.linkStatus(PythonPath.normalize(site + "/" + path))
                    }
                    guard ModelDigest.FileIdentity(info).isWritten(as: bytes[item.identity]) else { return false }
                } catch {
                    return false
                }
            }
            return true
        } finished: { _, unchangedPart in
            if !unchangedPart { same = false }
        }
        return same
    }

    /// The identities of every RECORD in `site`, which the owner lookups read; nil when one
    /// cannot be looked at.
    static func otherRecords(site: String, in context: HostContext) -> [String: ModelDigest.FileIdentity]? {
        var found: [String: ModelDigest.FileIdentity] = [:]
        do {
            for name in try context.listDirectory(site) where name.hasSuffix(".dist-info") {
                let record = site + "/" + name + "/RECORD"
                do throws(POSIXFailure) {
                    found[record] = ModelDigest.FileIdentity(try context.linkStatus(record))
                } catch {
                    return nil
                }
            }
        } catch {
            return nil
        }
        return found
    }

    /// What RECORD asks: the files to hash, every path it lists, and the folders that are the
    /// distribution's own, where any other file was planted.
    struct Plan {
        var hashed: [Expected] = []
        var listed: Set<String> = []
        var ownFolders: [String] = []
    }

    /// Why a RECORD cannot be checked.
    struct PlanFailure: Error, Equatable {
        var text: String
    }

    static func plan(_ entries: [DistributionRecords.Entry], site: String, distInfo: String, key: String) -> Result<Plan, PlanFailure> {
        var plan = Plan()
        let environment = environmentFolder(of: site)
        var folders: Set<String> = [distInfo]
        for (index, entry) in entries.enumerated() {
            let line = "line \(index + 1)"
            guard !entry.path.isEmpty, !entry.path.utf8.contains(0) else { return .failure(PlanFailure(text: "\(line) has no path")) }
            guard entry.extraFields == 0 else { return .failure(PlanFailure(text: "\(line) has more than the three fields path,hash,size")) }
            guard !entry.path.hasPrefix("/") else {
                return .failure(PlanFailure(text: "\(line) lists the absolute path \(UntrustedText.quoted(entry.path)); envlock checks only files inside the environment"))
            }
            let path = PythonPath.normalize(entry.path)
            let absolute = PythonPath.normalize(site + "/" + entry.path)
            if path.hasPrefix("../") || path == ".." {
                // Scripts: pip writes bin/ paths relative to site-packages (`../../../bin/torchrun`).
                guard let environment, absolute.hasPrefix(environment + "/") else {
                    return .failure(PlanFailure(text: "\(line) lists \(UntrustedText.quoted(entry.path)), which lies outside the environment \(environment ?? site)"))
                }
            } else if path != "." {
                let components = path.split(separator: "/")
                if components.count > 1 { folders.insert(String(components[0])) }
            } else {
                return .failure(PlanFailure(text: "\(line) lists \(UntrustedText.quoted(entry.path)), which is site-packages itself"))
            }
            plan.listed.insert(path)
            if entry.hash.isEmpty {
                guard mayLackHash(path, distInfo: distInfo) else {
                    return .failure(PlanFailure(text: "\(line) lists \(UntrustedText.quoted(entry.path)) without a hash; only RECORD, its signatures and .pyc files may go without one, so the file cannot be checked (reinstall \(key) with pip)"))
                }
                continue
            }
            guard entry.hash.hasPrefix("sha256=") else {
                let algorithm = entry.hash.prefix { $0 != "=" }
                return .failure(PlanFailure(text: "\(line) hashes \(UntrustedText.quoted(entry.path)) with \(UntrustedText.quoted(String(algorithm))); envlock checks sha256, which pip writes"))
            }
            guard let bytes = Base64Codec.decodeURLSafeUnpadded(entry.hash.dropFirst("sha256=".count)), bytes.count == 32 else {
                return .failure(PlanFailure(text: "\(line) has a hash for \(UntrustedText.quoted(entry.path)) that is not URL-safe base64 of a SHA-256"))
            }
            var size: Int64?
            if !entry.size.isEmpty {
                guard entry.size.utf8.count <= 18, entry.size.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let parsed = Int64(entry.size) else {
                    return .failure(PlanFailure(text: "\(line) gives \(UntrustedText.quoted(entry.path)) the size \(UntrustedText.quoted(String(entry.size.prefix(40)))), which is not a byte count"))
                }
                size = parsed
            }
            plan.hashed.append(Expected(path: path, absolute: absolute, digest: "sha256:" + Hex.encode(bytes), size: size))
        }
        plan.ownFolders = folders.sorted()
        return .success(plan)
    }

    /// The environment prefix that holds `lib/pythonX.Y/site-packages` (a venv, `/usr/local`),
    /// where pip puts scripts in `bin/`; nil for a folder of another shape, whose scripts
    /// cannot be placed.
    static func environmentFolder(of site: String) -> String? {
        let parts = site.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 3, parts[parts.count - 1] == "site-packages" || parts[parts.count - 1] == "dist-packages",
              parts[parts.count - 2].hasPrefix("python"), parts[parts.count - 3] == "lib" || parts[parts.count - 3] == "lib64"
        else { return nil }
        return "/" + parts.dropLast(3).joined(separator: "/")
    }

    /// What hashing a distribution's files found: the files whose size or bytes differ from
    /// RECORD, what the distribution's cache entry may remember, and how many files were read.
    struct Hashed {
        var findings: [Finding] = []
        var known: [String: DistributionDigestCache.Remembered] = [:]
        var readCount = 0
    }

    /// Hashes `files` on a few threads; a file whose `lstat` still matches what the
    /// distribution's digest cache remembers is not read (see `DistributionDigestCache`).
    func hash(_ files: [Expected], remembered: [String: DistributionDigestCache.Remembered], in context: HostContext) async -> Result<Hashed, PlanFailure> {
        guard !files.isEmpty else { return .success(Hashed()) }
        let hashingStarted = DistributionDigestCache.now()
        let workers = min(4, max(1, files.count / 64))
        // Progress counts the bytes still to read, so a warm check says nothing.
        let toRead = files.reduce(0) { $0 + (remembered[$1.path] == nil ? Int(clamping: $1.size ?? 0) : 0) }
        let progress = digests.progress.map { HashProgressTally(path: distribution.path, total: toRead, report: $0) }
        // Files are hashed without their own cache entries: the distribution's entry holds them.
        let hasher = ModelDigest(cacheFolder: nil)
        // Large files first, spread over the workers, so that one worker does not end with
        // libtorch_cuda.so while the others idle.
        let ordered = files.sorted { ($0.size ?? 0) > ($1.size ?? 0) }
        typealias Part = (findings: [Finding], known: [String: DistributionDigestCache.Remembered], hashed: Int)
        var hashed = Hashed()
        var failure: PlanFailure?
        await BlockingJobs.run(workers, threads: workers) { worker -> Result<Part, PlanFailure> in
            var part: Part = ([], [:], 0)
            for file in stride(from: worker, to: ordered.count, by: workers).map({ ordered[$0] }) {
                var digest: String
                var size: Int64
                if let known = remembered[file.path], let stillSize = Self.unchangedSize(of: file.absolute, as: known, in: context) {
                    digest = known.digest
                    size = stillSize
                    part.known[file.path] = known
                } else {
                    let result: ModelDigestResult
                    do throws(FileReadError) {
                        result = try hasher.digest(of: file.absolute, in: context)
                    } catch {
                        if case .notFound = error {
                            part.findings.append(Finding(path: file.path, problem: .missing))
                            continue
                        }
                        return .failure(PlanFailure(text: error.description))
                    }
                    progress?.add(Int(clamping: result.size))
                    digest = result.digest
                    size = result.size
                    part.hashed += 1
                    if let identity = result.stableIdentity, DistributionDigestCache.isSettled(identity, hashingStarted: hashingStarted) {
                        part.known[file.path] = .init(identity: identity.line, digest: digest)
                    }
                }
                if let recorded = file.size, recorded != size {
                    part.findings.append(Finding(path: file.path, problem: .sizeDiffers(recorded: recorded, found: size)))
                } else if digest != file.digest {
                    part.findings.append(Finding(path: file.path, problem: .bytesDiffer(found: digest)))
                }
            }
            return .success(part)
        } finished: { _, part in
            switch part {
            case .success(let found):
                hashed.findings += found.findings
                hashed.known.merge(found.known) { first, _ in first }
                hashed.readCount += found.hashed
            case .failure(let reason): failure = failure ?? reason
            }
        }
        progress?.finish()
        if let failure { return .failure(failure) }
        return .success(hashed)
    }
}

/// The folders of one site-packages as the directory entries say, without following a
/// symbolic link anywhere: a link where RECORD lists a file, or a linked folder on the way
/// to one, is reported, never read through, so nothing leads out of the environment.
struct TreeListing {
    enum Kind: Equatable {
        case regularFile, directory, other, missing
        /// A link at this path (empty), or at the folder named on the way to it.
        case symbolicLink(at: String)

        var problem: RecordCheck.Problem {
            switch self {
            case .missing, .directory: .missing
            case .symbolicLink(let at): .symbolicLink(at)
            case .regularFile, .other: .notRegularFile
            }
        }
    }

    /// Folders deeper than this below site-packages are refused rather than walked.
    static let depthLimit = 64

    let site: String
    /// Each folder's entries by absolute path; nil when the folder is not there.
    private var listings: [String: [String: DirectoryEntry.Kind]?] = [:]
    /// The identity of each folder listed, taken before it was listed, by absolute path; nil
    /// once a folder listed could not be looked at, so that no verdict rests on what was not
    /// watched.
    private(set) var listedFolders: [String: ModelDigest.FileIdentity]? = [:]

    init(site: String) {
        self.site = site
    }

    /// What lies at `path` (relative to site-packages, `..` allowed for scripts), looked at
    /// one folder at a time from site-packages' own folder, or the environment's for scripts.
    mutating func kind(of path: String, in context: HostContext) -> Result<Kind, RecordCheck.PlanFailure> {
        var folder = site
        var components = path.split(separator: "/").map(String.init)
        while components.first == ".." {
            folder = PythonPath.dirname(folder)
            components.removeFirst()
        }
        var walked = ""
        for (index, component) in components.enumerated() {
            let entries: [String: DirectoryEntry.Kind]?
            switch listing(of: folder, in: context) {
            case .success(let found): entries = found
            case .failure(let reason): return .failure(reason)
            }
            walked = walked.isEmpty ? component : walked + "/" + component
            guard let kind = entries?[component] else { return .success(.missing) }
            let isLast = index == components.count - 1
            switch resolved(kind, folder + "/" + component, in: context) {
            case .directory where !isLast: folder += "/" + component
            case .directory: return .success(.directory)
            case .symbolicLink: return .success(.symbolicLink(at: isLast ? "" : walked))
            case .regularFile where isLast: return .success(.regularFile)
            case .other, .unknown: return .success(isLast ? .other : .missing)
            case .regularFile: return .success(.missing)
            }
        }
        return .success(.missing)
    }

    /// Every entry that is not a folder below `folder` (relative to site-packages), with its
    /// kind; links are listed, not followed.
    mutating func walk(_ folder: String, in context: HostContext) -> Result<[(path: String, kind: Kind)], RecordCheck.PlanFailure> {
        var found: [(path: String, kind: Kind)] = []
        var pending: [(relative: String, depth: Int)] = [(folder, 1)]
        // The top folder itself must be a folder, not a link to one.
        switch kind(of: folder, in: context) {
        case .success(.directory): break
        case .success: return .success([])
        case .failure(let reason): return .failure(reason)
        }
        while let next = pending.popLast() {
            let (relative, depth) = next
            let entries: [String: DirectoryEntry.Kind]
            switch listing(of: site + "/" + relative, in: context) {
            case .success(let listed?): entries = listed
            case .success(nil): continue
            case .failure(let reason): return .failure(reason)
            }
            for (name, kind) in entries {
                let path = relative + "/" + name
                switch resolved(kind, site + "/" + path, in: context) {
                case .directory:
                    guard depth < Self.depthLimit else {
                        return .failure(RecordCheck.PlanFailure(text: "\(site)/\(path): folders nest deeper than \(Self.depthLimit) levels"))
                    }
                    pending.append((path, depth + 1))
                case .regularFile: found.append((path, .regularFile))
                case .symbolicLink: found.append((path, .symbolicLink(at: "")))
                case .other, .unknown: found.append((path, .other))
                }
            }
        }
        return .success(found)
    }

    /// The entry's kind, asking the file system (without following a link) when the folder
    /// listing did not say (file systems without `d_type`).
    private func resolved(_ kind: DirectoryEntry.Kind, _ absolute: String, in context: HostContext) -> DirectoryEntry.Kind {
        guard kind == .unknown else { return kind }
        do throws(POSIXFailure) {
            let info = try context.linkStatus(absolute)
            return info.isSymbolicLink ? .symbolicLink : info.isDirectory ? .directory : info.isRegularFile ? .regularFile : .other
        } catch {
            return .unknown
        }
    }

    private mutating func listing(of folder: String, in context: HostContext) -> Result<[String: DirectoryEntry.Kind]?, RecordCheck.PlanFailure> {
        if let known = listings[folder] { return .success(known) }
        do throws(POSIXFailure) {
            let info = try context.linkStatus(folder)
            listedFolders?[folder] = info.isDirectory ? ModelDigest.FileIdentity(info) : nil
            if !info.isDirectory { listedFolders = nil }
        } catch {
            // A folder that is not there is listed as absent below; its parent's identity
            // covers its coming back.
            if error.errno != ENOENT && error.errno != ENOTDIR { listedFolders = nil }
        }
        do {
            let entries = try context.entries(of: folder)
            var byName: [String: DirectoryEntry.Kind] = [:]
            byName.reserveCapacity(entries.count)
            for entry in entries { byName[entry.name] = entry.kind }
            listings[folder] = .some(byName)
            return .success(byName)
        } catch {
            if case .notFound = error {
                listings[folder] = .some(nil)
                return .success(nil)
            }
            return .failure(RecordCheck.PlanFailure(text: "\(error.description): the files there cannot be checked"))
        }
    }
}

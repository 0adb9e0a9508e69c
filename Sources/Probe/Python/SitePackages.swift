#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// Every distribution importable from the interpreter's `sys.path`, as importlib.metadata
/// sees it: `python.packages.<name>` = the `Version` of its METADATA (`*.dist-info`) or
/// PKG-INFO (`*.egg-info` folder or file, `*.egg/EGG-INFO`).
///
/// The name is the METADATA `Name`, normalized as PEP 503 says. Where two entries share a
/// name, the first on `sys.path` wins, and within one folder the first in directory order,
/// as `importlib.metadata.version(name)` decides. Editable installs need nothing special:
/// modern ones are a dist-info in site-packages; legacy `setup.py develop` ones are found
/// through the project folder that `easy-install.pth` puts on `sys.path`, exactly as
/// importlib.metadata finds them (it ignores `.egg-link` files, and so does envlock).
///
/// Only the header of each METADATA file is read, and only up to its `Name` and `Version`.
/// A broken entry (no METADATA, no Version, unreadable, invalid UTF-8, a symlink loop)
/// becomes a diagnostic with its path; an entry without a Version still hides later entries
/// of the same name, as it does for importlib.metadata.
struct SitePackagesDetector: SysPathDetector {
    let name = "site-packages"
    let provides = ["python.packages."]
    let dependencies = ["python"]

    init() {}

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        let inventory = await DistributionInventory.scan(sysPath, in: context)
        var facts: [String: String] = [:]
        facts.reserveCapacity(inventory.distributions.count)
        var unreadable: [String: String] = [:]
        for distribution in inventory.distributions {
            if let version = distribution.version {
                facts["python.packages.\(distribution.key)"] = version
            } else {
                unreadable["python.packages.\(distribution.key)"] = distribution.problem ?? "\(distribution.path): no Version"
            }
        }
        var outcome = DetectorOutcome.ok(facts, diagnostics: inventory.diagnostics)
        outcome.unreadable = unreadable
        return outcome
    }
}

/// One distribution found on `sys.path`.
struct InstalledDistribution: Sendable, Equatable {
    /// The PEP 503 normalized name.
    var key: String
    /// The METADATA Version; nil for a broken entry.
    var version: String?
    /// The `*.dist-info` / `*.egg-info` path.
    var path: String
    /// Why a broken entry has no version, naming the file, for rules on its key.
    var problem: String? = nil
}

/// The distributions of a `sys.path`, with the problems met on the way.
struct DistributionInventory: Sendable, Equatable {
    var distributions: [InstalledDistribution] = []
    var diagnostics: [String] = []

    /// Scans every entry; metadata files are read by several tasks at once, results are
    /// merged in `sys.path` and directory order.
    static func scan(_ sysPath: [String], in context: HostContext) async -> DistributionInventory {
        var candidates: [Candidate] = []
        var diagnostics: [String] = []
        for (entryIndex, entry) in sysPath.enumerated() {
            let isEgg = PythonPath.basename(entry).lowercased().hasSuffix(".egg")
            let listing: [DirectoryEntry]
            do {
                listing = try context.entries(of: entry) { name in
                    PythonFiles.hasSuffixIgnoringCase(name, ".dist-info") || PythonFiles.hasSuffixIgnoringCase(name, ".egg-info")
                        || isEgg && name.count == 8 && PythonFiles.hasSuffixIgnoringCase(name, "egg-info")
                }
            } catch {
                if case .notFound = error {
                    // A missing entry (python311.zip) is normal; a file is a zip archive.
                    if context.exists(entry) && !context.isDirectory(entry) {
                        diagnostics.append("\(entry): a file on sys.path (zip archive); distributions inside zip archives are not read")
                    }
                } else {
                    diagnostics.append("\(error.description): distributions in this sys.path entry were not read")
                }
                continue
            }
            for item in listing {
                // An .egg folder's own EGG-INFO is named after the .egg, as importlib.metadata names it.
                let folderName = item.name.utf8.count == 8 ? PythonPath.basename(entry) : item.name
                candidates.append(Candidate(entryIndex: entryIndex, folder: entry, name: item.name, folderName: folderName, kind: item.kind))
            }
        }
        let headers = await readHeaders(candidates, in: context)
        var inventory = DistributionInventory()
        inventory.diagnostics = diagnostics
        var seen: [String: Candidate] = [:]
        seen.reserveCapacity(candidates.count)
        inventory.distributions.reserveCapacity(candidates.count)
        for (candidate, result) in zip(candidates, headers) {
            let path = candidate.path
            var problems: [String] = []
            var header = PythonMetadata.Header()
            switch result {
            case .success(let read):
                header = read
            case .failure(let problem):
                problems.append(problem.description)
            }
            let name: String
            if let declared = header.name, !declared.isEmpty {
                name = declared
            } else {
                name = PythonMetadata.nameFromMetadataFolder(candidate.folderName)
                if case .success = result { problems.append("\(path): its metadata has no Name; named \(name) from the folder") }
            }
            if case .success = result, header.version == nil {
                problems.append("\(path): its metadata has no Version; importlib.metadata reports None for \(name)")
            }
            if header.hasInvalidUTF8 {
                problems.append("\(path): its metadata is not valid UTF-8, so importlib.metadata fails on it; bytes were replaced")
            }
            var key = PackageName.normalize(name)
            // One pass over contiguous bytes for the usual name, all printable ASCII; only other
            // names take the two checks below.
            let isPrintableASCII = key.utf8.withContiguousStorageIfAvailable { $0.allSatisfy { $0 > 0x20 && $0 < 0x7F } } ?? false
            if !isPrintableASCII && key.utf8.contains(where: { $0 >= 0x80 }) {
                // PEP 508 names are ASCII. importlib.metadata keeps names byte for byte, so
                // `café` written precomposed (NFC) and decomposed (NFD) are two distributions;
                // Swift strings compare them equal, so each non-ASCII scalar is spelled out.
                key = String(key.unicodeScalars.map { $0.isASCII ? String($0) : "\\u{" + String($0.value, radix: 16) + "}" }.joined())
                problems.append("\(path): the name \(UntrustedText.quoted(name)) is not a valid distribution name (PEP 508 names are ASCII); reported as \(key)")
            }
            if key.isEmpty || !isPrintableASCII && key.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
                // Not a valid distribution name; a fact key cannot hold it as it is.
                key = String(key.map { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true ? "-" : $0 })
                if key.isEmpty { key = "-" }
                problems.append("\(path): the name \"\(name)\" is not a valid distribution name; reported as \(key)")
            }
            if let first = seen[key] {
                if first.entryIndex == candidate.entryIndex {
                    problems.append("\(path): a second \(key) in the same folder, hidden by \(first.path) as importlib.metadata hides it; remove the stale one")
                }
                inventory.diagnostics += problems
                continue
            }
            seen[key] = candidate
            inventory.diagnostics += problems
            let problem = header.version == nil ? (problems.first { $0.hasPrefix(path) } ?? "\(path): no Version") : nil
            inventory.distributions.append(InstalledDistribution(key: key, version: header.version, path: path, problem: problem))
        }
        return inventory
    }

    /// A `*.dist-info` / `*.egg-info` entry to read.
    struct Candidate: Sendable, Equatable {
        var entryIndex: Int
        /// The `sys.path` entry it was listed in, and its name there.
        var folder: String
        var name: String
        var folderName: String
        var kind: DirectoryEntry.Kind

        /// Where it is, as diagnostics and the inventory name it.
        var path: String { PythonPath.join(folder, name) }
    }

    /// Why one entry's metadata could not be read.
    struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        var path: String
        var reason: String

        var description: String { "\(path): \(reason)" }
    }

    /// Below this many files one task reads them all; starting tasks would cost more.
    static let parallelThreshold = 256

    static func readHeaders(_ candidates: [Candidate], in context: HostContext) async -> [Result<PythonMetadata.Header, Problem>] {
        let workers = min(4, max(1, candidates.count / parallelThreshold))
        if workers == 1 { return readHeaders(candidates[...], in: context) }
        let size = (candidates.count + workers - 1) / workers
        // Each slice on a thread of its own, started at once (in a probe, the probe's threads,
        // where a hung read blocks only its slice, as a detector that blocks holds only its own).
        var parts = [[Result<PythonMetadata.Header, Problem>]](repeating: [], count: workers)
        await BlockingJobs.run(workers, threads: workers) { worker in
            readHeaders(candidates[min(candidates.count, worker * size)..<min(candidates.count, (worker + 1) * size)], in: context)
        } finished: { worker, part in
            parts[worker] = part
        }
        return parts.flatMap { $0 }
    }

    /// Each `sys.path` folder is opened once and its files opened by name inside it, so that
    /// the kernel does not walk the folder's path again for each of thousands of files.
    static func readHeaders(_ candidates: ArraySlice<Candidate>, in context: HostContext) -> [Result<PythonMetadata.Header, Problem>] {
        let reader = MetadataHeaderReader()
        var headers: [Result<PythonMetadata.Header, Problem>] = []
        headers.reserveCapacity(candidates.count)
        // Candidates come in sys.path order, so one folder is open at a time.
        var openedEntry = -1
        var opened: Int32?
        defer { if let opened { close(opened) } }
        for candidate in candidates {
            if candidate.entryIndex != openedEntry {
                if let opened { close(opened) }
                opened = context.openFolder(candidate.folder)
                openedEntry = candidate.entryIndex
            }
            headers.append(readHeader(candidate, with: reader, opened: opened, in: context))
        }
        return headers
    }

    /// METADATA, else PKG-INFO, else the entry itself when it is a file, as
    /// `importlib.metadata.Distribution.metadata` tries them.
    /// `opened`: the candidate's folder, from `HostContext.openFolder`, or nil.
    static func readHeader(_ candidate: Candidate, with reader: borrowing MetadataHeaderReader, opened: Int32?, in context: HostContext) -> Result<PythonMetadata.Header, Problem> {
        var kind = candidate.kind
        if kind == .symbolicLink || kind == .unknown {
            do throws(POSIXFailure) {
                kind = try context.status(candidate.path).isDirectory ? .directory : .regularFile
            } catch {
                return .failure(Problem(path: candidate.path, reason: error.errno == ELOOP ? "a symlink loop" : error.reason))
            }
        }
        if kind != .directory {
            do {
                return .success(try reader.header(candidate.name, in: candidate.folder, opened: opened, context: context))
            } catch {
                return .failure(problem(error, reportedAs: candidate.path))
            }
        }
        for file in ["/METADATA", "/PKG-INFO"] {
            // One interpolation sizes the name once; `a + "/" + b` grew it twice, a tenth of
            // the instructions spent reading 2,000 headers.
            let name = "\(candidate.name)\(file)"
            do {
                return .success(try reader.header(name, in: candidate.folder, opened: opened, context: context))
            } catch {
                if case .notFound = error { continue }
                return .failure(problem(error, reportedAs: "\(candidate.path)\(file)"))
            }
        }
        return .failure(Problem(path: candidate.path, reason: "no METADATA or PKG-INFO inside; the distribution is broken, reinstall it"))
    }

    static func problem(_ error: FileReadError, reportedAs reported: String) -> Problem {
        switch error {
        case .notFound: Problem(path: reported, reason: "not found")
        case .permissionDenied: Problem(path: reported, reason: "permission denied; run envlock as a user who can read the environment")
        case .tooLarge(_, let limit): Problem(path: reported, reason: "no end of its header within \(limit) bytes")
        case .notUTF8: Problem(path: reported, reason: "not valid UTF-8")
        case .notRegularFile: Problem(path: reported, reason: "not a regular file (a FIFO, device or folder)")
        case .system(_, let code, let message): Problem(path: reported, reason: code == ELOOP ? "a symlink loop" : message)
        }
    }
}

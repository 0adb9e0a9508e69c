import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// One machine of a fleet: where its snapshot came from and the host name it reports.
struct FleetMember: Sendable, Equatable {
    /// The file, `path#N` for the Nth document of a file holding several, or
    /// `standard input#N`.
    var source: String
    /// The snapshot's `host.name`, when it has one.
    public var host: String?
    /// For a lock: the keys of the error rules this machine fails (empty: it matches).
    var failedKeys: [String]
    /// Input order, to list members as they were given.
    var order: [Int]
}

/// A snapshot that could not be read, and why; it never stops the report.
public struct FleetUnreadable: Sendable, Equatable {
    var source: String
    var reason: String
    var order: [Int]
}

/// An input named again (the same file or folder by another path, or standard input twice):
/// its machines are counted once, under the name that came first.
public struct FleetDuplicate: Sendable, Equatable {
    enum Kind: String, Sendable {
        case file, folder
        case standardInput = "standard input"
    }

    var source: String
    var kind: Kind
    /// The name under which the same input was first read.
    var sameAs: String
    var order: [Int]

    /// "the same file as snapshots/a.json, counted once".
    public var detail: String {
        switch kind {
        case .file, .folder: "the same \(kind.rawValue) as \(sameAs), counted once"
        case .standardInput: "the same input as \(sameAs), counted once"
        }
    }
}

/// Machines whose results-relevant facts are identical.
public struct FleetGroup: Sendable {
    /// `sha256:` over the canonical JSON (RFC 8785) of the facts that change results.
    public var fingerprint: String
    var members: [FleetMember]
    /// The facts that change results, the same on every member.
    public var facts: [String: String]
    /// How this group differs from the largest group (empty for the largest).
    var differences: [FactDifference]

    /// With a lock: true when every member passes its error rules.
    var matchesLock: Bool { members.allSatisfy { $0.failedKeys.isEmpty } }
}

/// A fleet grouped by what changes results.
public struct FleetReport: Sendable {
    /// Largest group first (ties: the one whose first member came first).
    public var groups: [FleetGroup]
    var unreadable: [FleetUnreadable]
    /// Inputs named more than once, read once.
    var duplicates: [FleetDuplicate] = []
    /// The lock each group was checked against, when one was given.
    var lockPath: String?

    var machineCount: Int { groups.reduce(0) { $0 + $1.members.count } }

    /// True when every machine was read and the fleet is one group, or with a lock, every
    /// group matches it.
    public var isConsistent: Bool {
        guard unreadable.isEmpty, !groups.isEmpty else { return false }
        return lockPath == nil ? groups.count == 1 : groups.allSatisfy(\.matchesLock)
    }
}

/// Groups many snapshots (files, folders of them, JSON on standard input) by the facts that
/// change results (docs/FACTS.md, "Impact").
public enum Fleet {
    /// The largest input file or standard input read; snapshots are about 12 KB, a JSON Lines
    /// file of a whole fleet can be hundreds of megabytes.
    static let inputLimit = 4 << 30

    /// The name that means standard input on the command line.
    public static let standardInputArgument = "-"

    /// Reads every input and groups the machines. `-` is standard input: snapshots as JSON,
    /// one after another (JSON Lines, or the indented JSON `probe --format json` writes).
    /// A folder contributes its `*.json`, `*.jsonl`, `*.yaml` and `*.yml` files. Files are
    /// read on `threads` threads.
    public static func survey(_ inputs: [String], lock: LoadedLock? = nil, threads: Int = 2) async -> FleetReport {
        var work: [FleetWork] = []
        var unreadable: [FleetUnreadable] = []
        var duplicates: [FleetDuplicate] = []
        var taken = TakenInputs()
        for (index, input) in inputs.enumerated() {
            if input == standardInputArgument {
                if let first = taken.take(TakenInputs.standardInput(), as: DocumentFile.standardInputName) {
                    duplicates.append(FleetDuplicate(source: DocumentFile.standardInputName, kind: .standardInput, sameAs: first, order: [index]))
                    continue
                }
                do {
                    work.append(.stream(try DocumentFile.readStandardInput(limit: inputLimit), name: DocumentFile.standardInputName, order: [index]))
                } catch {
                    unreadable.append(FleetUnreadable(source: DocumentFile.standardInputName, reason: Fleet.reason(error), order: [index]))
                }
                continue
            }
            let listing = folderFiles(input)
            if let first = taken.take(TakenInputs.file(input), as: input) {
                let kind: FleetDuplicate.Kind = if case .notAFolder = listing { .file } else { .folder }
                duplicates.append(FleetDuplicate(source: input, kind: kind, sameAs: first, order: [index]))
                continue
            }
            switch listing {
            case .notAFolder:
                work.append(.file(input, order: [index]))
            case .files(let names):
                for (position, name) in names.enumerated() {
                    let path = input + (input.hasSuffix("/") ? "" : "/") + name
                    if let first = taken.take(TakenInputs.file(path), as: path) {
                        duplicates.append(FleetDuplicate(source: path, kind: .file, sameAs: first, order: [index, position]))
                        continue
                    }
                    work.append(.file(path, order: [index, position]))
                }
            case .unreadable(let reason):
                unreadable.append(FleetUnreadable(source: input, reason: reason, order: [index]))
            }
        }
        let rules = lock.map { ($0.lock.rules, $0.lock.facts) }
        let shares = max(1, min(threads, work.count))
        let partials = await withTaskGroup(of: FleetPartial.self) { group in
            for share in 0..<shares {
                let mine = stride(from: share, to: work.count, by: shares).map { work[$0] }
                group.addTask {
                    var reader = FleetPartialReader(lockRules: rules)
                    for item in mine { reader.read(item) }
                    return reader.partial
                }
            }
            var all: [FleetPartial] = []
            for await partial in group { all.append(partial) }
            return all
        }
        var report = report(merging: partials, unreadable: unreadable, lockPath: lock?.path)
        report.duplicates = duplicates
        return report
    }

    /// Why a document could not be read, without repeating its path (the report names it).
    static func reason(_ error: DocumentError) -> String {
        if case .unreadable(_, let reason) = error { return reason }
        return error.description
    }

    enum FolderListing {
        case notAFolder
        case files([String])
        case unreadable(String)
    }

    static let snapshotExtensions = [".json", ".jsonl", ".yaml", ".yml"]

    static func folderFiles(_ path: String) -> FolderListing {
        do {
            return .files(try POSIXFile.folderEntries(at: path).filter { name in
                !name.hasPrefix(".") && snapshotExtensions.contains { name.hasSuffix($0) }
            })
        } catch {
            // A file, or nothing at all: reading it as a file says which.
            if error.isMissing { return .notAFolder }
            return .unreadable(error.couldNot)
        }
    }

    static func report(merging partials: [FleetPartial], unreadable: [FleetUnreadable], lockPath: String?) -> FleetReport {
        var merged: [ResultsHash: FleetPartial.Group] = [:]
        var failures = unreadable
        for partial in partials {
            failures += partial.unreadable
            for (hash, group) in partial.groups {
                merged[hash, default: FleetPartial.Group(facts: group.facts)].members += group.members
            }
        }
        var groups = merged.values.map { group in
            FleetGroup(
                fingerprint: "sha256:" + Hex.encode(Array(SHA256.hash(data: JSONText.canonical(.sortedObject(group.facts))))),
                members: group.members.sorted { $0.order.lexicographicallyPrecedes($1.order) },
                facts: group.facts,
                differences: []
            )
        }
        groups.sort { a, b in
            a.members.count != b.members.count ? a.members.count > b.members.count : a.members[0].order.lexicographicallyPrecedes(b.members[0].order)
        }
        if let largest = groups.first {
            for index in groups.indices.dropFirst() { groups[index].differences = FactDiff.compare(largest.facts, groups[index].facts) }
        }
        return FleetReport(groups: groups, unreadable: failures.sorted { $0.order.lexicographicallyPrecedes($1.order) }, lockPath: lockPath)
    }
}

/// The inputs a survey has taken, by what they are rather than how they are written, so that
/// one file named twice (`a.json` and `./a.json`, a link to it, a folder and a file in it,
/// `-` with the file on standard input) is one machine, not two.
struct TakenInputs {
    enum Key: Hashable {
        /// A file or folder, or standard input, that `stat` could look at.
        case identity(FileIdentity)
        /// What could not be looked at: its path written plainly (reading it says why it fails).
        case path(String)
        case standardInputUnknown
    }

    private var names: [Key: String] = [:]

    /// Takes `key` under `name`; when it was taken before, the name it was first taken under.
    mutating func take(_ key: Key, as name: String) -> String? {
        if let first = names[key] { return first }
        names[key] = name
        return nil
    }

    /// What `path` names (following links).
    static func file(_ path: String) -> Key {
        do throws(POSIXFailure) {
            return .identity(try POSIXFile.status(at: path).identity)
        } catch {
            // Not swallowed: reading the path later fails too, and the report says why.
            return .path(plainPath(path))
        }
    }

    /// What descriptor 0 is: a pipe is its own, a redirected file the file's.
    static func standardInput() -> Key {
        do throws(POSIXFailure) {
            return .identity(try POSIXFile.status(of: STDIN_FILENO).identity)
        } catch {
            // A closed standard input: reading it fails, and the report says why.
            return .standardInputUnknown
        }
    }

    /// `path` without the spellings that never change what it names: empty and `.`
    /// components and a trailing slash (`./a//b/` is `a/b`). `..` is kept, since behind a
    /// link it does not undo the component before it.
    static func plainPath(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if path.hasPrefix("/") { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}

/// One piece of input: a file, or standard input's bytes.
enum FleetWork: Sendable {
    case file(String, order: [Int])
    case stream([UInt8], name: String, order: [Int])
}

/// What one thread found: groups by results hash, and what it could not read.
struct FleetPartial: Sendable {
    struct Group: Sendable {
        var facts: [String: String]
        var members: [FleetMember] = []
    }

    var groups: [ResultsHash: Group] = [:]
    var unreadable: [FleetUnreadable] = []
}

/// Reads inputs on one thread into a partial fleet.
struct FleetPartialReader {
    var partial = FleetPartial()
    private var scanner = SnapshotScanner()
    private let lockRules: (rules: [Rule], facts: [String: String])?

    init(lockRules: ([Rule], [String: String])?) {
        self.lockRules = lockRules.map { (rules: $0.0, facts: $0.1) }
    }

    mutating func read(_ work: FleetWork) {
        switch work {
        case .file(let path, let order):
            do {
                readStream(try DocumentFile.read(at: path, limit: Fleet.inputLimit, role: .snapshot), name: path, order: order)
            } catch {
                partial.unreadable.append(FleetUnreadable(source: path, reason: Fleet.reason(error), order: order))
            }
        case .stream(let bytes, let name, let order):
            readStream(bytes, name: name, order: order)
        }
    }

    /// A file or standard input: JSON snapshots one after another, or one YAML snapshot.
    private mutating func readStream(_ bytes: [UInt8], name: String, order: [Int]) {
        guard let first = bytes.firstIndex(where: { !Self.isWhitespace($0) }) else {
            partial.unreadable.append(FleetUnreadable(source: name, reason: "empty: no snapshot in it", order: order))
            return
        }
        guard bytes[first] == UInt8(ascii: "{") else {
            readYAML(bytes, name: name, order: order)
            return
        }
        bytes.withUnsafeBufferPointer { buffer in
            var parser = MinimalJSON.Parser(bytes: buffer)
            parser.position = first
            var documents: [(start: Int, result: Result<SnapshotScanner.Scan, FleetReadProblem>)] = []
            while parser.position < buffer.count {
                let start = parser.position
                do throws(FleetReadProblem) {
                    documents.append((start, .success(try scanner.scan(&parser, materializing: lockRules != nil))))
                } catch {
                    documents.append((start, .failure(error)))
                    // Resume at the next line that starts a document.
                    parser.position = Self.nextDocumentLine(buffer, after: start)
                }
                parser.skipWhitespace()
            }
            for (number, document) in documents.enumerated() {
                let source = documents.count == 1 && name != DocumentFile.standardInputName ? name : "\(name)#\(number + 1)"
                switch document.result {
                case .success(var scan):
                    // The first machine of a group here: its facts are read again, whole.
                    if scan.facts == nil && partial.groups[scan.results] == nil {
                        var again = MinimalJSON.Parser(bytes: buffer)
                        again.position = document.start
                        do throws(FleetReadProblem) {
                            scan.facts = try scanner.scan(&again, materializing: true).facts
                        } catch {
                            partial.unreadable.append(FleetUnreadable(source: source, reason: error.reason, order: order + [number]))
                            continue
                        }
                    }
                    add(scan, source: source, order: order + [number])
                case .failure(let problem):
                    let line = buffer[..<document.start].count { $0 == UInt8(ascii: "\n") } + 1
                    partial.unreadable.append(FleetUnreadable(source: source, reason: "line \(line): \(problem.reason)", order: order + [number]))
                }
            }
        }
    }

    private mutating func readYAML(_ bytes: [UInt8], name: String, order: [Int]) {
        do {
            let facts = try Snapshot.load(bytes, path: name).facts
            var scan = SnapshotScanner.Scan()
            let relevant = facts.filter { FactCatalog.impact(of: $0.key) == .changesResults }
            scan.results = ResultsHash.of(relevant)
            scan.host = facts["host.name"]
            scan.facts = facts
            add(scan, source: name, order: order)
        } catch {
            partial.unreadable.append(FleetUnreadable(source: name, reason: Fleet.reason(error), order: order))
        }
    }

    /// Adds one machine. A machine that starts a group must come with all its facts.
    private mutating func add(_ scan: SnapshotScanner.Scan, source: String, order: [Int]) {
        var member = FleetMember(source: source, host: scan.host, failedKeys: [], order: order)
        if let lockRules, let facts = scan.facts {
            let evaluation = Evaluator.evaluate(lockRules.rules, lockedFacts: lockRules.facts, snapshot: Snapshot(facts: facts))
            member.failedKeys = evaluation.results.filter { $0.verdict == .fail }.map(\.key)
        }
        if partial.groups[scan.results] == nil {
            let facts = scan.facts ?? [:]
            partial.groups[scan.results] = FleetPartial.Group(facts: facts.filter { FactCatalog.impact(of: $0.key) == .changesResults })
        }
        partial.groups[scan.results]!.members.append(member)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The offset of the next `{` that starts a line after `start`, or the end.
    static func nextDocumentLine(_ buffer: UnsafeBufferPointer<UInt8>, after start: Int) -> Int {
        var index = start + 1
        while index + 1 < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") && buffer[index + 1] == UInt8(ascii: "{") { return index + 1 }
            index += 1
        }
        return buffer.count
    }
}

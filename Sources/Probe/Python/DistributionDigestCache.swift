#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Crypto
import EnvLock

/// The SHA-256 of every file of one installed distribution, remembered in one cache entry so
/// that a warm RECORD check costs one `lstat` per file instead of an open and a cache entry per
/// file (torch alone has 11,000 hashed files: ten system calls each cost a second).
///
/// The entry lives beside the model digests (`ModelDigest.cacheFolder`), named after the
/// distribution's `*.dist-info` folder as this machine reaches it, and holds, per RECORD path,
/// the file's device, inode, size, mtime and ctime when its bytes were hashed, and the digest.
/// A remembered digest is used only when an `lstat` of the path still gives all five, the same
/// trust as a model's entry: writing a file changes its mtime and ctime, and a program cannot
/// set ctime. The entry is read only as `CacheEntryFile` allows (this user's regular file that
/// nobody else may write), and is written whole, atomically, after a check that hashed anything.
///
/// When the last check found the distribution intact, the entry also holds the identity of
/// everything else that check read: its RECORD, every folder it listed (a file created,
/// removed or renamed in a folder changes the folder's mtime and ctime), and the other
/// distributions' RECORDs it asked who owns a file. A later check whose `lstat`s of all of
/// these, and of every hashed file, still match answers `intact` without reading RECORD or
/// listing a folder: what it would read is what the last check read.
struct DistributionDigestCache {
    /// What was known of one file when its bytes were hashed.
    struct Remembered: Equatable, Sendable {
        /// `ModelDigest.FileIdentity.line`.
        var identity: String
        /// `sha256:` and 64 hex digits.
        var digest: String
    }

    /// What one entry holds.
    /// What was known of one `.pyc` file when the interpreter found it harmless
    /// (`BytecodeCheck`: its code is its source's, or Python never runs it).
    struct RememberedBytecode: Equatable, Sendable {
        /// `ModelDigest.FileIdentity.line` of the `.pyc` and of its source.
        var identity: String
        var sourceIdentity: String
        /// Which interpreter answered (`RecordCheck.Interpreter.key`).
        var interpreter: String
    }

    struct Entry: Equatable {
        /// The hashed files by RECORD path.
        var files: [String: Remembered] = [:]
        /// The `.pyc` files found harmless, by path relative to site-packages.
        var bytecode: [String: RememberedBytecode] = [:]
        /// When the check that wrote the entry found the distribution intact: the other paths
        /// it read (absolute paths of the probed system) with their identities then.
        var intactWhileUnchanged: [String: String]?
    }

    /// The format, and the envlock version that wrote it: a check that changed with envlock
    /// does not take an older envlock's verdict.
    static let header = "envlock-record-cache 3 " + EnvlockRelease.version
    /// Entries are read whole; RECORD itself may be 64 MiB, and an entry line is about as long
    /// as a RECORD line plus the identity.
    static let entryLimit = DistributionRecords.recordLimit * 2

    /// The entry file.
    let entryPath: String
    /// The `*.dist-info` folder's path on this machine, written into the entry and checked on
    /// reading, so that an entry is never taken for another distribution's.
    let distInfo: String

    init(cacheFolder: String, distInfo: String) {
        self.distInfo = distInfo
        entryPath = cacheFolder + "/record-" + Hex.encode(Array(SHA256.hash(data: Array(distInfo.utf8)).prefix(16)))
    }

    /// The entry's bytes, nil when there is none or it was ignored, and why it was ignored.
    func load() -> (bytes: [UInt8]?, note: String?) {
        switch CacheEntryFile.read(entryPath, limit: Self.entryLimit) {
        case .missing: return (nil, nil)
        case .ignored(let reason): return (nil, reason)
        case .bytes(let bytes): return (bytes, nil)
        }
    }

    /// The note for an entry that `parse` does not take.
    var malformedNote: String { "cache entry \(entryPath) ignored: not in envlock's format" }

    /// The entry, or nil when it is not an entry of this distribution in this format. After
    /// the header and the dist-info line, lines are `F TAB IDENTITY TAB DIGEST TAB PATH` for a
    /// hashed file, then `intact` and `W TAB IDENTITY TAB PATH` for each other path the verdict
    /// rests on; paths come last, as they may hold a tab.
    static func parse(_ bytes: [UInt8], distInfo: String) -> Entry? {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count >= 3, lines.last?.isEmpty == true,
              lines[0].elementsEqual(header.utf8), lines[1].elementsEqual(distInfo.utf8)
        else { return nil }
        let tab = UInt8(ascii: "\t")
        var entry = Entry()
        entry.files.reserveCapacity(lines.count - 3)
        for line in lines.dropFirst(2).dropLast() {
            if entry.intactWhileUnchanged == nil {
                if line.elementsEqual("intact".utf8) {
                    entry.intactWhileUnchanged = [:]
                    continue
                }
                if line.first == UInt8(ascii: "B") {
                    let fields = line.split(separator: tab, maxSplits: 4, omittingEmptySubsequences: false)
                    guard fields.count == 5, fields[0].elementsEqual("B".utf8), !fields[4].isEmpty else { return nil }
                    entry.bytecode[String(decoding: fields[4], as: UTF8.self)] = RememberedBytecode(
                        identity: String(decoding: fields[1], as: UTF8.self),
                        sourceIdentity: String(decoding: fields[2], as: UTF8.self),
                        interpreter: String(decoding: fields[3], as: UTF8.self)
                    )
                    continue
                }
                let fields = line.split(separator: tab, maxSplits: 3, omittingEmptySubsequences: false)
                guard fields.count == 4, fields[0].elementsEqual("F".utf8), isDigest(fields[2]), !fields[3].isEmpty else { return nil }
                entry.files[String(decoding: fields[3], as: UTF8.self)] = Remembered(
                    identity: String(decoding: fields[1], as: UTF8.self),
                    digest: String(decoding: fields[2], as: UTF8.self)
                )
            } else {
                let fields = line.split(separator: tab, maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3, fields[0].elementsEqual("W".utf8), fields[2].first == UInt8(ascii: "/") else { return nil }
                entry.intactWhileUnchanged?[String(decoding: fields[2], as: UTF8.self)] = String(decoding: fields[1], as: UTF8.self)
            }
        }
        return entry
    }

    /// One path an intact verdict rests on, as byte ranges of the entry.
    struct Watched {
        var identity: Range<Int>
        var path: Range<Int>
        /// A RECORD path (relative to site-packages) rather than an absolute one.
        var isRecordPath: Bool
    }

    /// The paths an entry's intact verdict rests on, read straight from its bytes (no string
    /// per line: torch's entry has 11,000), or nil when the entry holds no verdict or is not
    /// in this format. A warm check needs only these; `parse` reads the rest when it does not.
    static func verdictPaths(_ bytes: [UInt8], distInfo: String, interpreter: String?) -> [Watched]? {
        let newline = UInt8(ascii: "\n"), tab = UInt8(ascii: "\t")
        var watched: [Watched] = []
        var lineStart = 0
        var lineNumber = 0
        var sawVerdict = false
        var index = 0
        let count = bytes.count
        guard count > 0, bytes[count - 1] == newline else { return nil }
        while index < count {
            guard let end = bytes[index...].firstIndex(of: newline) else { return nil }
            let line = lineStart..<end
            defer {
                lineNumber += 1
                index = end + 1
                lineStart = index
            }
            switch lineNumber {
            case 0: guard bytes[line].elementsEqual(header.utf8) else { return nil }
            case 1: guard bytes[line].elementsEqual(distInfo.utf8) else { return nil }
            default:
                if !sawVerdict && bytes[line].elementsEqual("intact".utf8) {
                    sawVerdict = true
                    continue
                }
                // `F TAB IDENTITY TAB DIGEST TAB PATH`, `B TAB IDENTITY TAB SOURCE-IDENTITY TAB
                // INTERPRETER TAB PATH` (the source is an F line), or `W TAB IDENTITY TAB PATH`.
                guard line.count > 2, bytes[line.lowerBound + 1] == tab else { return nil }
                let kind = bytes[line.lowerBound]
                guard sawVerdict ? kind == UInt8(ascii: "W") : (kind == UInt8(ascii: "F") || kind == UInt8(ascii: "B")) else { return nil }
                let identityStart = line.lowerBound + 2
                guard let identityEnd = bytes[identityStart..<end].firstIndex(of: tab) else { return nil }
                var pathStart = identityEnd + 1
                if kind == UInt8(ascii: "F") {
                    guard let digestEnd = bytes[pathStart..<end].firstIndex(of: tab), isDigest(bytes[pathStart..<digestEnd]) else { return nil }
                    pathStart = digestEnd + 1
                } else if kind == UInt8(ascii: "B") {
                    guard let sourceEnd = bytes[pathStart..<end].firstIndex(of: tab),
                          let interpreterEnd = bytes[(sourceEnd + 1)..<end].firstIndex(of: tab),
                          let interpreter, bytes[(sourceEnd + 1)..<interpreterEnd].elementsEqual(interpreter.utf8)
                    else { return nil }
                    pathStart = interpreterEnd + 1
                }
                guard pathStart < end, kind != UInt8(ascii: "W") || bytes[pathStart] == UInt8(ascii: "/") else { return nil }
                watched.append(Watched(identity: identityStart..<identityEnd, path: pathStart..<end, isRecordPath: kind != UInt8(ascii: "W")))
            }
        }
        return sawVerdict ? watched : nil
    }

    private static func isDigest(_ text: ArraySlice<UInt8>) -> Bool {
        text.count == 71 && text.starts(with: "sha256:".utf8)
            && text.dropFirst(7).allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    /// The entry's bytes; a path that could forge a line is left out: its file is hashed again
    /// next time, and a verdict that would rest on it is not written.
    static func render(_ entry: Entry, distInfo: String) -> [UInt8] {
        func sorted(_ paths: Dictionary<String, some Any>.Keys) -> [String] {
            paths.filter { !$0.utf8.contains(UInt8(ascii: "\n")) }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        var bytes = Array((header + "\n" + distInfo + "\n").utf8)
        for path in sorted(entry.files.keys) {
            let file = entry.files[path]!
            bytes += Array("F\t\(file.identity)\t\(file.digest)\t\(path)\n".utf8)
        }
        let safeBytecode = entry.bytecode.filter { !$0.value.interpreter.utf8.contains(where: { $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") }) }
        for path in sorted(safeBytecode.keys) {
            let file = safeBytecode[path]!
            bytes += Array("B\t\(file.identity)\t\(file.sourceIdentity)\t\(file.interpreter)\t\(path)\n".utf8)
        }
        if let watched = entry.intactWhileUnchanged, !watched.keys.contains(where: { $0.utf8.contains(UInt8(ascii: "\n")) }),
           !entry.files.keys.contains(where: { $0.utf8.contains(UInt8(ascii: "\n")) }),
           safeBytecode.count == entry.bytecode.count, !entry.bytecode.keys.contains(where: { $0.utf8.contains(UInt8(ascii: "\n")) }) {
            bytes += Array("intact\n".utf8)
            for path in sorted(watched.keys) {
                bytes += Array("W\t\(watched[path]!)\t\(path)\n".utf8)
            }
        }
        return bytes
    }

    /// Writes `entry` whole; why it could not, or nil. A `distInfo` holding a line break is
    /// not remembered at all.
    func save(_ entry: Entry) -> String? {
        guard !distInfo.utf8.contains(UInt8(ascii: "\n")) else { return nil }
        if let problem = CacheEntryFile.makeFolders(String(entryPath[..<entryPath.lastIndex(of: "/")!])) { return problem }
        do {
            try AtomicFile.write(Self.render(entry, distInfo: distInfo), to: entryPath, mode: 0o600)
        } catch {
            return "cannot write cache entry \(entryPath): \(error)"
        }
        return nil
    }

    /// Whether a file hashed with `identity` may be remembered: only when its last change came
    /// before the hashing started, by more than the kernel's coarse clock can lag (timestamps
    /// come from a clock that ticks every few milliseconds). A file changed in the tick the
    /// hashing started could be written again in that tick, after it was read, and keep its
    /// ctime (git's "racy" rule). mtime does not matter here: a program may set it to anything,
    /// and any write changes ctime.
    static func isSettled(_ identity: ModelDigest.FileIdentity, hashingStarted: timespec) -> Bool {
        let started = Int(hashingStarted.tv_sec) * 1_000_000_000 + Int(hashingStarted.tv_nsec)
        return identity.ctimeSeconds * 1_000_000_000 + identity.ctimeNanoseconds < started - settleMargin
    }

    /// How far before the check a change must lie to be remembered, in nanoseconds: far more
    /// than the coarse clock's tick (1 to 10 ms).
    static let settleMargin = 100_000_000

    /// The wall clock, as file timestamps are taken from it.
    static func now() -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now
    }
}

import Crypto
import EnvLock
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How far hashing one file has come, for a progress line.
public struct HashProgress: Sendable, Equatable {
    public var path: String
    var bytesDone: Int
    var bytesTotal: Int
    /// Seconds since this file's hashing started.
    var elapsed: Double
    var finished: Bool
}

/// Receives progress while large files are hashed. Called only once a file has taken more
/// than a second, then at most four times a second and once when it is done.
public typealias HashProgressHandler = @Sendable (HashProgress) -> Void

/// What hashing one model file gave.
public struct ModelDigestResult: Sendable, Equatable {
    /// `sha256:` and 64 lowercase hex digits.
    public var digest: String
    /// True when the digest came from the cache (the file was not read).
    var cached: Bool
    /// Why the cache could not be used or written, when that happened; the digest is still right.
    var cacheNote: String?
    /// The file's size when it was opened, in bytes.
    var size: Int64 = 0
    /// The file's identity when it was hashed, when it did not change while it was read: what
    /// a cache may remember the digest under.
    var stableIdentity: ModelDigest.FileIdentity?
}

/// SHA-256 of model files, at the speed of the machine, remembered across runs.
///
/// A result is remembered under `$XDG_CACHE_HOME/envlock/sha256/` (or `~/.cache/envlock/`)
/// in one small file per (device, inode), holding the device, inode, size, mtime and ctime it
/// was computed for. A later run trusts it only when all five still match, the entry parses
/// exactly, and the entry is a regular file owned by this user that nobody else may write;
/// anything else is ignored and the file is hashed again. Writing a file changes its mtime
/// and ctime, so a changed model is never served from the cache.
public struct ModelDigest: Sendable {
    /// Where entries live; nil disables the cache (no HOME and no XDG_CACHE_HOME).
    var cacheFolder: String?
    var progress: HashProgressHandler?

    /// Read size: large enough that system call overhead vanishes, small enough for caches.
    static let chunkSize = 4 << 20
    static let entryHeader = "envlock-sha256-cache 1"

    public init(cacheFolder: String?, progress: HashProgressHandler? = nil) {
        self.cacheFolder = cacheFolder
        self.progress = progress
    }

    /// The cache folder the environment names: `$XDG_CACHE_HOME/envlock/sha256`, else
    /// `$HOME/.cache/envlock/sha256`.
    static func defaultCacheFolder(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/envlock/sha256" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/envlock/sha256" }
        return nil
    }

    /// The identity a cache entry is keyed by and checked against.
    struct FileIdentity: Equatable, Sendable {
        var device: UInt64, inode: UInt64, size: Int64
        var mtimeSeconds: Int, mtimeNanoseconds: Int, ctimeSeconds: Int, ctimeNanoseconds: Int

        init(device: UInt64, inode: UInt64, size: Int64, mtimeSeconds: Int, mtimeNanoseconds: Int, ctimeSeconds: Int, ctimeNanoseconds: Int) {
            self.device = device
            self.inode = inode
            self.size = size
            self.mtimeSeconds = mtimeSeconds
            self.mtimeNanoseconds = mtimeNanoseconds
            self.ctimeSeconds = ctimeSeconds
            self.ctimeNanoseconds = ctimeNanoseconds
        }

        init(_ info: FileStatus) {
            device = info.device
            inode = info.inode
            size = info.size
            mtimeSeconds = info.mtimeSeconds
            mtimeNanoseconds = info.mtimeNanoseconds
            ctimeSeconds = info.ctimeSeconds
            ctimeNanoseconds = info.ctimeNanoseconds
        }

        /// Whether `line` (as `line` writes it) names this identity, read without making a string.
        func isWritten(as line: ArraySlice<UInt8>) -> Bool {
            var numbers: [UInt64] = []
            numbers.reserveCapacity(7)
            var value: UInt64 = 0, digits = 0
            for byte in line {
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
                    let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                    guard !overflow, !carry else { return false }
                    value = sum
                    digits += 1
                } else if (byte == UInt8(ascii: " ") && (numbers.count < 3 || numbers.count == 4)) || (byte == UInt8(ascii: ".") && (numbers.count == 3 || numbers.count == 5)) {
                    guard digits > 0 else { return false }
                    numbers.append(value)
                    value = 0
                    digits = 0
                } else {
                    return false
                }
            }
            guard digits > 0, numbers.count == 6 else { return false }
            numbers.append(value)
            // A negative time or size is written with a sign, which never matches above.
            let fields = [size, Int64(mtimeSeconds), Int64(mtimeNanoseconds), Int64(ctimeSeconds), Int64(ctimeNanoseconds)]
            guard fields.allSatisfy({ $0 >= 0 }) else { return false }
            return numbers == [device, inode] + fields.map { UInt64($0) }
        }

        var line: String {
            "\(device) \(inode) \(size) \(mtimeSeconds).\(mtimeNanoseconds) \(ctimeSeconds).\(ctimeNanoseconds)"
        }
    }

    /// The SHA-256 of the regular file at `path`, a real path of this machine.
    public func digest(of path: String) throws(FileReadError) -> ModelDigestResult {
        let (descriptor, info) = try FileSystem.openRegularFile(path, as: .modelFile)
        return try digest(descriptor, info, path: path)
    }

    /// The SHA-256 of the regular file at `absolute` under the probe root of `context`.
    func digest(of absolute: String, in context: HostContext) throws(FileReadError) -> ModelDigestResult {
        let (descriptor, info, path) = try context.openRegularFile(absolute, as: .modelFile)
        return try digest(descriptor, info, path: path)
    }

    /// Hashes the open file (closing it), or answers from the cache entry of its identity.
    private func digest(_ descriptor: Int32, _ info: FileStatus, path: String) throws(FileReadError) -> ModelDigestResult {
        defer { close(descriptor) }
        let identity = FileIdentity(info)
        var note: String?
        if let entryPath = entryPath(for: identity) {
            switch Self.readEntry(entryPath, for: identity) {
            case .hit(let digest): return ModelDigestResult(digest: digest, cached: true, size: identity.size)
            case .miss: break
            case .ignored(let reason): note = reason
            }
        }
        let digest = try Self.hash(descriptor, path: path, size: Int(identity.size), progress: progress)
        // The digest is remembered only for the file it was computed from: one that changed
        // while it was read is hashed again next time.
        var stable = false
        do throws(POSIXFailure) {
            stable = FileIdentity(try POSIXFile.status(of: descriptor)) == identity
            if stable, let entryPath = entryPath(for: identity) {
                if let problem = Self.writeEntry(entryPath, identity: identity, digest: digest) { note = problem }
            }
        } catch {
            note = "digest of \(path) not cached: cannot \(error.operation): \(error.reason)"
        }
        return ModelDigestResult(digest: digest, cached: false, cacheNote: note, size: identity.size, stableIdentity: stable ? identity : nil)
    }

    func entryPath(for identity: FileIdentity) -> String? {
        cacheFolder.map { "\($0)/\(identity.device)-\(identity.inode)" }
    }

    /// Reads the open file to its end with one reused buffer.
    static func hash(_ descriptor: Int32, path: String, size: Int, progress: HashProgressHandler?) throws(FileReadError) -> String {
        posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 4096)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        let tally = progress.map { HashProgressTally(path: path, total: size, report: $0) }
        do throws(POSIXFailure) {
            try POSIXFile.forEachChunk(of: descriptor, buffer: buffer) { chunk in
                hasher.update(bufferPointer: chunk)
                tally?.add(chunk.count)
                return true
            }
        } catch {
            throw FileSystem.error(error.errno, path)
        }
        tally?.finish()
        return text(hasher.finalize())
    }

    /// `sha256:` and the digest in lowercase hex, as every `*.sha256` fact is written.
    static func text(_ digest: SHA256.Digest) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var characters = Array("sha256:".utf8)
        for byte in digest {
            characters.append(hex[Int(byte >> 4)])
            characters.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// The digest of a small file already in memory (a launch script).
    static func text(of bytes: [UInt8]) -> String {
        text(SHA256.hash(data: bytes))
    }

    enum CacheLookup: Equatable {
        case hit(String)
        case miss
        case ignored(String)
    }

    /// The remembered digest for `identity`, when the entry is ours, intact and about this file.
    static func readEntry(_ entryPath: String, for identity: FileIdentity) -> CacheLookup {
        let bytes: [UInt8]
        switch CacheEntryFile.read(entryPath, limit: 1024) {
        case .missing: return .miss
        case .ignored(let reason): return .ignored(reason)
        case .bytes(let read): bytes = read
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 4, lines[0] == entryHeader, lines[3].isEmpty, let digest = lines.dropFirst(2).first,
              digest.hasPrefix("sha256:"), digest.count == 71,
              digest.dropFirst(7).allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) })
        else { return .ignored("cache entry \(entryPath) ignored: not in envlock's format") }
        guard lines[1] == identity.line else { return .miss }
        return .hit(String(digest))
    }

    /// Remembers `digest`; returns why it could not, or nil.
    static func writeEntry(_ entryPath: String, identity: FileIdentity, digest: String) -> String? {
        if let problem = CacheEntryFile.makeFolders(String(entryPath[..<entryPath.lastIndex(of: "/")!])) { return problem }
        let text = "\(entryHeader)\n\(identity.line)\n\(digest)\n"
        do {
            try AtomicFile.write(Array(text.utf8), to: entryPath, mode: 0o600)
        } catch {
            return "cannot write cache entry: \(error)"
        }
        return nil
    }
}

/// Bytes hashed so far, of one file or of a distribution's files across several threads, told
/// to a `HashProgressHandler` once hashing has taken a second, then at most four times a
/// second, and once more at the end when anything was told.
final class HashProgressTally: Sendable {
    private let path: String
    private let total: Int
    private let report: HashProgressHandler
    private let start = ContinuousClock.now

    private struct Tally {
        var done = 0
        var lastReport: ContinuousClock.Instant?
    }

    private let tally = Mutex(Tally())

    init(path: String, total: Int, report: @escaping HashProgressHandler) {
        self.path = path
        self.total = total
        self.report = report
    }

    func add(_ bytes: Int) {
        let (due, snapshot) = tally.withLock { tally in
            tally.done += bytes
            let now = ContinuousClock.now
            let due = now - start > .seconds(1) && tally.lastReport.map { now - $0 > .milliseconds(250) } ?? true
            if due { tally.lastReport = now }
            return (due, HashProgress(path: path, bytesDone: tally.done, bytesTotal: max(total, tally.done), elapsed: seconds(now), finished: false))
        }
        if due { report(snapshot) }
    }

    func finish() {
        let (reported, snapshot) = tally.withLock { tally in
            (tally.lastReport != nil, HashProgress(path: path, bytesDone: tally.done, bytesTotal: max(total, tally.done), elapsed: seconds(.now), finished: true))
        }
        if reported { report(snapshot) }
    }

    private func seconds(_ now: ContinuousClock.Instant) -> Double {
        let (seconds, attoseconds) = (now - start).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

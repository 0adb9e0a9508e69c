#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Crypto
import EnvLock

/// What the fat binaries of the libraries one probe reads hold, remembered in one cache entry
/// beside the model digests (`ModelDigest.cacheFolder`), so that a warm probe costs one `stat`
/// per library and one entry read instead of thousands of header reads in 1.5 GB of files.
///
/// The entry is named after the libraries' paths on this machine and holds, per library, the
/// file's device, inode, size, mtime and ctime when it was read (`ModelDigest.FileIdentity`)
/// and what it held. A remembered result is used only when a `stat` of the path still gives
/// all five, the trust of `DistributionDigestCache`: writing or replacing a file changes them.
/// The entry is read only as `CacheEntryFile` allows and written whole, atomically.
struct GPUCodeCache {
    struct Remembered: Equatable {
        /// `ModelDigest.FileIdentity.line`.
        var identity: String
        var contents: FatbinReader.Contents
    }

    static let header = "envlock-cuda-code-cache 1 " + EnvlockRelease.version
    static let entryLimit = 1 << 20

    let entryPath: String

    /// The entry for the libraries at `paths` (paths on this machine).
    init(cacheFolder: String, paths: [String]) {
        let key = paths.sorted().joined(separator: "\n")
        entryPath = cacheFolder + "/cuda-code-" + Hex.encode(Array(SHA256.hash(data: Array(key.utf8)).prefix(16)))
    }

    /// The remembered libraries by path, and why the entry was ignored when it was.
    func load() -> (libraries: [String: Remembered], note: String?) {
        switch CacheEntryFile.read(entryPath, limit: Self.entryLimit) {
        case .missing: return ([:], nil)
        case .ignored(let reason): return ([:], reason)
        case .bytes(let bytes):
            guard let libraries = Self.parse(bytes) else { return ([:], "cache entry \(entryPath) ignored: not in envlock's format") }
            return (libraries, nil)
        }
    }

    /// After the header, one line per library: `L TAB IDENTITY TAB FATBIN TAB VARIANTS TAB
    /// UNKNOWN-KINDS TAB UNDECODED TAB PATH`, where FATBIN is `fatbin` or `none`, VARIANTS the
    /// variant names joined by commas, UNKNOWN-KINDS `KIND:COUNT` pairs (`-` for none of
    /// either) and UNDECODED `FatbinReader.Contents.undecodedCubins`; the path comes last, as
    /// it may hold a tab.
    static func parse(_ bytes: [UInt8]) -> [String: Remembered]? {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines.removeLast().isEmpty, lines.removeFirst() == header else { return nil }
        var libraries: [String: Remembered] = [:]
        for line in lines {
            let fields = line.split(separator: "\t", maxSplits: 6, omittingEmptySubsequences: false)
            guard fields.count == 7, fields[0] == "L", fields[2] == "fatbin" || fields[2] == "none", let undecoded = Int(fields[5]), undecoded >= 0,
                  fields[6].hasPrefix("/")
            else { return nil }
            var contents = FatbinReader.Contents(hasFatbin: fields[2] == "fatbin", undecodedCubins: undecoded)
            if fields[3] != "-" {
                for name in fields[3].split(separator: ",", omittingEmptySubsequences: false) {
                    guard let variant = GPUCodeVariant(name: String(name)) else { return nil }
                    contents.variants.insert(variant)
                }
            }
            if fields[4] != "-" {
                for pair in fields[4].split(separator: ",", omittingEmptySubsequences: false) {
                    let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
                    guard parts.count == 2, let kind = UInt16(parts[0]), let count = Int(parts[1]), count > 0 else { return nil }
                    contents.unknownKinds[kind] = count
                }
            }
            libraries[String(fields[6])] = Remembered(identity: String(fields[1]), contents: contents)
        }
        return libraries
    }

    static func render(_ libraries: [String: Remembered]) -> [UInt8] {
        var text = header + "\n"
        for path in libraries.keys.sorted() where !path.contains("\n") {
            let library = libraries[path]!
            let variants = library.contents.variants.sorted().map(\.name).joined(separator: ",")
            let unknown = library.contents.unknownKinds.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
            text += "L\t\(library.identity)\t\(library.contents.hasFatbin ? "fatbin" : "none")\t\(variants.isEmpty ? "-" : variants)\t\(unknown.isEmpty ? "-" : unknown)\t\(library.contents.undecodedCubins)\t\(path)\n"
        }
        return Array(text.utf8)
    }

    /// Writes the entry whole; why it could not, or nil.
    func save(_ libraries: [String: Remembered]) -> String? {
        if let problem = CacheEntryFile.makeFolders(String(entryPath[..<entryPath.lastIndex(of: "/")!])) { return problem }
        do {
            try AtomicFile.write(Self.render(libraries), to: entryPath, mode: 0o600)
        } catch {
            return "cannot write cache entry \(entryPath): \(error)"
        }
        return nil
    }
}

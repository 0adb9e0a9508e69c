import Crypto
import EnvLock

/// The hash a repository names its objects with: SHA-1 (20-byte ids), or SHA-256 (32-byte ids)
/// in a repository made with `git init --object-format=sha256`.
enum GitHashKind: Equatable {
    case sha1, sha256

    var length: Int { self == .sha1 ? 20 : 32 }

    /// The hash of `parts` as one byte string.
    func digest(_ parts: [UInt8]...) -> [UInt8] {
        switch self {
        case .sha1:
            var hasher = Insecure.SHA1()
            for part in parts { hasher.update(data: part) }
            return Array(hasher.finalize())
        case .sha256:
            var hasher = SHA256()
            for part in parts { hasher.update(data: part) }
            return Array(hasher.finalize())
        }
    }

    /// The id git gives an object: the hash of `TYPE SIZE\0` and the body.
    func objectID(type: String, _ body: [UInt8]) -> [UInt8] {
        digest(Array("\(type) \(body.count)\0".utf8), body)
    }

    /// `[extensions] objectformat = sha256` in the repository's `config`; every other
    /// repository is SHA-1 (git's own default). An unknown format is refused, never guessed.
    static func parseConfig(_ text: String) throws(GitHeadError) -> GitHashKind {
        var section = ""
        for rawLine in text.split(whereSeparator: { $0 == "\n" }) {
            let line = rawLine.trimmingWhitespace()
            if line.hasPrefix("[") {
                // `[extensions]`; a subsection (`[remote "origin"]`) never holds the format.
                section = String(line.dropFirst().prefix { $0 != "]" }).lowercased()
                continue
            }
            guard section == "extensions", let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            guard key == "objectformat" else { continue }
            let value = line[line.index(after: equals)...].trimmingWhitespace().lowercased()
            switch value {
            case "sha1": return .sha1
            case "sha256": return .sha256
            default: throw GitHeadError("extensions.objectformat is '\(value)', a hash envlock does not know")
            }
        }
        return .sha1
    }
}

/// git's index (`.git/index`, versions 2 to 4; git's Documentation/gitformat-index.txt): the
/// staged file list with the stat data git saw when it last matched each file.
struct GitIndex {
    struct Entry {
        var ctimeSeconds: UInt32, ctimeNanoseconds: UInt32
        var mtimeSeconds: UInt32, mtimeNanoseconds: UInt32
        var inode: UInt32
        /// Object type and permission bits: 0o100644, 0o100755, 0o120000 (a link), 0o160000 (a submodule).
        var mode: UInt32
        /// The file's size, truncated to 32 bits as git stores it.
        var size: UInt32
        var id: [UInt8]
        /// 0 for a merged entry; 1-3 for the sides of a conflict.
        var stage: Int
        /// `git add --intent-to-add`: named, with no content staged.
        var intentToAdd: Bool
        var path: String
    }

    var version: Int
    var entries: [Entry]

    /// Why an index cannot be trusted.
    enum Problem: Error, Equatable {
        /// Damaged or not an index: the checksum, the layout or a path is wrong.
        case corrupt(String)
        /// A valid index using a feature whose meaning envlock does not implement.
        case unsupported(String)

        var reason: String {
            switch self {
            case .corrupt(let reason): "the index is damaged: \(reason)"
            case .unsupported(let reason): reason
            }
        }
    }

    static let regularFileMode: UInt32 = 0o100644
    static let executableMode: UInt32 = 0o100755
    static let linkMode: UInt32 = 0o120000
    static let submoduleMode: UInt32 = 0o160000

    /// Reads an index written with `hash`'s ids, after checking its trailing checksum.
    static func parse(_ bytes: [UInt8], hash: GitHashKind) throws(Problem) -> GitIndex {
        let idLength = hash.length
        guard bytes.count >= 12 + idLength, bytes[0..<4].elementsEqual("DIRC".utf8) else { throw .corrupt("no DIRC header") }
        let body = Array(bytes[..<(bytes.count - idLength)])
        let trailer = Array(bytes[(bytes.count - idLength)...])
        if trailer.allSatisfy({ $0 == 0 }) {
            // index.skipHash (feature.manyFiles) leaves the checksum out: nothing then shows
            // that the file was written whole.
            throw .unsupported("the index has no checksum (index.skipHash): run 'git -c index.skipHash=false update-index --really-refresh'")
        }
        guard hash.digest(body) == trailer else { throw .corrupt("its checksum does not match its contents") }
        var reader = ByteReader(body, offset: 4)
        let version = Int(reader.uint32()!)
        guard (2...4).contains(version) else { throw .unsupported("the index is in version \(version); envlock reads versions 2 to 4") }
        let count = Int(reader.uint32()!)
        var entries: [Entry] = []
        entries.reserveCapacity(min(count, body.count / 62))
        var previousPath: [UInt8] = []
        var pathProblem: Problem?
        for _ in 0..<count {
            let start = reader.offset
            guard let ctimeSeconds = reader.uint32(), let ctimeNanoseconds = reader.uint32(),
                  let mtimeSeconds = reader.uint32(), let mtimeNanoseconds = reader.uint32(),
                  reader.uint32() != nil, let inode = reader.uint32(), let mode = reader.uint32(),
                  reader.uint32() != nil, reader.uint32() != nil, let size = reader.uint32(),
                  let id = reader.bytes(idLength), let flags = reader.uint16()
            else { throw .corrupt("entry \(entries.count + 1) is cut short") }
            var intentToAdd = false
            if flags & 0x4000 != 0 {
                guard version >= 3, let extended = reader.uint16() else { throw .corrupt("entry \(entries.count + 1) has extended flags in version \(version)") }
                intentToAdd = extended & 0x2000 != 0
            }
            var path: [UInt8]
            if version == 4 {
                // The path is the previous one less its last N bytes, plus the written suffix.
                guard let strip = reader.varint(), strip <= previousPath.count, let suffix = reader.cString() else {
                    throw .corrupt("entry \(entries.count + 1) has a damaged path")
                }
                path = Array(previousPath[..<(previousPath.count - strip)]) + suffix
            } else {
                guard let name = reader.cString() else { throw .corrupt("entry \(entries.count + 1) has a damaged path") }
                path = name
                // NUL padding to a multiple of eight bytes from the entry's start.
                let length = reader.offset - start
                let padded = (length + 7) / 8 * 8
                guard reader.skip(padded - length) else { throw .corrupt("entry \(entries.count + 1) is cut short") }
            }
            // A path problem is reported after the extensions: a split index's own entries
            // have empty paths, and the extension is the better reason.
            let text = String(decoding: path, as: UTF8.self)
            if pathProblem == nil {
                if !text.utf8.elementsEqual(path) {
                    pathProblem = .unsupported("a tracked path is not UTF-8 text")
                } else if !isSafe(path) {
                    pathProblem = .corrupt("the tracked path '\(UntrustedTextName.safe(text))' leaves the checkout or names .git")
                } else if !(previousPath.isEmpty || previousPath.lexicographicallyPrecedes(path) || previousPath == path) {
                    pathProblem = .corrupt("its entries are not in git's order")
                }
            }
            previousPath = path
            entries.append(Entry(ctimeSeconds: ctimeSeconds, ctimeNanoseconds: ctimeNanoseconds, mtimeSeconds: mtimeSeconds,
                                 mtimeNanoseconds: mtimeNanoseconds, inode: inode, mode: mode, size: size, id: id,
                                 stage: Int(flags >> 12) & 3, intentToAdd: intentToAdd, path: text))
        }
        // Extensions: a signature and a length each. One whose signature starts with an
        // upper-case letter is a cache git itself may ignore (TREE, REUC, UNTR, FSMN, EOIE,
        // IEOT); a lower-case one changes what the entries mean (`link`: a split index whose
        // entries live in another file; `sdir`: a sparse index whose folders stand for their
        // files), so an index with one cannot be read as a file list.
        while reader.offset < body.count {
            guard let signature = reader.bytes(4), let length = reader.uint32(), reader.skip(Int(length)) else {
                throw .corrupt("an extension is cut short")
            }
            let name = String(decoding: signature, as: UTF8.self)
            guard let first = signature.first, (0x41...0x5A).contains(first) else {
                let what = name == "link" ? "a split index (core.splitIndex), whose entries are in another file"
                    : name == "sdir" ? "a sparse index (index.sparse), whose folders stand for their files"
                    : "the extension '\(UntrustedTextName.safe(name))'"
                throw .unsupported("the index uses \(what): run 'git sparse-checkout disable' or 'git config core.splitIndex false && git update-index --no-split-index'")
            }
        }
        if let pathProblem { throw pathProblem }
        return GitIndex(version: version, entries: entries)
    }

    /// Whether a tracked path stays inside the checkout, as git's own `verify_path` demands:
    /// relative, no empty, `.` or `..` component, and no `.git` folder.
    static func isSafe(_ path: [UInt8]) -> Bool {
        guard !path.isEmpty, path.first != UInt8(ascii: "/") else { return false }
        for component in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if component.isEmpty || component.elementsEqual(".".utf8) || component.elementsEqual("..".utf8) { return false }
            if component.count == 4, String(decoding: component, as: UTF8.self).lowercased() == ".git" { return false }
        }
        return true
    }
}

/// Big-endian reads over a byte array, each nil past the end.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func uint32() -> UInt32? {
        guard let four = bytes(4) else { return nil }
        return four.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint16() -> UInt16? {
        guard let two = bytes(2) else { return nil }
        return UInt16(two[0]) << 8 | UInt16(two[1])
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, offset + count <= bytes.count else { return false }
        offset += count
        return true
    }

    /// Bytes up to a NUL, which is consumed.
    mutating func cString() -> [UInt8]? {
        guard let end = bytes[offset...].firstIndex(of: 0) else { return nil }
        defer { offset = end + 1 }
        return Array(bytes[offset..<end])
    }

    /// git's offset varint (index v4 path prefixes, pack OFS_DELTA): seven bits a byte, most
    /// significant first, each continuation adding one.
    mutating func varint() -> Int? {
        guard offset < bytes.count else { return nil }
        var byte = bytes[offset]
        offset += 1
        var value = Int(byte & 0x7F)
        while byte & 0x80 != 0 {
            guard offset < bytes.count, value < Int.max >> 8 else { return nil }
            byte = bytes[offset]
            offset += 1
            value = ((value + 1) << 7) | Int(byte & 0x7F)
        }
        return value
    }
}

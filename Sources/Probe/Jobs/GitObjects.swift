#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CZlib
import EnvLock

/// Reads commits and trees from a repository's `objects` folder without running git: loose
/// objects (zlib) and packs through their version-2 `.idx` (git's
/// Documentation/gitformat-pack.txt), deltas (OFS_DELTA, REF_DELTA) applied. Every object
/// read is checked against its id, so a damaged or forged object is an error, never content.
struct GitObjects {
    let folder: String
    let hash: GitHashKind
    let context: HostContext

    /// A delta chain longer than this is refused (git's own `pack.depth` tops out at 4095).
    static let maximumDeltaDepth = 4096
    /// Commits and trees larger than this are refused: the largest real ones are a few megabytes.
    static let maximumObjectSize = 256 << 20

    enum ObjectType: Int { case commit = 1, tree = 2, blob = 3, tag = 4 }

    /// The object `id`, or nil when no loose object or pack holds it.
    func read(_ id: [UInt8]) throws(GitHeadError) -> (type: ObjectType, body: [UInt8])? {
        let hex = Hex.encode(id)
        let loose = "\(folder)/\(hex.prefix(2))/\(hex.dropFirst(2))"
        var found: (type: ObjectType, body: [UInt8])?
        var compressed: [UInt8]?
        do throws(FileReadError) {
            compressed = try context.readBytes(loose, limit: Self.maximumObjectSize)
        } catch {
            guard case .notFound = error else { throw GitHeadError("cannot read \(error)") }
        }
        if let compressed { found = try readLoose(compressed) }
        if found == nil { found = try readPacked(id) }
        guard let found else { return nil }
        let typeName = ["", "commit", "tree", "blob", "tag"][found.type.rawValue]
        guard hash.objectID(type: typeName, found.body) == id else { throw GitHeadError("the object \(hex) is damaged: its contents do not hash to its id") }
        return found
    }

    /// A loose object file: `TYPE SIZE\0BODY`, deflated.
    func readLoose(_ compressed: [UInt8]) throws(GitHeadError) -> (type: ObjectType, body: [UInt8]) {
        guard let whole = Self.inflate(compressed, expected: nil) else { throw GitHeadError("a loose object is not a zlib stream") }
        guard let space = whole.firstIndex(of: 0x20), let zero = whole.firstIndex(of: 0), space < zero,
              let type = Self.objectType(named: whole[..<space]),
              Int(String(decoding: whole[(space + 1)..<zero], as: UTF8.self)) == whole.count - zero - 1
        else { throw GitHeadError("a loose object has a damaged header") }
        return (type, Array(whole[(zero + 1)...]))
    }

    /// The type a loose object's header names.
    static func objectType(named name: ArraySlice<UInt8>) -> ObjectType? {
        switch String(decoding: name, as: UTF8.self) {
        case "commit": .commit
        case "tree": .tree
        case "blob": .blob
        case "tag": .tag
        default: nil
        }
    }

    /// `id` from the first pack whose index lists it.
    func readPacked(_ id: [UInt8]) throws(GitHeadError) -> (type: ObjectType, body: [UInt8])? {
        let packFolder = folder + "/pack"
        let names: [String]
        do throws(FileReadError) {
            names = try context.listDirectory(packFolder)
        } catch {
            if case .notFound = error { return nil }
            throw GitHeadError("cannot list \(packFolder): \(error)")
        }
        for name in names where name.hasSuffix(".idx") {
            let base = packFolder + "/" + name.dropLast(4)
            let index = try RandomAccessFile(base + ".idx", context: context)
            guard let offset = try Self.offset(of: id, in: index, hash: hash) else { continue }
            let pack = try RandomAccessFile(base + ".pack", context: context)
            return try object(at: offset, in: pack, depth: 0)
        }
        return nil
    }

    /// Where a version-2 pack index puts `id` in its pack: a 256-entry fan-out of counts by
    /// first byte, the sorted ids, their CRCs, 4-byte offsets (high bit: an index into the
    /// 8-byte offsets that follow).
    static func offset(of id: [UInt8], in index: RandomAccessFile, hash: GitHashKind) throws(GitHeadError) -> Int? {
        let header = try index.read(at: 0, count: 8 + 256 * 4)
        guard header[0..<8].elementsEqual([0xFF, 0x74, 0x4F, 0x63, 0, 0, 0, 2]) else { throw GitHeadError("\(index.path) is not a version-2 pack index") }
        let first = Int(id[0])
        var low = first == 0 ? 0 : Int(header.bigEndian32(at: 8 + (first - 1) * 4))
        var high = Int(header.bigEndian32(at: 8 + first * 4))
        let count = Int(header.bigEndian32(at: 8 + 255 * 4))
        let ids = 8 + 256 * 4
        while low < high {
            let middle = (low + high) / 2
            let candidate = try index.read(at: ids + middle * hash.length, count: hash.length)
            if candidate == id {
                let offsets = ids + count * (hash.length + 4)
                let small = try index.read(at: offsets + middle * 4, count: 4).bigEndian32(at: 0)
                guard small & 0x8000_0000 != 0 else { return Int(small) }
                let large = try index.read(at: offsets + count * 4 + Int(small & 0x7FFF_FFFF) * 8, count: 8)
                return large.reduce(0) { $0 << 8 | Int($1) }
            }
            if candidate.lexicographicallyPrecedes(id) { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// The object stored at `offset` of `pack`, its delta chain resolved.
    func object(at offset: Int, in pack: RandomAccessFile, depth: Int) throws(GitHeadError) -> (type: ObjectType, body: [UInt8]) {
        guard depth < Self.maximumDeltaDepth else { throw GitHeadError("\(pack.path): a delta chain longer than \(Self.maximumDeltaDepth)") }
        guard offset >= 12, offset < pack.size else { throw GitHeadError("\(pack.path): no object at \(offset)") }
        let head = try pack.read(at: offset, count: min(16 + hash.length, pack.size - offset))
        var reader = ByteReader(head)
        var byte = head[0]
        reader.offset = 1
        let typeCode = Int(byte >> 4) & 7
        var size = Int(byte & 0x0F), shift = 4
        while byte & 0x80 != 0 {
            guard let next = reader.bytes(1)?.first, shift < 50 else { throw GitHeadError("\(pack.path): a damaged object header at \(offset)") }
            byte = next
            size |= Int(byte & 0x7F) << shift
            shift += 7
        }
        guard size <= Self.maximumObjectSize else { throw GitHeadError("\(pack.path): an object at \(offset) is larger than \(Self.maximumObjectSize) bytes") }
        var base: (type: ObjectType, body: [UInt8])?
        switch typeCode {
        case 1...4: break
        case 6:
            guard let distance = reader.varint(), distance > 0, distance <= offset else { throw GitHeadError("\(pack.path): a damaged delta at \(offset)") }
            base = try object(at: offset - distance, in: pack, depth: depth + 1)
        case 7:
            guard let baseID = reader.bytes(hash.length) else { throw GitHeadError("\(pack.path): a damaged delta at \(offset)") }
            guard let found = try read(baseID) else { throw GitHeadError("\(pack.path): a delta's base \(Hex.encode(baseID)) is missing") }
            base = found
        default: throw GitHeadError("\(pack.path): an object of unknown type \(typeCode) at \(offset)")
        }
        // zlib's worst case for `size` bytes (deflateBound) fits in this many compressed bytes.
        let start = offset + reader.offset
        let compressed = try pack.read(at: start, count: min(size + (size >> 10) + 64, pack.size - start))
        guard let body = Self.inflate(compressed, expected: size) else { throw GitHeadError("\(pack.path): damaged compressed data at \(offset)") }
        guard let base else { return (ObjectType(rawValue: typeCode)!, body) }
        guard let result = Self.applyDelta(body, to: base.body) else { throw GitHeadError("\(pack.path): a damaged delta at \(offset)") }
        return (base.type, result)
    }

    /// A delta (two sizes, then copy and insert instructions) applied to `base`; nil when the
    /// delta does not fit the base.
    static func applyDelta(_ delta: [UInt8], to base: [UInt8]) -> [UInt8]? {
        var position = 0
        func size() -> Int? {
            var value = 0, shift = 0
            while position < delta.count, shift < 56 {
                let byte = delta[position]
                position += 1
                value |= Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { return value }
            }
            return nil
        }
        guard size() == base.count, let resultSize = size(), resultSize <= maximumObjectSize else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(resultSize)
        while position < delta.count {
            let instruction = delta[position]
            position += 1
            if instruction & 0x80 != 0 {
                var copyOffset = 0, copySize = 0
                for bit in 0..<7 where instruction & (1 << bit) != 0 {
                    guard position < delta.count else { return nil }
                    if bit < 4 { copyOffset |= Int(delta[position]) << (8 * bit) } else { copySize |= Int(delta[position]) << (8 * (bit - 4)) }
                    position += 1
                }
                if copySize == 0 { copySize = 0x10000 }
                guard copyOffset + copySize <= base.count, result.count + copySize <= resultSize else { return nil }
                result.append(contentsOf: base[copyOffset..<(copyOffset + copySize)])
            } else if instruction != 0 {
                let count = Int(instruction)
                guard position + count <= delta.count, result.count + count <= resultSize else { return nil }
                result.append(contentsOf: delta[position..<(position + count)])
                position += count
            } else {
                return nil
            }
        }
        return result.count == resultSize ? result : nil
    }

    /// A whole zlib stream's contents: exactly `expected` bytes when given, else grown as needed
    /// up to `maximumObjectSize`; nil when damaged or of another size.
    static func inflate(_ compressed: [UInt8], expected: Int?) -> [UInt8]? {
        var capacity = expected ?? max(4 * compressed.count, 4096)
        while true {
            // One byte more than expected, so that a longer stream shows as not ending.
            var output = [UInt8](repeating: 0, count: capacity + 1)
            var written: UInt = 0
            let status = compressed.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    envlock_inflate(input.baseAddress, UInt(input.count), out.baseAddress, UInt(out.count), &written)
                }
            }
            if status == Z_STREAM_END {
                guard expected == nil || Int(written) == expected else { return nil }
                return Array(output[0..<Int(written)])
            }
            guard status == Z_BUF_ERROR, expected == nil, capacity < maximumObjectSize else { return nil }
            capacity = min(capacity * 4, maximumObjectSize)
        }
    }

    /// The `tree` a commit object names.
    static func tree(ofCommit body: [UInt8], hash: GitHashKind) -> [UInt8]? {
        let prefix = Array("tree ".utf8)
        guard body.starts(with: prefix), body.count >= prefix.count + hash.length * 2 else { return nil }
        return Self.bytes(fromHex: body[prefix.count..<(prefix.count + hash.length * 2)])
    }

    /// Lowercase hex to bytes; nil for anything else.
    static func bytes(fromHex hex: some Collection<UInt8>) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            default: nil
            }
        }
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = value(high), let l = value(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }
}

/// A file under the probe root read at offsets with `pread` (pack files reach gigabytes).
final class RandomAccessFile {
    let descriptor: Int32
    let size: Int
    let path: String

    init(_ absolute: String, context: HostContext) throws(GitHeadError) {
        do throws(FileReadError) {
            let opened = try context.openRegularFile(absolute)
            (descriptor, size, path) = (opened.descriptor, Int(opened.status.size), opened.path)
        } catch {
            throw GitHeadError("cannot read \(error)")
        }
    }

    deinit { close(descriptor) }

    /// Exactly `count` bytes at `offset`.
    func read(at offset: Int, count: Int) throws(GitHeadError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else { throw GitHeadError("\(path) is cut short") }
        let bytes: [UInt8]
        do throws(POSIXFailure) {
            bytes = try POSIXFile.bytes(at: offset, count: count, of: descriptor)
        } catch {
            throw GitHeadError("cannot read \(path): \(error.reason)")
        }
        guard bytes.count == count else { throw GitHeadError("\(path) is cut short") }
        return bytes
    }
}

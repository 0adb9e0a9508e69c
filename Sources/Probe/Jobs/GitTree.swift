import EnvLock

/// git's tree objects: the ids `git write-tree` would give the index's folders, and the
/// entries of a stored tree, so that the index can be compared with the commit's tree.
enum GitTree {
    struct Entry: Equatable {
        var mode: UInt32
        var name: String
        var id: [UInt8]
        var isTree: Bool { mode == 0o040000 }
    }

    /// One folder of the index as a tree: its id and its entries.
    struct Folder {
        var id: [UInt8]
        var entries: [Entry]
    }

    /// Every folder of `entries` (merged index entries in index order) as a tree, keyed by
    /// folder path, "" for the top: what `git write-tree` writes for this index.
    static func folders(of entries: [GitIndex.Entry], hash: GitHashKind) -> [String: Folder] {
        var ids: [String: Folder] = [:]
        var position = 0
        _ = folderID("", entries, &position, hash: hash, into: &ids)
        return ids
    }

    /// Consumes the entries under `folder` (those whose path starts with it) and returns its id.
    private static func folderID(_ folder: String, _ entries: [GitIndex.Entry], _ position: inout Int, hash: GitHashKind, into ids: inout [String: Folder]) -> [UInt8] {
        var children: [Entry] = []
        let prefix = folder.isEmpty ? "" : folder + "/"
        while position < entries.count, entries[position].path.hasPrefix(prefix) {
            let rest = entries[position].path.utf8.dropFirst(prefix.utf8.count)
            if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                let name = String(decoding: rest[..<slash], as: UTF8.self)
                let id = folderID(prefix + name, entries, &position, hash: hash, into: &ids)
                children.append(Entry(mode: 0o040000, name: name, id: id))
            } else {
                let entry = entries[position]
                children.append(Entry(mode: entry.mode, name: String(decoding: rest, as: UTF8.self), id: entry.id))
                position += 1
            }
        }
        let id = hash.objectID(type: "tree", serialize(children))
        ids[folder] = Folder(id: id, entries: children)
        return id
    }

    /// A tree object's body: entries sorted as git sorts them (a folder's name as if it ended
    /// in "/"), each `MODE NAME\0ID` with the mode in octal without leading zeros.
    static func serialize(_ entries: [Entry]) -> [UInt8] {
        let sorted = entries.sorted { a, b in
            (Array(a.name.utf8) + (a.isTree ? [0x2F] : [])).lexicographicallyPrecedes(Array(b.name.utf8) + (b.isTree ? [0x2F] : []))
        }
        var body: [UInt8] = []
        for entry in sorted {
            body += Array(String(entry.mode, radix: 8).utf8) + [0x20] + Array(entry.name.utf8) + [0] + entry.id
        }
        return body
    }

    /// The entries of a stored tree; nil when it is damaged.
    static func parse(_ body: [UInt8], hash: GitHashKind) -> [Entry]? {
        var entries: [Entry] = []
        var reader = ByteReader(body)
        while reader.offset < body.count {
            guard let space = body[reader.offset...].firstIndex(of: 0x20),
                  let mode = UInt32(String(decoding: body[reader.offset..<space], as: UTF8.self), radix: 8) else { return nil }
            reader.offset = space + 1
            guard let name = reader.cString(), let id = reader.bytes(hash.length) else { return nil }
            entries.append(Entry(mode: mode, name: String(decoding: name, as: UTF8.self), id: id))
        }
        return entries
    }
}

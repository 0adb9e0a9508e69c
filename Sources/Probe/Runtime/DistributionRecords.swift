import EnvLock

/// The installed distribution a file belongs to, as its `*.dist-info/RECORD` lists it.
struct DistributionOwner: Sendable, Equatable {
    /// The PEP 503 normalized name (`nvidia-cudnn-cu12`).
    public var name: String
    /// The version the dist-info folder carries (`8.9.2.26`).
    public var version: String
    /// The site-packages folder the dist-info lies in.
    var sitePackages: String
}

/// Finds which distribution installed a file by reading the RECORD files of the
/// site-packages folder the file sits in; each folder is read once.
///
/// pip writes one RECORD line per installed file, its path relative to site-packages
/// (`nvidia/cudnn/lib/libcudnn.so.8,sha256=…,…`), so a file listed there was installed by
/// that distribution; a file no RECORD lists was put there some other way.
public struct DistributionRecords {
    /// Reads files as the probed process sees them.
    let files: HostContext
    private var listings: [String: [String]?] = [:]
    private var recordsBySite: [String: [(owner: DistributionOwner, paths: Set<String>)]] = [:]
    /// RECORD files that exist but could not be read, with the reason.
    private(set) var problems: [String] = []

    init(files: HostContext) {
        self.files = files
    }

    /// The distribution whose RECORD lists `path`, or nil when none does.
    mutating func owner(of path: String) -> DistributionOwner? {
        guard let site = sitePackages(containing: path) else { return nil }
        let relative = String(path.dropFirst(site.count + 1))
        if recordsBySite[site] == nil { recordsBySite[site] = readRecords(in: site) }
        return recordsBySite[site]?.first { $0.paths.contains(relative) }?.owner
    }

    /// Whether `path` lies in a site-packages folder (one that holds `*.dist-info` folders).
    mutating func isInSitePackages(_ path: String) -> Bool {
        sitePackages(containing: path) != nil
    }

    /// Libraries with this file stem (`cudnn`) that a distribution of a site-packages folder
    /// read so far installed, with their paths: the copies the linker could have chosen.
    func recordedLibraries(stem: String) -> [(owner: DistributionOwner, path: String)] {
        var found: [(owner: DistributionOwner, path: String)] = []
        for (site, records) in recordsBySite.sorted(by: { $0.key < $1.key }) {
            for (owner, paths) in records {
                for path in paths.sorted() where LibraryFileName(PythonPath.basename(path))?.stem == stem {
                    found.append((owner, site + "/" + path))
                }
            }
        }
        return found
    }

    /// The nearest folder above `path` that holds `*.dist-info` folders.
    private mutating func sitePackages(containing path: String) -> String? {
        var folder = PythonPath.dirname(path)
        while folder != "/" && !folder.isEmpty {
            if entries(of: folder).contains(where: { $0.hasSuffix(".dist-info") }) { return folder }
            folder = PythonPath.dirname(folder)
        }
        return nil
    }

    private mutating func entries(of folder: String) -> [String] {
        if let known = listings[folder] { return known ?? [] }
        var names: [String]?
        do {
            names = try files.listDirectory(folder)
        } catch {
            // Walking up from a library, most folders have no dist-info; one that cannot be
            // listed may hide the RECORD that names the library, so it is said.
            if case .notFound = error {} else { problems.append("\(error.description): distributions in this folder were not read") }
        }
        listings[folder] = .some(names)
        return names ?? []
    }

    private mutating func readRecords(in site: String) -> [(owner: DistributionOwner, paths: Set<String>)] {
        var result: [(owner: DistributionOwner, paths: Set<String>)] = []
        for folder in entries(of: site) where folder.hasSuffix(".dist-info") {
            let owner = Self.owner(ofMetadataFolder: folder, in: site)
            do {
                let text = try files.readText(site + "/" + folder + "/RECORD", limit: Self.recordLimit)
                result.append((owner, Set(Self.parseRecordPaths(text))))
            } catch {
                if case .notFound = error { continue } // a dist-info without RECORD lists nothing
                problems.append("\(error.description): the files of \(owner.name) \(owner.version) are not known")
            }
        }
        return result
    }

    /// `nvidia-cudnn-cu12` and `8.9.2.26` from `nvidia_cudnn_cu12-8.9.2.26.dist-info`, as
    /// pip names the folder (`{name}-{version}.dist-info`, both escaped with `_`).
    static func owner(ofMetadataFolder folder: String, in site: String) -> DistributionOwner {
        let stem = String(folder.dropLast(".dist-info".count))
        let name = PythonMetadata.nameFromMetadataFolder(folder)
        let version = stem.count > name.count ? String(stem.dropFirst(name.count + 1)) : "unknown"
        return DistributionOwner(name: PackageName.normalize(name), version: version, sitePackages: site)
    }

    /// The largest RECORD envlock reads: torch 2.2.0's is about 2 MB; one past this is
    /// refused with its size rather than read into memory.
    static let recordLimit = 64 << 20

    /// The paths a RECORD file lists: the first CSV field of each line.
    public static func parseRecordPaths(_ text: String) -> [String] {
        parseRecord(text).compactMap { $0.path.isEmpty ? nil : $0.path }
    }

    /// One line of a RECORD file: `path,sha256=<urlsafe base64 without padding>,size`, as
    /// the PyPA "Recording installed projects" specification writes it; hash and size are
    /// empty for entries that need none (RECORD itself, `.pyc` files).
    struct Entry: Sendable, Equatable {
        public var path: String
        var hash: String
        var size: String
        /// Fields past the third, which the format does not have (pip warns about them).
        var extraFields: Int = 0
    }

    /// The rows of a RECORD file, read as Python's `csv` module reads it (the `excel` dialect
    /// pip writes with): a field that starts with `"` runs to the next lone `"` and may hold
    /// commas and line breaks, `""` inside it is one quote; rows end at `\n`, `\r\n` or `\r`;
    /// blank rows are skipped, as `csv.reader` yields them empty.
    static func parseRecord(_ text: String) -> [Entry] {
        var rows: [Entry] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false, inQuotes = false, fieldStarted = false
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quoted = false
            fieldStarted = false
        }
        func endRow() {
            if fieldStarted || !fields.isEmpty || !field.isEmpty { endField() }
            if !fields.isEmpty, !(fields.count == 1 && fields[0].isEmpty) {
                rows.append(Entry(path: fields[0], hash: fields.count > 1 ? fields[1] : "", size: fields.count > 2 ? fields[2] : "", extraFields: max(0, fields.count - 3)))
            }
            fields.removeAll(keepingCapacity: true)
        }
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                endField()
                fieldStarted = true
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                endRow()
                if byte == UInt8(ascii: "\r"), index < bytes.count, bytes[index] == UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\"") where field.isEmpty && !quoted:
                quoted = true
                inQuotes = true
                fieldStarted = true
            default:
                field.append(byte)
                fieldStarted = true
            }
        }
        endRow()
        return rows
    }
}

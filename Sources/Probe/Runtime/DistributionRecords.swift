import EnvLock

/// The installed distribution a file belongs to, as its `*.dist-info/RECORD` lists it.
public struct DistributionOwner: Sendable, Equatable {
    /// The PEP 503 normalized name (`nvidia-cudnn-cu12`).
    public var name: String
    /// The version the dist-info folder carries (`8.9.2.26`).
    public var version: String
    /// The site-packages folder the dist-info lies in.
    public var sitePackages: String
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
                let text = try files.readText(site + "/" + folder + "/RECORD", limit: 64 << 20)
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

    /// The paths a RECORD file lists: the first CSV field of each line, unquoted.
    public static func parseRecordPaths(_ text: String) -> [String] {
        var paths: [String] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.hasPrefix("\"") {
                // A quoted field: "" stands for one quote, and a comma inside does not end it.
                var path = ""
                var index = line.index(after: line.startIndex)
                while index < line.endIndex {
                    let character = line[index]
                    index = line.index(after: index)
                    if character == "\"" {
                        guard index < line.endIndex, line[index] == "\"" else { break }
                        index = line.index(after: index)
                    }
                    path.append(character)
                }
                paths.append(path)
            } else {
                let path = line.prefix { $0 != "," }
                if !path.isEmpty { paths.append(String(path)) }
            }
        }
        return paths
    }
}

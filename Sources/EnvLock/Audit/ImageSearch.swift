#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A path `envlock audit` reached but did not read again: its file or folder had already been
/// reached by another path (a hard link, a symbolic link, a path named twice), or it leads back
/// to a folder that holds it.
public struct AuditSkip: Sendable, Equatable {
    enum Reason: String, Sendable {
        /// A folder that holds this path: searching it again would never end.
        case loop
        case sameFolder = "same-folder"
        case sameFile = "same-file"
    }

    var path: String
    var reason: Reason
    /// The path by which the file or folder was first reached.
    var sameAs: String

    /// What happened, in words (the paths are the images', so a renderer escapes the whole).
    var detail: String {
        switch reason {
        case .loop: "a loop back to \(sameAs), which holds it: not searched again"
        case .sameFolder: "the same folder as \(sameAs), searched once"
        case .sameFile: "the same file as \(sameAs), audited once"
        }
    }
}

/// The image files under the paths `envlock audit` is given, each file once. Files and folders
/// are told apart by identity (device and inode), not by path: a symbolic link back up the tree
/// (`imgs/sub/up -> ..`) is reported as a loop instead of being searched until paths grow too
/// long, and one file reached by several paths is audited once.
struct ImageSearch {
    /// File name endings a folder is searched for; files named on the command line are read whatever their name.
    static let imageExtensions = ["png", "jpg", "jpeg", "webp"]

    /// The files to read, in search order, each with why it cannot be read, if it cannot.
    private(set) var files: [(path: String, failure: String?)] = []
    private(set) var skipped: [AuditSkip] = []
    /// Every file and folder reached, with the path that reached it first.
    private var reached: [FileIdentity: String] = [:]
    /// The folders being searched, from a named one down to the current one.
    private var open: Set<FileIdentity> = []

    /// Searches `paths` in order: files are taken whatever their name, folders are searched
    /// for images in the order of their sorted entries.
    init(_ paths: [String]) {
        for path in paths { visit(path, named: true) }
    }

    static func isImageName(_ path: String) -> Bool {
        imageExtensions.contains(path.split(separator: ".").last.map { $0.lowercased() } ?? "")
    }

    private mutating func visit(_ path: String, named: Bool) {
        let info: POSIXFile.Status
        do throws(POSIXFailure) {
            info = try POSIXFile.status(at: path)
        } catch {
            if error.isMissing {
                // Nothing there (a dangling link in a folder): an image only if named as one.
                if named || Self.isImageName(path) { files.append((path, "no such file")) }
            } else {
                // It may be an image or a folder of them: what cannot be looked at is said, never dropped.
                files.append((path, "cannot look at it: \(error.reason)"))
            }
            return
        }
        guard info.isDirectory else {
            guard named || Self.isImageName(path) else { return }
            if let first = reached[info.identity] {
                skipped.append(AuditSkip(path: path, reason: .sameFile, sameAs: first))
                return
            }
            reached[info.identity] = path
            files.append((path, nil))
            return
        }
        if let first = reached[info.identity] {
            skipped.append(AuditSkip(path: path, reason: open.contains(info.identity) ? .loop : .sameFolder, sameAs: first))
            return
        }
        reached[info.identity] = path
        let entries: [String]
        do throws(POSIXFailure) {
            entries = try POSIXFile.sortedNames(at: path)
        } catch {
            files.append((path, "cannot list the folder: \(FileReadError(error))"))
            return
        }
        open.insert(info.identity)
        for entry in entries {
            visit(path.hasSuffix("/") ? path + entry : path + "/" + entry, named: false)
        }
        open.remove(info.identity)
    }
}

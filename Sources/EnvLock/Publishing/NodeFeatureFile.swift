#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A feature file for Node Feature Discovery's `local` source, which turns it into node labels.
///
/// The format follows kubernetes-sigs/node-feature-discovery `source/local/local.go` at
/// a650db05eccd1755417188498717f1e3f696cfb0: lines split on `\n` and trimmed, `#` starts a
/// comment, `# +expiry-time=<RFC 3339>` drops the lines after it once the time has passed,
/// `key=value` makes a label, a file over 65,536 bytes (`MaxFeatureFileSize`) is skipped
/// whole, names starting with `.` are ignored (so the temporary file of an atomic write is never read).
public struct NodeFeatureFile: Sendable, Equatable {
    /// NFD's default folder for feature files.
    public static let defaultFolder = "/etc/kubernetes/node-feature-discovery/features.d"
    /// NFD's `MaxFeatureFileSize`.
    static let maximumSize = 65_536

    var lockName: PublishedLockName
    /// The fingerprint of the lock that was checked, as a label value.
    public var fingerprint: String
    /// Whether the node conforms. A node that fails (drift, or a lock that cannot be trusted)
    /// is labelled `false` rather than left unlabelled, so `kubectl get nodes -L` tells a
    /// failing node from one where envlock never ran, and a `NodeFeatureRule` can taint it.
    var conforms: Bool
    /// When the labels lapse unless envlock writes the file again.
    var expires: Timestamp

    public init(lockName: PublishedLockName, fingerprint: String, conforms: Bool, expires: Timestamp) {
        self.lockName = lockName
        self.fingerprint = fingerprint
        self.conforms = conforms
        self.expires = expires
    }

    /// The file's bytes. Every name and value is checked (`PublishedLockName`, base32), so
    /// nothing from the machine or the lock can add a line.
    var bytes: [UInt8] {
        let text = """
            # Written by envlock verify: whether this node conforms to the lock \(lockName.name).
            # The labels lapse at the expiry time unless verify runs again; why a node fails is in verify's report.
            # +expiry-time=\(expires.description)
            \(lockName.conformanceLabel)=\(conforms ? "true" : "false")
            \(lockName.fingerprintLabel)=\(fingerprint)

            """
        return Array(text.utf8)
    }

    /// Writes the file into `folder` atomically (a hidden temporary file, renamed), refusing a
    /// folder that is a symbolic link, not a folder, or writable by anyone but its owner, when
    /// that owner is neither root nor this user: another user could swap the file.
    public func write(into folder: String) throws(PublishError) {
        try Self.checkFolder(folder)
        let path = (folder.hasSuffix("/") ? folder : folder + "/") + lockName.featureFileName
        do throws(FileWriteError) {
            try AtomicFile.write(bytes, to: path, mode: 0o644, protection: AtomicFile.Protection(inputs: CommandInputs.current))
        } catch {
            throw .write(error)
        }
    }

    /// Refuses a folder someone other than root and this user could change.
    static func checkFolder(_ folder: String) throws(PublishError) {
        let status: POSIXFile.Status
        do throws(POSIXFailure) {
            status = try POSIXFile.status(at: folder, followingLinks: false)
        } catch {
            throw .folderUnreadable(path: folder, errno: error.errno)
        }
        if status.isSymbolicLink { throw .unsafeFolder(path: folder, reason: "is a symbolic link") }
        guard status.isDirectory else { throw .unsafeFolder(path: folder, reason: "is not a folder") }
        let owner = status.ownerUID
        if owner != 0 && owner != UInt32(geteuid()) {
            throw .unsafeFolder(path: folder, reason: "belongs to user \(owner), neither root nor this user")
        }
        if status.mode & 0o022 != 0 {
            throw .unsafeFolder(path: folder, reason: "can be written by its group or by everyone (mode \(String(status.mode & 0o7777, radix: 8)))")
        }
    }
}

/// Why a verdict could not be published.
public enum PublishError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The lock's name cannot be carried unchanged in a label or feature.
    case unpublishableName(name: String, reason: String)
    /// The feature folder could be changed by someone else, or is not a folder.
    case unsafeFolder(path: String, reason: String)
    /// The feature folder could not be looked at.
    case folderUnreadable(path: String, errno: Int32)
    /// The feature file could not be written.
    case write(FileWriteError)

    public var description: String {
        switch self {
        case .unpublishableName(let name, let reason):
            "the lock's name '\(name)' \(reason), so it cannot be a node label or Slurm feature unchanged; rename the profile (its 'name:') to ASCII letters, digits, '-' and '.', at most \(PublishedLockName.maximumLength) characters, and lock again"
        case .unsafeFolder(let path, let reason):
            "will not publish into \(path): it \(reason). Use a folder that only root (or this user) can write, such as NFD's \(NodeFeatureFile.defaultFolder)"
        case .folderUnreadable(let path, let errno):
            "cannot publish into \(path): \(errnoDescription(errno)). Check that Node Feature Discovery's features.d folder exists there (in a pod, mount it with a hostPath)"
        case .write(let error):
            "cannot publish the node feature file: \(error.description)"
        }
    }
}

import EnvLock
import Synchronization

/// The folders one probe has listed, so that detectors reading the same folder share one
/// listing (`HostContext.listings`). A listing that fails is not kept: the next reader tries
/// again and reports its own failure.
///
/// Kept for one probe only: what a folder holds can change between two commands (or two
/// probes in one test), never meaningfully within the milliseconds of one probe.
final class DirectoryListings: Sendable {
    private let listed = Mutex<[String: DirectoryListing]>([:])

    /// The listing of the folder at the host path `path`, read once.
    func listing(of path: String) throws(FileReadError) -> DirectoryListing {
        if let known = listed.withLock({ $0[path] }) { return known }
        // Read outside the lock: a listing can block (a hung mount), and must block only its reader.
        let listing = try FileSystem.listing(of: path)
        listed.withLock { $0[path] = listing }
        return listing
    }
}

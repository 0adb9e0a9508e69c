#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// envlock's own cache files (interpreter answers, model digests): read only when they are
/// this user's regular files that nobody else may write, and written into folders only this
/// user can enter. A cache can make envlock faster, never wrong, so an entry that fails these
/// checks is ignored with its reason, for the caller to report as a diagnostic.
enum CacheEntryFile {
    enum Read: Equatable {
        /// No entry yet.
        case missing
        case bytes([UInt8])
        /// An entry exists but is not used; the reason names it.
        case ignored(String)
    }

    /// The entry at `path`, a real path of this machine: envlock's caches live in this user's
    /// cache folder, never under `--root`, so they are read through `FileSystem`.
    static func read(_ path: String, limit: Int) -> Read {
        // Only "nothing there" is a miss; an entry that cannot be inspected (its folder is
        // unreadable) is ignored with the reason, and the probe asks the source instead.
        let info: FileStatus
        do throws(POSIXFailure) {
            info = try POSIXFile.status(at: path, followingLinks: false)
        } catch {
            if error.isMissing { return .missing }
            return .ignored("cache entry \(path) ignored: cannot \(error.operation): \(error.reason)")
        }
        guard info.isRegularFile, info.ownerUID == geteuid(), info.mode & 0o022 == 0 else {
            return .ignored("cache entry \(path) ignored: not a regular file owned by this user and writable only by it")
        }
        do {
            return .bytes(try FileSystem.readBytes(path, limit: limit))
        } catch {
            return .ignored("cache entry \(path) ignored: \(error)")
        }
    }

    /// `mkdir -p` with mode 0700; why it failed, or nil.
    static func makeFolders(_ folder: String) -> String? {
        var path = ""
        for component in folder.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                return "cannot create cache folder \(path): \(String(cString: strerror(errno)))"
            }
        }
        return nil
    }
}

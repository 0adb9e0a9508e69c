#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic document writes: a temporary file in the same folder, fsync, rename, fsync the folder.
///
/// A reader of the destination sees either the old document or the new one, never a mix, and a
/// crash at any point leaves one of the two. A destination that is a symbolic link is refused.
/// Even if a link appears between that check and the rename, rename(2) replaces the link itself
/// and never writes through it.
public enum AtomicFile {
    /// Replaces the file at `path` with `bytes`, giving it exactly `mode` (the umask does not apply).
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(FileWriteError) {
        try write(bytes, to: path, mode: mode, beforeRename: {})
    }

    /// `write`, with a hook that runs between writing the temporary file and renaming it, so that
    /// tests can change the destination at the most delicate moment.
    static func write(
        _ bytes: [UInt8], to path: String, mode: UInt32, beforeRename: () -> Void
    ) throws(FileWriteError) {
        guard !POSIXFile.baseName(of: path).isEmpty else { throw .notARegularFile(path: path) }
        let kind: POSIXFile.Kind
        do throws(POSIXFailure) {
            kind = try POSIXFile.kind(at: path)
        } catch {
            throw .io(path: path, operation: error.operation, errno: error.errno)
        }
        switch kind {
        case .missing, .regularFile: break
        case .symbolicLink: throw .symlinkDestination(path: path)
        case .directory, .other: throw .notARegularFile(path: path)
        }
        let temporaryPath: String
        do throws(POSIXFailure) {
            temporaryPath = try POSIXFile.writeTemporaryFile(beside: path, bytes: bytes, mode: mode)
        } catch {
            throw .io(path: path, operation: error.operation, errno: error.errno)
        }
        beforeRename()
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw .io(path: path, operation: "rename a temporary file onto", errno: code)
        }
        do throws(POSIXFailure) {
            try POSIXFile.syncFolder(of: path)
        } catch {
            throw .io(path: path, operation: error.operation, errno: error.errno)
        }
    }
}

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
    /// What a write must not destroy.
    public struct Protection: Sendable {
        /// The files the command read; the destination may be none of them, compared by
        /// device and inode, so no spelling (`./k.pem`, `x/../x`, a linked folder, a hard
        /// link, a symbolic link to one) gets around it. `replaceProtected` never covers them.
        public var inputs: CommandInputs?
        /// Whether the user asked to replace a destination that holds a private key or that
        /// its owner may not write (`--replace-protected`).
        var replaceProtected: Bool

        public init(inputs: CommandInputs? = nil, replaceProtected: Bool = false) {
            self.inputs = inputs
            self.replaceProtected = replaceProtected
        }
    }

    /// Replaces the file at `path` with `bytes`, giving it exactly `mode` (the umask does not
    /// apply), unless the destination is one of `protection.inputs`, or holds a private key or
    /// is read-only for its owner and `protection.replaceProtected` is false.
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644, protection: Protection = Protection()) throws(FileWriteError) {
        try write(bytes, to: path, mode: mode, protection: protection, beforeRename: {})
    }

    /// `write`, with a hook that runs between writing the temporary file and renaming it, so that
    /// tests can change the destination at the most delicate moment.
    static func write(
        _ bytes: [UInt8], to path: String, mode: UInt32, protection: Protection = Protection(), beforeRename: () -> Void
    ) throws(FileWriteError) {
        guard !POSIXFile.baseName(of: path).isEmpty else { throw .notARegularFile(path: path) }
        // Before the link check: a link to an input is refused as that input, by name.
        try refuseInput(path, protection)
        let kind: POSIXFile.Kind
        do throws(POSIXFailure) {
            kind = try POSIXFile.kind(at: path)
        } catch {
            throw FileWriteError(error)
        }
        switch kind {
        case .missing: break
        case .regularFile: try refuseProtected(path, protection)
        case .symbolicLink: throw .symlinkDestination(path: path)
        case .directory, .other: throw .notARegularFile(path: path)
        }
        let temporaryPath: String
        do throws(POSIXFailure) {
            temporaryPath = try POSIXFile.writeTemporaryFile(beside: path, bytes: bytes, mode: mode)
        } catch {
            throw FileWriteError(error)
        }
        beforeRename()
        let renameErrno: Int32? = PendingFiles.shared.settle(temporaryPath) {
            if rename(temporaryPath, path) == 0 { return nil }
            let code = errno
            unlink(temporaryPath)
            return code
        }
        if let renameErrno {
            throw .io(path: path, operation: "rename a temporary file onto", errno: renameErrno)
        }
        do throws(POSIXFailure) {
            try POSIXFile.syncFolder(of: path)
        } catch {
            throw FileWriteError(error)
        }
    }

    /// Refuses a destination that is, through any spelling or link, a file the command read.
    static func refuseInput(_ path: String, _ protection: Protection) throws(FileWriteError) {
        guard let inputs = protection.inputs else { return }
        let destination: POSIXFile.Status
        do throws(POSIXFailure) {
            destination = try POSIXFile.status(at: path)
        } catch {
            // Nothing there (or a dangling link): no input can be replaced. Any other failure
            // is met again, with its reason, when the write looks at the destination.
            return
        }
        if let input = inputs.input(device: destination.device, inode: destination.inode) {
            throw .wouldReplaceInput(path: path, input: input.path, role: input.role)
        }
    }

    /// Refuses an existing destination that holds a private key, or is read-only for its
    /// owner (someone protected it on purpose).
    static func refuseProtected(_ path: String, _ protection: Protection) throws(FileWriteError) {
        var destination = stat()
        guard stat(path, &destination) == 0 else { return }
        guard !protection.replaceProtected else { return }
        if destination.st_mode & S_IWUSR == 0 {
            throw .protectedDestination(path: path, reason: "is not writable by its owner (mode \(String(destination.st_mode & 0o777, radix: 8)))")
        }
        let bytes: [UInt8]
        do throws(POSIXFile.ReadFailure) {
            bytes = try POSIXFile.readRegularFile(at: path, limit: 1 << 20, role: nil).bytes
        } catch {
            // Larger than any key file; anything else means the content cannot be checked.
            if error == .tooLarge { return }
            throw .protectedDestination(path: path, reason: "cannot be read to check that it holds no private key")
        }
        if holdsPrivateKey(bytes) {
            throw .protectedDestination(path: path, reason: "holds a private key")
        }
    }

    /// Whether the bytes have a PEM private key block (PKCS#8, encrypted, RSA, EC, OpenSSH).
    static func holdsPrivateKey(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.contains("-----BEGIN ") && text.contains("PRIVATE KEY-----")
    }
}

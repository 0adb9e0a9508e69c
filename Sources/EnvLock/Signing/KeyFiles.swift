#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Loading and saving Ed25519 key files.
public enum KeyFiles {
    /// Key files are a few hundred bytes; anything much larger is not a key and is not read.
    static let sizeLimit = 64 * 1024

    /// Reads the Ed25519 private key (PKCS#8 PEM) at `path`.
    ///
    /// A file that group or others may access (`mode & 0o077 != 0`) is refused, as ssh refuses
    /// one, once it is known to hold a private key: a file holding something else is reported
    /// as that, which is the more useful message.
    public static func readPrivateKey(at path: String) throws(KeyFileError) -> SigningKey {
        let (bytes, mode) = try read(path, role: .signingKey)
        let key = try SigningKey(pem: String(decoding: bytes, as: UTF8.self), path: path)
        guard mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: mode) }
        return key
    }

    /// Reads the Ed25519 public key (SubjectPublicKeyInfo PEM) at `path`.
    static func readPublicKey(at path: String) throws(KeyFileError) -> VerifyingKey {
        let (bytes, _) = try read(path, role: .trustedKey)
        return try VerifyingKey(pem: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Where the public key of the private key at `privatePath` is written: `KEY.pem` → `KEY.pub.pem`,
    /// and any other name gets `.pub.pem` appended.
    public static func publicKeyPath(forPrivateKeyAt privatePath: String) -> String {
        let baseName = POSIXFile.baseName(of: privatePath)
        guard baseName.count > 4, baseName.hasSuffix(".pem") else { return privatePath + ".pub.pem" }
        return String(privatePath.dropLast(4)) + ".pub.pem"
    }

    /// Writes `key` as a new PKCS#8 PEM file at `privatePath` (mode 0600) and its public key as
    /// SPKI PEM beside it (mode 0644, at `publicKeyPath(forPrivateKeyAt:)`).
    ///
    /// Neither file is ever overwritten and neither destination may be a symbolic link. Each file
    /// is written whole to a temporary file in the same folder (created with O_EXCL, mode 0600,
    /// fsynced) and then hard-linked to its name: link(2) fails rather than replace anything,
    /// even a dangling link, so the refusal to overwrite holds against a file created meanwhile,
    /// and no reader ever sees a partly written key. If the public key cannot be written, the
    /// private key just written is removed again, so that the command can simply be rerun.
    public static func writeKeyPair(_ key: SigningKey, privatePath: String) throws(KeyFileError) {
        // A private key named like a public key would be handed out as one.
        if privatePath.hasSuffix(".pub.pem") || privatePath.hasSuffix(".pub") { throw .privateKeyNamedPublic(path: privatePath) }
        let publicPath = publicKeyPath(forPrivateKeyAt: privatePath)
        try refuseExisting(privatePath)
        try refuseExisting(publicPath)
        try writeNewFile(Array(key.pemRepresentation.utf8), to: privatePath, mode: 0o600)
        do throws(KeyFileError) {
            try writeNewFile(Array(key.verifyingKey.pemRepresentation.utf8), to: publicPath, mode: 0o644)
        } catch {
            // The public key's error is the one to report; should removing the private key fail
            // too, the rerun reports that file as existing, which names it.
            unlink(privatePath)
            throw error
        }
    }

    private static func read(_ path: String, role: InputRole) throws(KeyFileError) -> (bytes: [UInt8], mode: UInt32) {
        do throws(POSIXFile.ReadFailure) {
            return try POSIXFile.readRegularFile(at: path, limit: sizeLimit, role: role)
        } catch {
            switch error {
            case .system(let failure): throw KeyFileError(failure)
            case .notRegularFile: throw .notARegularFile(path: path)
            case .tooLarge: throw .tooLarge(path: path, limit: sizeLimit)
            }
        }
    }

    private static func refuseExisting(_ path: String) throws(KeyFileError) {
        let kind: POSIXFile.Kind
        do throws(POSIXFailure) {
            kind = try POSIXFile.kind(at: path)
        } catch {
            throw KeyFileError(error)
        }
        switch kind {
        case .missing: return
        case .symbolicLink: throw .symlinkDestination(path: path)
        case .regularFile, .directory, .other: throw .exists(path: path)
        }
    }

    private static func writeNewFile(_ bytes: [UInt8], to path: String, mode: UInt32) throws(KeyFileError) {
        let temporaryPath: String
        do throws(POSIXFailure) {
            temporaryPath = try POSIXFile.writeTemporaryFile(beside: path, bytes: bytes, mode: mode)
        } catch {
            throw KeyFileError(error)
        }
        // The temporary name is a second copy of a secret: it must go whether or not the link
        // worked, and a signal that ends envlock removes it too (PendingFiles).
        let (linked, linkErrno, unlinked, unlinkErrno) = PendingFiles.shared.settle(temporaryPath) {
            let linked = link(temporaryPath, path) == 0
            let linkErrno = errno
            let unlinked = unlink(temporaryPath) == 0
            return (linked, linkErrno, unlinked, errno)
        }
        guard linked else {
            if linkErrno == EEXIST {
                try refuseExisting(path)
                throw .exists(path: path)
            }
            throw .io(path: path, operation: "link a temporary file to", errno: linkErrno)
        }
        guard unlinked else {
            throw .io(path: temporaryPath, operation: "remove the temporary file", errno: unlinkErrno)
        }
        do throws(POSIXFailure) {
            try POSIXFile.syncFolder(of: path)
        } catch {
            throw KeyFileError(error)
        }
    }
}

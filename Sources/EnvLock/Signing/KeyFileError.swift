#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a key file could not be read or written. Every case names the file.
public enum KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of key a caller asked for.
    public enum ExpectedKey: Sendable, Equatable {
        /// An Ed25519 private key (PKCS#8 PEM), for signing.
        case ed25519PrivateKey
        /// An Ed25519 public key (SubjectPublicKeyInfo PEM), for verifying.
        case ed25519PublicKey
    }

    /// The file has no `-----BEGIN …-----` line.
    case notPEM(path: String)
    /// The file has more than one PEM block; envlock will not guess which one is meant.
    case multiplePEMBlocks(path: String, count: Int)
    /// The PEM text or the key structure inside it is broken; `reason` says where.
    case malformed(path: String, reason: String)
    /// The file holds another kind of key than the one needed, named in `found`
    /// ("an X25519 private key", "an Ed25519 public key").
    case unsupportedKey(path: String, found: String, expected: ExpectedKey)
    /// The private key file also carries a public key (PKCS#8 v2) that does not belong to it.
    case mismatchedPublicKey(path: String)
    /// A private key file that group or others may read or write; refused as ssh refuses one.
    case insecurePermissions(path: String, mode: UInt32)
    /// A destination is a symbolic link; keys are never written through links.
    case symlinkDestination(path: String)
    /// A destination already exists; envlock never overwrites a key.
    case exists(path: String)
    /// A private key would get a public key's name (`.pub.pem`, `.pub`).
    case privateKeyNamedPublic(path: String)
    /// The path names a folder or a special file, not a regular file.
    case notARegularFile(path: String)
    /// The file is larger than any key file; it is not read further.
    case tooLarge(path: String, limit: Int)
    /// A system call failed; `operation` says which step, `errno` why.
    case io(path: String, operation: String, errno: Int32)

    /// The failure of a system call on the way, about the path it names.
    init(_ failure: POSIXFailure) {
        self = .io(path: failure.path, operation: failure.operation, errno: failure.errno)
    }

    public var description: String {
        switch self {
        case .notPEM(let path):
            "\(path) is not a PEM key file (it has no -----BEGIN …----- line). envlock reads keys as PEM; "
                + "for a DER file, `openssl pkey -inform DER -in \(ShellQuoting.quoted(path)) -out KEY.pem` converts it."
        case .multiplePEMBlocks(let path, let count):
            "\(path) holds \(count) PEM blocks; a key file must hold exactly one key. Split it into one file per key."
        case .malformed(let path, let reason):
            "\(path) is not a readable key file: \(reason). Check that it was copied whole, or create a new key with `envlock keygen --output KEY.pem`."
        case .unsupportedKey(let path, let found, let expected):
            "\(path) holds \(found), where \(expected.phrase) is expected. \(expected.advice)"
        case .mismatchedPublicKey(let path):
            "\(path) carries a public key that does not belong to its private key; the file has been altered. Create a new key with `envlock keygen --output KEY.pem`."
        case .insecurePermissions(let path, let mode):
            "\(path) has mode 0\(String(mode, radix: 8)), so users other than its owner can access this private key; envlock refuses it, as ssh does. "
                + "Run `chmod 600 \(ShellQuoting.quoted(path))`, and consider the key exposed if others had access."
        case .symlinkDestination(let path):
            "\(path) is a symbolic link; envlock does not write keys through links. Remove the link or choose another path."
        case .exists(let path):
            "\(path) already exists; envlock never overwrites a key. Move it away or choose another path."
        case .privateKeyNamedPublic(let path):
            "\(path) is a public key's name, and keygen's --output names the private key; choose a name such as team.pem (the public key goes to team.pub.pem)."
        case .notARegularFile(let path):
            "\(path) is not a regular file (it is a folder or a special file); pass the path of a key file."
        case .tooLarge(let path, let limit):
            "\(path) is larger than \(limit / 1024) KiB, far more than any key file; pass the path of a PEM key file."
        case .io(let path, let operation, let errno):
            operation == "open" && errno == ENOENT
                ? "could not open \(path): \(errnoDescription(errno)). Check the path, or create a key with `envlock keygen --output KEY.pem`."
                : ioDescription(path: path, operation: operation, errno: errno)
        }
    }
}

extension KeyFileError.ExpectedKey {
    fileprivate var phrase: String {
        switch self {
        case .ed25519PrivateKey: "an Ed25519 private key"
        case .ed25519PublicKey: "an Ed25519 public key"
        }
    }

    fileprivate var advice: String {
        switch self {
        case .ed25519PrivateKey:
            "envlock signs with Ed25519 private keys in PKCS#8 PEM form: create one with `envlock keygen --output KEY.pem` "
                + "(or `openssl genpkey -algorithm ed25519 -out KEY.pem`)."
        case .ed25519PublicKey:
            "Pass an Ed25519 public key in SubjectPublicKeyInfo PEM form, such as the KEY.pub.pem that `envlock keygen` writes "
                + "(`openssl pkey -in KEY.pem -pubout -out KEY.pub.pem` derives one from a private key)."
        }
    }
}

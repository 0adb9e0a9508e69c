import Crypto
import FoundationEssentials

/// An Ed25519 private key that signs locks.
///
/// Its description and reflection show only the key id, so that printing or dumping a value
/// that holds one never reveals the secret.
public struct SigningKey: Sendable, CustomStringConvertible, CustomReflectable {
    private let key: Curve25519.Signing.PrivateKey

    /// The key in PKCS#8 PEM text, as `envlock keygen` and `openssl genpkey -algorithm ed25519` write it.
    ///
    /// `path` names the source in errors only.
    init(pem: String, path: String) throws(KeyFileError) {
        let content: KeyFileContent
        do throws(PEMBlock.Failure) {
            content = try KeyFileContent.decode(pem: Array(pem.utf8), path: path)
        } catch {
            throw KeyFileError(error, path: path)
        }
        switch content {
        case .ed25519PrivateKey(let seed, let embeddedPublicKey):
            do throws(SignatureError) {
                key = try Self.privateKey(seed: seed)
            } catch {
                throw .malformed(path: path, reason: error.description)
            }
            if let embeddedPublicKey, embeddedPublicKey != verifyingKey.rawRepresentation {
                throw .mismatchedPublicKey(path: path)
            }
        case .ed25519PublicKey:
            throw .unsupportedKey(path: path, found: "an Ed25519 public key", expected: .ed25519PrivateKey)
        case .otherKey(let found):
            throw .unsupportedKey(path: path, found: found, expected: .ed25519PrivateKey)
        }
    }

    /// The key whose 32-byte seed (RFC 8032's "private key") is `seed`.
    init(seed: [UInt8]) throws(SignatureError) {
        key = try Self.privateKey(seed: seed)
    }

    private static func privateKey(seed: [UInt8]) throws(SignatureError) -> Curve25519.Signing.PrivateKey {
        guard seed.count == 32 else { throw .invalidKeyLength(seed.count) }
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            throw .signingFailed(String(describing: error))
        }
    }

    private init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
    }

    /// A new key from the system's secure random source.
    public static func generate() -> SigningKey {
        SigningKey(key: Curve25519.Signing.PrivateKey())
    }

    /// The public half, which verifies this key's signatures.
    public var verifyingKey: VerifyingKey {
        VerifyingKey(key: key.publicKey)
    }

    /// The Ed25519 signature (64 bytes) of `message`.
    public func signature(for message: [UInt8]) throws(SignatureError) -> [UInt8] {
        do {
            return Array(try key.signature(for: message))
        } catch {
            throw .signingFailed(String(describing: error))
        }
    }

    /// The 32-byte seed; it is the secret.
    var seed: [UInt8] {
        Array(key.rawRepresentation)
    }

    /// The key as PKCS#8 PEM text (RFC 8410), byte for byte what openssl writes for the same key.
    var pemRepresentation: String {
        PEMBlock.encode(label: "PRIVATE KEY", der: Self.pkcs8Prefix + seed)
    }

    /// PrivateKeyInfo { version 0, AlgorithmIdentifier { id-Ed25519 }, OCTET STRING { OCTET STRING (32) } }.
    private static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    public var description: String {
        "SigningKey(ed25519, key_id \(verifyingKey.keyID))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["keyID": verifyingKey.keyID])
    }
}

/// An Ed25519 public key that verifies lock signatures.
public struct VerifyingKey: Sendable, Equatable, CustomStringConvertible {
    private let key: Curve25519.Signing.PublicKey
    /// The 32 raw bytes of the key.
    let rawRepresentation: [UInt8]
    /// Lowercase hex SHA-256 of the 32 raw key bytes: a name for the key, never a reason to trust it.
    public let keyID: String

    fileprivate init(key: Curve25519.Signing.PublicKey) {
        self.key = key
        rawRepresentation = Array(key.rawRepresentation)
        keyID = Hex.encode(Array(SHA256.hash(data: rawRepresentation)))
    }

    /// The key in SubjectPublicKeyInfo PEM text, as `envlock keygen` and `openssl pkey -pubout` write it.
    ///
    /// `path` names the source in errors only.
    init(pem: String, path: String) throws(KeyFileError) {
        let content: KeyFileContent
        do throws(PEMBlock.Failure) {
            content = try KeyFileContent.decode(pem: Array(pem.utf8), path: path)
        } catch {
            throw KeyFileError(error, path: path)
        }
        switch content {
        case .ed25519PublicKey(let raw):
            do throws(SignatureError) {
                self = try VerifyingKey(rawRepresentation: raw)
            } catch {
                throw .malformed(path: path, reason: error.description)
            }
        case .ed25519PrivateKey:
            throw .unsupportedKey(path: path, found: "an Ed25519 private key", expected: .ed25519PublicKey)
        case .otherKey(let found):
            throw .unsupportedKey(path: path, found: found, expected: .ed25519PublicKey)
        }
    }

    /// The key whose 32 raw bytes (RFC 8032's "public key") are `rawRepresentation`.
    init(rawRepresentation: [UInt8]) throws(SignatureError) {
        guard rawRepresentation.count == 32 else { throw .invalidKeyLength(rawRepresentation.count) }
        do {
            self.init(key: try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation))
        } catch {
            throw .signingFailed(String(describing: error))
        }
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`; false for any length but 64.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// The key as SubjectPublicKeyInfo PEM text (RFC 8410), byte for byte what `openssl pkey -pubout` writes.
    var pemRepresentation: String {
        PEMBlock.encode(label: "PUBLIC KEY", der: Self.spkiPrefix + rawRepresentation)
    }

    /// SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 }, BIT STRING (0 unused bits, 32 bytes) }.
    private static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    public static func == (lhs: VerifyingKey, rhs: VerifyingKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    public var description: String {
        "VerifyingKey(ed25519, key_id \(keyID))"
    }
}

extension KeyFileError {
    /// The error for a key file whose text is not one readable PEM block.
    init(_ failure: PEMBlock.Failure, path: String) {
        switch failure {
        case .noBlock: self = .notPEM(path: path)
        case .multipleBlocks(let count): self = .multiplePEMBlocks(path: path, count: count)
        case .malformed(let reason): self = .malformed(path: path, reason: reason)
        }
    }
}

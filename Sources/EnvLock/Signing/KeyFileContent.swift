/// What the PEM text of a key file holds, as far as envlock needs to know.
///
/// Only Ed25519 keys are decoded in full; every other kind is named so that the error tells the
/// user what they offered ("an ECDSA P-256 private key") instead of failing with a parse error.
enum KeyFileContent: Equatable {
    /// An Ed25519 private key: its 32-byte seed, and the public key when the file also carries one
    /// (PKCS#8 v2, RFC 5958).
    case ed25519PrivateKey(seed: [UInt8], embeddedPublicKey: [UInt8]?)
    /// An Ed25519 public key: its 32 raw bytes.
    case ed25519PublicKey([UInt8])
    /// Any other key, named for a person: "an X25519 private key".
    case otherKey(String)

    static let ed25519 = "1.3.101.112"
    static let x25519 = "1.3.101.110"
    static let ecPublicKey = "1.2.840.10045.2.1"
    static let rsaEncryption = "1.2.840.113549.1.1.1"

    /// Decodes PEM text, naming what it holds; throws when the text is not one readable PEM block.
    ///
    /// `path` only appears in the advice some names carry, such as how to decrypt a key.
    static func decode(pem text: [UInt8], path: String) throws(PEMBlock.Failure) -> KeyFileContent {
        if let openSSHKind = openSSHPublicKeyKind(text) {
            return .otherKey("an OpenSSH public key (\(openSSHKind)), a format envlock does not read")
        }
        let block = try PEMBlock.parse(text)
        if !block.headers.isEmpty {
            guard block.headers.contains(where: { $0.hasPrefix("Proc-Type:") && $0.hasSuffix("ENCRYPTED") }) else {
                throw .malformed("the PEM block has header lines, which key files do not use")
            }
            return .otherKey("an encrypted \(legacyLabelKind(block.label) ?? "private key") (envlock reads unencrypted Ed25519 keys only)")
        }
        switch block.label {
        case "PRIVATE KEY":
            return try wrap { () throws(DERFailure) in try privateKeyInfo(block.decodedDER()) }
        case "PUBLIC KEY":
            return try wrap { () throws(DERFailure) in try subjectPublicKeyInfo(block.decodedDER()) }
        case "EC PRIVATE KEY":
            return .otherKey("an \(sec1CurveName(try block.decodedBody()).map { "ECDSA \($0)" } ?? "ECDSA") private key")
        case "ENCRYPTED PRIVATE KEY":
            return .otherKey(
                "an encrypted private key (envlock reads unencrypted keys only; `openssl pkey -in \(ShellQuoting.quoted(path)) -out KEY.pem` writes a decrypted copy)"
            )
        case "OPENSSH PRIVATE KEY":
            // ssh-keygen -p -m PKCS8 leaves Ed25519 keys in OpenSSH format (checked with OpenSSH 9.2),
            // so the honest advice is a new key rather than a conversion.
            return .otherKey(
                "an OpenSSH-format private key (a format envlock and openssl cannot read, and that ssh-keygen cannot convert to PKCS#8 for Ed25519)"
            )
        case "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE":
            return .otherKey("an X.509 certificate")
        default:
            if let kind = legacyLabelKind(block.label) { return .otherKey("\(kind.first == "D" ? "a" : "an") \(kind)") }
            return .otherKey("a PEM block labelled \"\(block.label)\"")
        }
    }

    private static func wrap(_ body: () throws(DERFailure) -> KeyFileContent) throws(PEMBlock.Failure) -> KeyFileContent {
        do throws(DERFailure) {
            return try body()
        } catch {
            throw .malformed(error.reason)
        }
    }

    /// The key kind that a traditional (pre-PKCS#8) OpenSSL label names.
    private static func legacyLabelKind(_ label: String) -> String? {
        switch label {
        case "RSA PRIVATE KEY": "RSA private key"
        case "RSA PUBLIC KEY": "RSA public key"
        case "DSA PRIVATE KEY": "DSA private key"
        case "EC PRIVATE KEY": "ECDSA private key"
        default: nil
        }
    }

    /// PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208, RFC 5958, RFC 8410).
    static func privateKeyInfo(_ der: [UInt8]) throws(DERFailure) -> KeyFileContent {
        var outer = DERReader(der)
        var info = DERReader(try outer.read(DERReader.sequence, "a PKCS#8 SEQUENCE"))
        guard outer.isAtEnd else { throw DERFailure(reason: "there are bytes after the PKCS#8 structure") }
        let version = try info.read(DERReader.integer, "the PKCS#8 version")
        guard version.elementsEqual([0]) || version.elementsEqual([1]) else {
            throw DERFailure(reason: "the PKCS#8 version is neither 0 nor 1")
        }
        let (algorithm, parameters) = try algorithmIdentifier(&info)
        let privateKey = try info.read(DERReader.octetString, "the private key OCTET STRING")
        guard algorithm == ed25519 else {
            return .otherKey(keyPhrase(algorithm: algorithm, parameters: parameters, role: "private"))
        }
        guard parameters == nil else { throw DERFailure(reason: "an Ed25519 algorithm identifier carries parameters") }
        var curvePrivateKey = DERReader(privateKey)
        let seed = try curvePrivateKey.read(DERReader.octetString, "the Ed25519 CurvePrivateKey")
        guard curvePrivateKey.isAtEnd, seed.count == 32 else {
            throw DERFailure(reason: "the Ed25519 private key is not 32 bytes")
        }
        if info.nextTag == DERReader.contextConstructed0 {
            _ = try info.read()
        }
        var embeddedPublicKey: [UInt8]?
        if info.nextTag == DERReader.contextPrimitive1 {
            let bits = try info.read().content
            guard bits.count == 33, bits.first == 0 else {
                throw DERFailure(reason: "the embedded Ed25519 public key is not 32 bytes")
            }
            embeddedPublicKey = Array(bits.dropFirst())
        }
        guard info.isAtEnd else { throw DERFailure(reason: "the PKCS#8 structure has unexpected trailing fields") }
        return .ed25519PrivateKey(seed: Array(seed), embeddedPublicKey: embeddedPublicKey)
    }

    /// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 8410).
    static func subjectPublicKeyInfo(_ der: [UInt8]) throws(DERFailure) -> KeyFileContent {
        var outer = DERReader(der)
        var info = DERReader(try outer.read(DERReader.sequence, "a SubjectPublicKeyInfo SEQUENCE"))
        guard outer.isAtEnd else { throw DERFailure(reason: "there are bytes after the SubjectPublicKeyInfo structure") }
        let (algorithm, parameters) = try algorithmIdentifier(&info)
        let bits = try info.read(DERReader.bitString, "the public key BIT STRING")
        guard info.isAtEnd else { throw DERFailure(reason: "the SubjectPublicKeyInfo structure has unexpected trailing fields") }
        guard algorithm == ed25519 else {
            return .otherKey(keyPhrase(algorithm: algorithm, parameters: parameters, role: "public"))
        }
        guard parameters == nil else { throw DERFailure(reason: "an Ed25519 algorithm identifier carries parameters") }
        guard bits.count == 33, bits.first == 0 else { throw DERFailure(reason: "the Ed25519 public key is not 32 bytes") }
        return .ed25519PublicKey(Array(bits.dropFirst()))
    }

    private static func algorithmIdentifier(_ reader: inout DERReader) throws(DERFailure) -> (String, DERElement?) {
        var identifier = DERReader(try reader.read(DERReader.sequence, "an AlgorithmIdentifier SEQUENCE"))
        let algorithm = try DERReader.dottedObjectIdentifier(
            identifier.read(DERReader.objectIdentifier, "an algorithm OBJECT IDENTIFIER")
        )
        let parameters = identifier.isAtEnd ? nil : try identifier.read()
        guard identifier.isAtEnd else { throw DERFailure(reason: "an AlgorithmIdentifier has unexpected trailing fields") }
        return (algorithm, parameters)
    }

    /// "an ECDSA P-256 private key", "an RSA public key", "a private key with algorithm OID 1.2.3".
    static func keyPhrase(algorithm: String, parameters: DERElement?, role: String) -> String {
        switch algorithm {
        case ed25519: return "an Ed25519 \(role) key"
        case x25519: return "an X25519 \(role) key"
        case "1.3.101.111": return "an X448 \(role) key"
        case "1.3.101.113": return "an Ed448 \(role) key"
        case rsaEncryption: return "an RSA \(role) key"
        case "1.2.840.113549.1.1.10": return "an RSA-PSS \(role) key"
        case "1.2.840.10040.4.1": return "a DSA \(role) key"
        case "1.2.840.10046.2.1", "1.2.840.113549.1.3.1": return "a Diffie-Hellman \(role) key"
        case ecPublicKey:
            // Naming the curve is a courtesy in an error message; a key whose curve cannot be
            // read is still rejected, only named less precisely.
            guard let parameters, parameters.tag == DERReader.objectIdentifier,
                let curve = try? DERReader.dottedObjectIdentifier(parameters.content)
            else { return "an ECDSA \(role) key" }
            return "an ECDSA \(curveName(curve)) \(role) key"
        default: return "a \(role) key with algorithm OID \(algorithm)"
        }
    }

    private static func curveName(_ oid: String) -> String {
        switch oid {
        case "1.2.840.10045.3.1.7": "P-256"
        case "1.3.132.0.34": "P-384"
        case "1.3.132.0.35": "P-521"
        case "1.3.132.0.10": "secp256k1"
        default: "(curve \(oid))"
        }
    }

    /// The curve an SEC1 ECPrivateKey (RFC 5915) names, when it names one.
    ///
    /// The key is rejected either way; an unreadable structure only makes the name less precise.
    private static func sec1CurveName(_ der: [UInt8]) -> String? {
        var outer = DERReader(der)
        guard let sequence = try? outer.read(DERReader.sequence, "an ECPrivateKey SEQUENCE") else { return nil }
        var key = DERReader(sequence)
        guard (try? key.read(DERReader.integer, "version")) != nil,
            (try? key.read(DERReader.octetString, "privateKey")) != nil,
            let parameters = try? key.read(DERReader.contextConstructed0, "parameters")
        else { return nil }
        var curve = DERReader(parameters)
        guard let oid = try? curve.read(DERReader.objectIdentifier, "namedCurve"),
            let dotted = try? DERReader.dottedObjectIdentifier(oid)
        else { return nil }
        return curveName(dotted)
    }

    /// "ssh-ed25519" when `text` is a line from an OpenSSH public key file.
    private static func openSSHPublicKeyKind(_ text: [UInt8]) -> String? {
        let prefixes = ["ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]
        let head = String(decoding: text.prefix(64), as: UTF8.self)
        return prefixes.first { head.hasPrefix($0 + " ") }
    }
}

extension PEMBlock {
    fileprivate func decodedDER() throws(DERFailure) -> [UInt8] {
        do throws(PEMBlock.Failure) {
            return try decodedBody()
        } catch {
            throw DERFailure(reason: "the body is not valid base64")
        }
    }
}

import Testing
@testable import EnvLock

/// Reading PEM key text: Ed25519 keys load; every other kind is named in the error.
@Suite struct KeyPEMTests {
    @Test func opensslEd25519KeyLoadsAndReencodesByteForByte() throws {
        let key = try SigningKey(pem: KeyFixtures.ed25519Private, path: "k.pem")
        #expect(key.pemRepresentation == KeyFixtures.ed25519Private)
        #expect(key.verifyingKey.pemRepresentation == KeyFixtures.ed25519Public)
        let publicKey = try VerifyingKey(pem: KeyFixtures.ed25519Public, path: "k.pub.pem")
        #expect(publicKey == key.verifyingKey)
    }

    @Test func keyIDIsSHA256OfTheRawPublicKey() throws {
        // RFC 8032 TEST 1's public key; the digest was computed independently with `sha256sum`.
        let key = try VerifyingKey(
            rawRepresentation: bytesFromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")!
        )
        #expect(key.keyID == "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9")
    }

    struct WrongKind: CustomTestStringConvertible, Sendable {
        var pem: String
        var found: String
        var testDescription: String { found }
    }

    static let offeredAsPrivate: [WrongKind] = [
        WrongKind(pem: KeyFixtures.x25519Private, found: "an X25519 private key"),
        WrongKind(pem: KeyFixtures.p256Private, found: "an ECDSA P-256 private key"),
        WrongKind(pem: KeyFixtures.p384Private, found: "an ECDSA P-384 private key"),
        WrongKind(pem: KeyFixtures.p256SEC1Private, found: "an ECDSA P-256 private key"),
        WrongKind(pem: KeyFixtures.ed448Private, found: "an Ed448 private key"),
        WrongKind(pem: KeyFixtures.rsaPrivate, found: "an RSA private key"),
        WrongKind(pem: KeyFixtures.rsaTraditionalPrivate, found: "an RSA private key"),
        WrongKind(pem: KeyFixtures.ed25519Public, found: "an Ed25519 public key"),
        WrongKind(pem: KeyFixtures.x25519Public, found: "an X25519 public key"),
        WrongKind(pem: KeyFixtures.rsaPublic, found: "an RSA public key"),
        WrongKind(pem: KeyFixtures.certificate, found: "an X.509 certificate"),
        WrongKind(
            pem: KeyFixtures.encryptedP256SEC1Private,
            found: "an encrypted ECDSA private key (envlock reads unencrypted Ed25519 keys only)"
        ),
        WrongKind(pem: "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", found: "a DSA private key"),
        WrongKind(pem: "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", found: "a PEM block labelled \"X509 CRL\""),
        WrongKind(
            pem: KeyFixtures.encryptedEd25519Private,
            found: "an encrypted private key (envlock reads unencrypted keys only; `openssl pkey -in k.pem -out KEY.pem` writes a decrypted copy)"
        ),
        WrongKind(
            pem: KeyFixtures.openSSHPrivate,
            found: "an OpenSSH-format private key (a format envlock and openssl cannot read, and that ssh-keygen cannot convert to PKCS#8 for Ed25519)"
        ),
        WrongKind(pem: KeyFixtures.openSSHPublic, found: "an OpenSSH public key (ssh-ed25519), a format envlock does not read"),
    ]

    @Test(arguments: offeredAsPrivate)
    func wrongKindOfferedAsPrivateKeyIsNamed(_ offered: WrongKind) {
        #expect(throws: KeyFileError.unsupportedKey(path: "k.pem", found: offered.found, expected: .ed25519PrivateKey)) {
            try SigningKey(pem: offered.pem, path: "k.pem")
        }
    }

    static let offeredAsPublic: [WrongKind] = [
        WrongKind(pem: KeyFixtures.ed25519Private, found: "an Ed25519 private key"),
        WrongKind(pem: KeyFixtures.x25519Public, found: "an X25519 public key"),
        WrongKind(pem: KeyFixtures.p256Public, found: "an ECDSA P-256 public key"),
        WrongKind(pem: KeyFixtures.rsaPublic, found: "an RSA public key"),
        WrongKind(pem: KeyFixtures.x25519Private, found: "an X25519 private key"),
        WrongKind(pem: KeyFixtures.p256Private, found: "an ECDSA P-256 private key"),
    ]

    @Test(arguments: offeredAsPublic)
    func wrongKindOfferedAsPublicKeyIsNamed(_ offered: WrongKind) {
        #expect(throws: KeyFileError.unsupportedKey(path: "k.pub.pem", found: offered.found, expected: .ed25519PublicKey)) {
            try VerifyingKey(pem: offered.pem, path: "k.pub.pem")
        }
    }

    @Test func wrongKindMessageSaysWhatWasFoundAndWhatToDo() {
        let error = KeyFileError.unsupportedKey(path: "k.pem", found: "an X25519 private key", expected: .ed25519PrivateKey)
        #expect(error.description.contains("k.pem holds an X25519 private key, where an Ed25519 private key is expected"))
        #expect(error.description.contains("envlock keygen --output KEY.pem"))
        let publicError = KeyFileError.unsupportedKey(path: "k.pem", found: "an Ed25519 private key", expected: .ed25519PublicKey)
        #expect(publicError.description.contains("openssl pkey -in KEY.pem -pubout"))
    }

    @Test func textWithoutAPEMBlockIsNotPEM() {
        #expect(throws: KeyFileError.notPEM(path: "k.pem")) { try SigningKey(pem: "", path: "k.pem") }
        #expect(throws: KeyFileError.notPEM(path: "k.pem")) { try SigningKey(pem: "MC4CAQAwBQYDK2VwBCIEIE1H\n", path: "k.pem") }
    }

    @Test func twoBlocksAreRefusedRatherThanGuessedAt() {
        #expect(throws: KeyFileError.multiplePEMBlocks(path: "k.pem", count: 2)) {
            try SigningKey(pem: KeyFixtures.ed25519Private + KeyFixtures.x25519Private, path: "k.pem")
        }
        #expect(throws: KeyFileError.multiplePEMBlocks(path: "k.pub.pem", count: 2)) {
            try VerifyingKey(pem: KeyFixtures.ed25519Public + KeyFixtures.ed25519Public, path: "k.pub.pem")
        }
    }

    @Test func crlfLineEndingsAndSurroundingBlankLinesAreAccepted() throws {
        let crlf = KeyFixtures.ed25519Private.split(separator: "\n").joined(separator: "\r\n") + "\r\n"
        #expect(try SigningKey(pem: crlf, path: "k.pem").pemRepresentation == KeyFixtures.ed25519Private)
        #expect(try SigningKey(pem: "\n\n" + KeyFixtures.ed25519Private + "\n  \n", path: "k.pem").pemRepresentation == KeyFixtures.ed25519Private)
    }

    struct BrokenPEM: CustomTestStringConvertible, Sendable {
        var name: String
        var pem: String
        var reason: String
        var testDescription: String { name }
    }

    static let body = "MC4CAQAwBQYDK2VwBCIEIE1HklfosscZ65B2Z/986s6wiuqdpRCeJxB+DV4Le/8Z"

    /// PKCS#8 for an Ed25519 seed, with the DER written out so that each field can be broken.
    static func pkcs8(_ der: [UInt8]) -> String {
        "-----BEGIN PRIVATE KEY-----\n\(Base64Codec.encode(der))\n-----END PRIVATE KEY-----\n"
    }

    static let seed = [UInt8](1...32)
    static let ed25519Header: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]

    static let broken: [BrokenPEM] = [
        BrokenPEM(name: "text before", pem: "key:\n" + KeyFixtures.ed25519Private, reason: "there is text outside the PEM block"),
        BrokenPEM(name: "text after", pem: KeyFixtures.ed25519Private + "trailer\n", reason: "there is text outside the PEM block"),
        BrokenPEM(
            name: "END mismatch", pem: "-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PUBLIC KEY-----\n",
            reason: "the END line does not match -----BEGIN PRIVATE KEY-----"
        ),
        BrokenPEM(name: "no END", pem: "-----BEGIN PRIVATE KEY-----\n\(body)\n", reason: "there is no -----END PRIVATE KEY----- line"),
        BrokenPEM(name: "empty", pem: "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", reason: "the PEM block is empty"),
        BrokenPEM(
            name: "bad base64", pem: "-----BEGIN PRIVATE KEY-----\n\(body.dropLast())\n-----END PRIVATE KEY-----\n",
            reason: "the body is not valid base64"
        ),
        BrokenPEM(
            name: "header line", pem: "-----BEGIN PRIVATE KEY-----\nComment: hi\n\n\(body)\n-----END PRIVATE KEY-----\n",
            reason: "the PEM block has header lines, which key files do not use"
        ),
        BrokenPEM(name: "non-ASCII", pem: "é" + KeyFixtures.ed25519Private, reason: "it contains bytes that are not ASCII"),
        BrokenPEM(name: "truncated DER", pem: pkcs8(Array((ed25519Header + seed).dropLast())), reason: "a DER element is longer than the data"),
        BrokenPEM(name: "trailing DER bytes", pem: pkcs8(ed25519Header + seed + [0]), reason: "there are bytes after the PKCS#8 structure"),
        BrokenPEM(
            name: "31-byte seed",
            pem: pkcs8([0x30, 0x2D, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x21, 0x04, 0x1F] + seed.dropLast()),
            reason: "the Ed25519 private key is not 32 bytes"
        ),
        BrokenPEM(
            name: "Ed25519 with NULL parameters",
            pem: pkcs8([0x30, 0x30, 0x02, 0x01, 0x00, 0x30, 0x07, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x05, 0x00, 0x04, 0x22, 0x04, 0x20] + seed),
            reason: "an Ed25519 algorithm identifier carries parameters"
        ),
        BrokenPEM(
            name: "version 2",
            pem: pkcs8([0x30, 0x2E, 0x02, 0x01, 0x02] + ed25519Header.dropFirst(5) + seed),
            reason: "the PKCS#8 version is neither 0 nor 1"
        ),
        BrokenPEM(
            name: "long-form length where short form fits",
            pem: pkcs8([0x30, 0x81, 0x2E] + ed25519Header.dropFirst(2) + seed),
            reason: "a DER length is not in its shortest form"
        ),
    ]

    @Test(arguments: broken)
    func brokenPEMIsMalformedWithTheReason(_ broken: BrokenPEM) {
        #expect(throws: KeyFileError.malformed(path: "k.pem", reason: broken.reason)) {
            try SigningKey(pem: broken.pem, path: "k.pem")
        }
    }

    @Test func handWrittenPKCS8MatchesWhatEnvlockWrites() throws {
        let key = try SigningKey(pem: Self.pkcs8(Self.ed25519Header + Self.seed), path: "k.pem")
        #expect(key.seed == Self.seed)
        #expect(key.pemRepresentation == Self.pkcs8(Self.ed25519Header + Self.seed))
    }

    @Test func pkcs8Version2WithItsOwnPublicKeyLoads() throws {
        let publicKey = try SigningKey(seed: Self.seed).verifyingKey.rawRepresentation
        let der: [UInt8] = [0x30, 0x51, 0x02, 0x01, 0x01] + Self.ed25519Header.dropFirst(5) + Self.seed + [0x81, 0x21, 0x00] + publicKey
        #expect(try SigningKey(pem: Self.pkcs8(der), path: "k.pem").verifyingKey.rawRepresentation == publicKey)
    }

    @Test func pkcs8Version2WithAnotherPublicKeyIsRefused() throws {
        let otherPublicKey = SigningKey.generate().verifyingKey.rawRepresentation
        let der: [UInt8] = [0x30, 0x51, 0x02, 0x01, 0x01] + Self.ed25519Header.dropFirst(5) + Self.seed + [0x81, 0x21, 0x00] + otherPublicKey
        #expect(throws: KeyFileError.mismatchedPublicKey(path: "k.pem")) {
            try SigningKey(pem: Self.pkcs8(der), path: "k.pem")
        }
    }

    @Test func signingKeyDescriptionsNeverShowTheSecret() throws {
        let key = try SigningKey(pem: KeyFixtures.ed25519Private, path: "k.pem")
        let secretBase64 = Base64Codec.encode(key.seed)
        let secretHex = key.seed.map { String($0, radix: 16) }.joined()
        for text in [String(describing: key), String(reflecting: key), "\(key)"] {
            #expect(!text.contains(secretBase64) && !text.contains(secretHex))
            #expect(text.contains(key.verifyingKey.keyID))
        }
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains(secretHex))
    }
}

/// The strict base64 codec behind signature values and PEM bodies.
@Suite struct Base64CodecTests {
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64Codec.encode(Array(plain.utf8)) == encoded)
        #expect(Base64Codec.decode(encoded) == Array(plain.utf8))
    }

    @Test(arguments: ["Zg", "Zg=", "Zh==", "Zm9=", "Zm9v\n", " Zm9v", "Zm-v", "Zm_v", "Zg==Zg==", "===="])
    func nonCanonicalTextIsRejected(_ text: String) {
        #expect(Base64Codec.decode(text) == nil)
    }

    @Test func everyByteValueRoundTrips() {
        let bytes = (0...255).map(UInt8.init)
        for length in 0...bytes.count {
            #expect(Base64Codec.decode(Base64Codec.encode(Array(bytes.prefix(length)))) == Array(bytes.prefix(length)))
        }
    }
}

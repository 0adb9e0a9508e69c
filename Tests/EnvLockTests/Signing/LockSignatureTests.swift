import Testing
@testable import EnvLock

/// The bytes a signature covers.
@Suite struct SignedMessageTests {
    @Test func dssePAEMatchesTheSpecificationsExample() {
        // From the DSSE protocol description: PAE("http://example.com/HelloWorld", "hello world").
        let bytes = SignedMessage.bytes(payloadType: "http://example.com/HelloWorld", body: Array("hello world".utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func lockMessageIsTheLockPayloadTypeAndTheCanonicalBytes() {
        let canonical = Array(#"{"envlock":"1"}"#.utf8)
        let expected = #"DSSEv1 44 application/vnd.envlock.lock+json; version=1 15 {"envlock":"1"}"#
        #expect(String(decoding: SignedMessage.bytes(canonical: canonical), as: UTF8.self) == expected)
        #expect(String(decoding: SignedMessage.bytes(canonical: []), as: UTF8.self) == "DSSEv1 44 application/vnd.envlock.lock+json; version=1 0 ")
    }

    @Test func lengthsCountBytesNotCharacters() {
        let body = Array(#"{"name":"é😂"}"#.utf8)
        #expect(body.count == 17)
        #expect(String(decoding: SignedMessage.bytes(payloadType: "ü", body: body), as: UTF8.self) == #"DSSEv1 2 ü 17 {"name":"é😂"}"#)
    }
}

/// Signing and verifying a lock's signature block.
@Suite struct LockSignatureTests {
    static let canonical = Array(#"{"envlock":"1","facts":{"host.os.id":"debian"},"profile":"example"}"#.utf8)

    let signer = SigningKey.generate()

    @Test func signatureBlockNamesTheAlgorithmKeyAndA64ByteValue() throws {
        let signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        #expect(signature.algorithm == "ed25519")
        #expect(signature.keyID == signer.verifyingKey.keyID)
        #expect(Base64Codec.decode(signature.value)?.count == 64)
    }

    @Test func aTrustedKeysSignatureVerifiesAndNamesTheKey() throws {
        let signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        let other = SigningKey.generate().verifyingKey
        #expect(try signature.verify(canonical: Self.canonical, trustedKeys: [other, signer.verifyingKey]) == signer.verifyingKey)
    }

    @Test func anyOneByteChangeOfTheCanonicalBytesFails() throws {
        let signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        for index in Self.canonical.indices {
            var changed = Self.canonical
            changed[index] ^= 0x01
            #expect(throws: SignatureError.invalid(keyID: signer.verifyingKey.keyID)) {
                try signature.verify(canonical: changed, trustedKeys: [signer.verifyingKey])
            }
        }
    }

    @Test func signatureMadeForAnotherPurposeDoesNotVerify() throws {
        let keyID = signer.verifyingKey.keyID
        let bare = try signer.signature(for: Self.canonical)
        let otherType = try signer.signature(for: SignedMessage.bytes(payloadType: "application/vnd.in-toto+json", body: Self.canonical))
        let otherVersion = try signer.signature(
            for: SignedMessage.bytes(payloadType: "application/vnd.envlock.lock+json; version=2", body: Self.canonical)
        )
        for value in [bare, otherType, otherVersion] {
            let signature = LockSignature(algorithm: "ed25519", keyID: keyID, value: Base64Codec.encode(value))
            #expect(throws: SignatureError.invalid(keyID: keyID)) {
                try signature.verify(canonical: Self.canonical, trustedKeys: [signer.verifyingKey])
            }
        }
    }

    @Test func aSignatureByAnUntrustedKeyIsRefusedEvenWhenValid() throws {
        let signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        let trusted = SigningKey.generate().verifyingKey
        #expect(throws: SignatureError.untrustedKey(keyID: signer.verifyingKey.keyID, trusted: [trusted.keyID])) {
            try signature.verify(canonical: Self.canonical, trustedKeys: [trusted])
        }
    }

    @Test func claimingATrustedKeysIDDoesNotMakeAnotherKeysSignatureValid() throws {
        let attacker = SigningKey.generate()
        var forged = try LockSignature.sign(canonical: Self.canonical, with: attacker)
        forged.keyID = signer.verifyingKey.keyID
        #expect(throws: SignatureError.invalid(keyID: signer.verifyingKey.keyID)) {
            try forged.verify(canonical: Self.canonical, trustedKeys: [signer.verifyingKey])
        }
    }

    @Test func withoutTrustedKeysNothingVerifies() throws {
        let signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        #expect(throws: SignatureError.noTrustedKeys) {
            try signature.verify(canonical: Self.canonical, trustedKeys: [])
        }
    }

    @Test(arguments: ["none", "", "Ed25519", "ED25519", "ed448", "ecdsa-p256", "ed25519 "])
    func onlyTheExactAlgorithmNameEd25519IsAccepted(_ algorithm: String) throws {
        var signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        signature.algorithm = algorithm
        #expect(throws: SignatureError.unsupportedAlgorithm(algorithm)) {
            try signature.verify(canonical: Self.canonical, trustedKeys: [signer.verifyingKey])
        }
    }

    @Test func algorithmNoneSaysItSignsNothing() {
        #expect(SignatureError.unsupportedAlgorithm("none").description.contains("signs nothing"))
    }

    @Test(arguments: [63, 65, 0, 128])
    func signaturesOfTheWrongLengthAreRefused(_ length: Int) throws {
        var signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        let bytes = Base64Codec.decode(signature.value)!
        signature.value = Base64Codec.encode(Array((bytes + bytes + bytes).prefix(length)))
        #expect(throws: SignatureError.wrongLength(length)) {
            try signature.verify(canonical: Self.canonical, trustedKeys: [signer.verifyingKey])
        }
    }

    @Test func aValueThatIsNotCanonicalBase64IsRefused() throws {
        var signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        for value in [signature.value + "\n", String(signature.value.dropLast(2)), "!" + signature.value.dropFirst()] {
            signature.value = value
            #expect(throws: SignatureError.malformedValue) {
                try signature.verify(canonical: Self.canonical, trustedKeys: [signer.verifyingKey])
            }
        }
    }

    @Test(arguments: ["", "ABC", String(repeating: "A", count: 64), String(repeating: "0", count: 63), String(repeating: "g", count: 64)])
    func aKeyIDThatIsNotLowercaseHexSHA256IsRefused(_ keyID: String) throws {
        var signature = try LockSignature.sign(canonical: Self.canonical, with: signer)
        signature.keyID = keyID
        #expect(throws: SignatureError.malformedKeyID(keyID)) {
            try signature.verify(canonical: Self.canonical, trustedKeys: [signer.verifyingKey])
        }
    }

    @Test func messagesTellTheUserWhatToDo() {
        #expect(SignatureError.missing.description.contains("--allow-unsigned"))
        #expect(SignatureError.noTrustedKeys.description.contains("ENVLOCK_TRUST"))
        #expect(SignatureError.untrustedKey(keyID: "ab", trusted: ["cd"]).description.contains("--trust"))
        #expect(SignatureError.invalid(keyID: "ab").description.contains("modified after it was signed"))
    }
}

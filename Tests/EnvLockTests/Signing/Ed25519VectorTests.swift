import Testing
@testable import EnvLock

/// RFC 8032 §7.1 and Project Wycheproof vectors from `../shared/conformance/ed25519/`.
@Suite struct Ed25519VectorTests {
    struct RFC8032Vector: CustomTestStringConvertible {
        var name: String
        var secretKey: [UInt8]
        var publicKey: [UInt8]
        var message: [UInt8]
        var signature: [UInt8]
        var testDescription: String { name }
    }

    struct WycheproofCase: CustomTestStringConvertible {
        var id: Int
        var comment: String
        var publicKey: [UInt8]
        var publicKeyPEM: String
        var message: [UInt8]
        var signature: [UInt8]
        var isValid: Bool
        var testDescription: String { "tcId \(id) \(comment)" }
    }

    static let rfc8032: [RFC8032Vector] = {
        let document = try! TestJSON.read(path: SharedData.conformance + "/ed25519/rfc8032.json")
        return document["vectors"]!.array!.map { vector in
            RFC8032Vector(
                name: vector["name"]!.string!,
                secretKey: bytesFromHex(vector["secret_key"]!.string!)!,
                publicKey: bytesFromHex(vector["public_key"]!.string!)!,
                message: bytesFromHex(vector["message"]!.string!)!,
                signature: bytesFromHex(vector["signature"]!.string!)!
            )
        }
    }()

    static let wycheproof: [WycheproofCase] = {
        let document = try! TestJSON.read(path: SharedData.conformance + "/ed25519/wycheproof_ed25519_test.json")
        return document["testGroups"]!.array!.flatMap { group in
            group["tests"]!.array!.map { test in
                WycheproofCase(
                    id: test["tcId"]!.int!,
                    comment: test["comment"]!.string!,
                    publicKey: bytesFromHex(group["publicKey"]!["pk"]!.string!)!,
                    publicKeyPEM: group["publicKeyPem"]!.string!,
                    message: bytesFromHex(test["msg"]!.string!)!,
                    signature: bytesFromHex(test["sig"]!.string!)!,
                    isValid: test["result"]!.string! == "valid"
                )
            }
        }
    }()

    @Test func vectorFilesHoldEveryCase() {
        #expect(Self.rfc8032.count == 5)
        #expect(Self.wycheproof.count == 151)
        #expect(Self.wycheproof.filter(\.isValid).count == 88)
    }

    @Test(arguments: rfc8032)
    func rfc8032DerivesSignsAndVerifies(_ vector: RFC8032Vector) throws {
        let key = try SigningKey(seed: vector.secretKey)
        #expect(key.verifyingKey.rawRepresentation == vector.publicKey)
        // Ed25519 is deterministic (RFC 8032 §5.1.6); BoringSSL, which swift-crypto uses on Linux,
        // follows it. Apple's CryptoKit randomises signatures, so this line is Linux-only by nature.
        #expect(try key.signature(for: vector.message) == vector.signature)
        #expect(key.verifyingKey.isValidSignature(vector.signature, for: vector.message))
    }

    @Test(arguments: rfc8032)
    func rfc8032RejectsTamperedSignaturesAndMessages(_ vector: RFC8032Vector) throws {
        let key = try VerifyingKey(rawRepresentation: vector.publicKey)
        var flippedSignature = vector.signature
        flippedSignature[0] ^= 0x01
        #expect(!key.isValidSignature(flippedSignature, for: vector.message))
        #expect(!key.isValidSignature(vector.signature, for: vector.message + [0]))
    }

    @Test(arguments: rfc8032)
    func signaturesOfAnyLengthButSixtyFourFail(_ vector: RFC8032Vector) throws {
        let key = try VerifyingKey(rawRepresentation: vector.publicKey)
        #expect(!key.isValidSignature(Array(vector.signature.dropLast()), for: vector.message))
        #expect(!key.isValidSignature(vector.signature + [0], for: vector.message))
        #expect(!key.isValidSignature([], for: vector.message))
    }

    @Test(arguments: wycheproof)
    func wycheproofVerdict(_ test: WycheproofCase) throws {
        let key = try VerifyingKey(rawRepresentation: test.publicKey)
        #expect(key.isValidSignature(test.signature, for: test.message) == test.isValid)
    }

    @Test func wycheproofPublicKeyPEMsLoadAsTheirRawKeys() throws {
        var seen = Set<[UInt8]>()
        for test in Self.wycheproof where seen.insert(test.publicKey).inserted {
            let key = try VerifyingKey(pem: test.publicKeyPEM, path: "tcId \(test.id)")
            #expect(key.rawRepresentation == test.publicKey)
            #expect(key.pemRepresentation == test.publicKeyPEM + (test.publicKeyPEM.hasSuffix("\n") ? "" : "\n"))
        }
        #expect(seen.count > 1)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EnvLock

/// Key files on disk: modes, refusals, and what a reader sees.
@Suite struct KeyFilesTests {
    @Test(arguments: [
        ("KEY.pem", "KEY.pub.pem"), ("/etc/envlock/signing.pem", "/etc/envlock/signing.pub.pem"),
        ("key", "key.pub.pem"), ("dir.pem/key", "dir.pem/key.pub.pem"), (".pem", ".pem.pub.pem"),
    ])
    func publicKeyPathIsBesideThePrivateKey(_ privatePath: String, _ publicPath: String) {
        #expect(KeyFiles.publicKeyPath(forPrivateKeyAt: privatePath) == publicPath)
    }

    @Test func keyPairRoundTripsThroughFiles() throws {
        try withScratchFolder { folder in
            let key = SigningKey.generate()
            try KeyFiles.writeKeyPair(key, privatePath: folder + "/KEY.pem")
            #expect(FileFixture.names(in: folder) == ["KEY.pem", "KEY.pub.pem"])
            let loaded = try KeyFiles.readPrivateKey(at: folder + "/KEY.pem")
            #expect(loaded.verifyingKey == key.verifyingKey)
            #expect(try KeyFiles.readPublicKey(at: folder + "/KEY.pub.pem") == key.verifyingKey)
            #expect(try FileFixture.readText(folder + "/KEY.pem") == key.pemRepresentation)
        }
    }

    @Test func privateKeyIsCreated0600AndPublicKey0644EvenUnderAPermissiveUmask() throws {
        try withScratchFolder { folder in
            // umask is process-wide; it is cleared only for this call and restored at once, and
            // every file the tests create sets its mode explicitly, so parallel tests are unaffected.
            let previous = umask(0)
            defer { umask(previous) }
            try KeyFiles.writeKeyPair(SigningKey.generate(), privatePath: folder + "/KEY.pem")
            #expect(FileFixture.mode(folder + "/KEY.pem") == 0o600)
            #expect(FileFixture.mode(folder + "/KEY.pub.pem") == 0o644)
        }
    }

    @Test func anExistingPrivateKeyIsNeverOverwritten() throws {
        try withScratchFolder { folder in
            try FileFixture.write("precious", to: folder + "/KEY.pem", mode: 0o600)
            #expect(throws: KeyFileError.exists(path: folder + "/KEY.pem")) {
                try KeyFiles.writeKeyPair(SigningKey.generate(), privatePath: folder + "/KEY.pem")
            }
            #expect(try FileFixture.readText(folder + "/KEY.pem") == "precious")
            #expect(FileFixture.names(in: folder) == ["KEY.pem"])
        }
    }

    @Test func anExistingPublicKeyStopsTheWholePair() throws {
        try withScratchFolder { folder in
            try FileFixture.write("precious", to: folder + "/KEY.pub.pem")
            #expect(throws: KeyFileError.exists(path: folder + "/KEY.pub.pem")) {
                try KeyFiles.writeKeyPair(SigningKey.generate(), privatePath: folder + "/KEY.pem")
            }
            #expect(try FileFixture.readText(folder + "/KEY.pub.pem") == "precious")
            #expect(FileFixture.names(in: folder) == ["KEY.pub.pem"])
        }
    }

    @Test(arguments: ["KEY.pem", "KEY.pub.pem"])
    func aSymbolicLinkDestinationIsRefusedAndNotFollowed(_ linkName: String) throws {
        try withScratchFolder { folder in
            // A dangling link: following it would create the victim file.
            try FileFixture.symlink(folder + "/victim", at: folder + "/" + linkName)
            #expect(throws: KeyFileError.symlinkDestination(path: folder + "/" + linkName)) {
                try KeyFiles.writeKeyPair(SigningKey.generate(), privatePath: folder + "/KEY.pem")
            }
            #expect(!FileFixture.exists(folder + "/victim"))
            #expect(FileFixture.names(in: folder) == [linkName])
        }
    }

    @Test func aFolderDestinationCountsAsExisting() throws {
        try withScratchFolder { folder in
            mkdir(folder + "/KEY.pem", 0o755)
            #expect(throws: KeyFileError.exists(path: folder + "/KEY.pem")) {
                try KeyFiles.writeKeyPair(SigningKey.generate(), privatePath: folder + "/KEY.pem")
            }
        }
    }

    @Test func aMissingFolderIsReportedWithTheStepThatFailed() throws {
        try withScratchFolder { folder in
            #expect(throws: KeyFileError.io(path: folder + "/no/KEY.pem", operation: "create a temporary file beside", errno: ENOENT)) {
                try KeyFiles.writeKeyPair(SigningKey.generate(), privatePath: folder + "/no/KEY.pem")
            }
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o670, 0o610, 0o601, 0o602, 0o620] as [mode_t])
    func aPrivateKeyThatOthersCanAccessIsRefusedLikeSSH(_ mode: mode_t) throws {
        try withScratchFolder { folder in
            let path = folder + "/KEY.pem"
            try FileFixture.write(KeyFixtures.ed25519Private, to: path, mode: mode)
            #expect(throws: KeyFileError.insecurePermissions(path: path, mode: UInt32(mode))) {
                try KeyFiles.readPrivateKey(at: path)
            }
        }
    }

    @Test func theInsecurePermissionsMessageGivesTheChmodToRun() {
        let error = KeyFileError.insecurePermissions(path: "/keys/KEY.pem", mode: 0o644)
        #expect(error.description.contains("mode 0644"))
        #expect(error.description.contains("chmod 600 /keys/KEY.pem"))
        let spaced = KeyFileError.insecurePermissions(path: "/my keys/it's.pem", mode: 0o640)
        #expect(spaced.description.contains(#"chmod 600 '/my keys/it'\''s.pem'"#))
    }

    @Test(arguments: [0o600, 0o400] as [mode_t])
    func aPrivateKeyOnlyItsOwnerCanReadLoads(_ mode: mode_t) throws {
        try withScratchFolder { folder in
            try FileFixture.write(KeyFixtures.ed25519Private, to: folder + "/KEY.pem", mode: mode)
            let key = try KeyFiles.readPrivateKey(at: folder + "/KEY.pem")
            #expect(key.pemRepresentation == KeyFixtures.ed25519Private)
        }
    }

    @Test func aPublicKeyFileOfferedAsPrivateIsNamedBeforeItsModeMatters() throws {
        try withScratchFolder { folder in
            try FileFixture.write(KeyFixtures.ed25519Public, to: folder + "/KEY.pub.pem", mode: 0o644)
            #expect(throws: KeyFileError.unsupportedKey(path: folder + "/KEY.pub.pem", found: "an Ed25519 public key", expected: .ed25519PrivateKey)) {
                try KeyFiles.readPrivateKey(at: folder + "/KEY.pub.pem")
            }
        }
    }

    @Test func aPrivateKeyFileOfferedAsPublicIsNamed() throws {
        try withScratchFolder { folder in
            try FileFixture.write(KeyFixtures.ed25519Private, to: folder + "/KEY.pem", mode: 0o600)
            #expect(throws: KeyFileError.unsupportedKey(path: folder + "/KEY.pem", found: "an Ed25519 private key", expected: .ed25519PublicKey)) {
                try KeyFiles.readPublicKey(at: folder + "/KEY.pem")
            }
        }
    }

    @Test func missingFolderAndSpecialFilesAreReportedWithoutReading() throws {
        try withScratchFolder { folder in
            #expect(throws: KeyFileError.io(path: folder + "/none.pem", operation: "open", errno: ENOENT)) {
                try KeyFiles.readPublicKey(at: folder + "/none.pem")
            }
            #expect(throws: KeyFileError.notARegularFile(path: folder)) {
                try KeyFiles.readPublicKey(at: folder)
            }
            // A FIFO would block a plain open until a writer appears.
            mkfifo(folder + "/fifo", 0o600)
            #expect(throws: KeyFileError.notARegularFile(path: folder + "/fifo")) {
                try KeyFiles.readPrivateKey(at: folder + "/fifo")
            }
            #expect(throws: KeyFileError.notARegularFile(path: "/dev/zero")) {
                try KeyFiles.readPublicKey(at: "/dev/zero")
            }
        }
    }

    @Test func aHugeFileIsNotReadAsAKey() throws {
        try withScratchFolder { folder in
            try FileFixture.write([UInt8](repeating: 0x41, count: KeyFiles.sizeLimit + 1), to: folder + "/big.pem")
            #expect(throws: KeyFileError.tooLarge(path: folder + "/big.pem", limit: KeyFiles.sizeLimit)) {
                try KeyFiles.readPublicKey(at: folder + "/big.pem")
            }
        }
    }

    @Test func aKeyReadThroughASymbolicLinkLoads() throws {
        try withScratchFolder { folder in
            try FileFixture.write(KeyFixtures.ed25519Public, to: folder + "/real.pub.pem")
            try FileFixture.symlink(folder + "/real.pub.pem", at: folder + "/link.pub.pem")
            #expect(try KeyFiles.readPublicKey(at: folder + "/link.pub.pem").pemRepresentation == KeyFixtures.ed25519Public)
        }
    }
}

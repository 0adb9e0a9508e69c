import Testing
@testable import EnvLock

@Suite struct TrustSourcesTests {
    @Test func flagsComeFirstThenEachFileOfTheVariable() {
        let sources = TrustSources(flags: ["team.pub.pem"], environment: ["ENVLOCK_TRUST": "/etc/envlock/a.pub.pem:/etc/envlock/b.pub.pem"])
        #expect(sources.keyFiles == ["team.pub.pem", "/etc/envlock/a.pub.pem", "/etc/envlock/b.pub.pem"])
    }

    @Test func emptyElementsOfTheVariableNameNoFile() {
        #expect(TrustSources(flags: [], environment: ["ENVLOCK_TRUST": ":a.pem::b.pem:"]).keyFiles == ["a.pem", "b.pem"])
        #expect(TrustSources(flags: [], environment: ["ENVLOCK_TRUST": ""]).keyFiles == [])
        #expect(TrustSources(flags: [], environment: ["ENVLOCK_TRUST": ":"]).keyFiles == [])
        #expect(TrustSources(flags: ["k.pem"], environment: [:]).keyFiles == ["k.pem"])
    }

    @Test func keysAreReadInOrder() throws {
        try withScratchFolder { folder in
            let path = folder + "/team.pub.pem"
            try FileFixture.write(Array(KeyFixtures.ed25519Public.utf8), to: path)
            let keys = try TrustSources(flags: [path], environment: ["ENVLOCK_TRUST": path]).keys()
            #expect(keys.count == 2)
            #expect(keys[0] == keys[1])
        }
    }

    /// A mistyped path in the variable stops the check instead of leaving the key out.
    @Test func aMissingKeyFileFailsNamingIt() throws {
        try withScratchFolder { folder in
            let present = folder + "/team.pub.pem"
            try FileFixture.write(Array(KeyFixtures.ed25519Public.utf8), to: present)
            let sources = TrustSources(flags: [present], environment: ["ENVLOCK_TRUST": folder + "/typo.pub.pem"])
            #expect {
                try sources.keys()
            } throws: { error in
                "\(error)".contains(folder + "/typo.pub.pem")
            }
        }
    }

    @Test func aPrivateKeyIsNotATrustedKey() throws {
        try withScratchFolder { folder in
            let path = folder + "/team.pem"
            try FileFixture.write(Array(KeyFixtures.ed25519Private.utf8), to: path, mode: 0o600)
            #expect(throws: KeyFileError.self) { try TrustSources(flags: [path], environment: [:]).keys() }
        }
    }
}

@Suite struct TrustedLockTests {
    static let now = Timestamp(parsing: "2027-01-01T00:00:00Z")!

    static func writeLock(_ lock: Lock, in folder: String) throws -> String {
        let path = folder + "/env.lock"
        try FileFixture.write(Array(lock.yaml.utf8), to: path)
        return path
    }

    static func signingKey() throws -> SigningKey {
        try withScratchFolder { folder in
            try FileFixture.write(Array(KeyFixtures.ed25519Private.utf8), to: folder + "/k.pem", mode: 0o600)
            return try KeyFiles.readPrivateKey(at: folder + "/k.pem")
        }
    }

    @Test func aLockSignedByATrustedKeyIsTrusted() throws {
        try withScratchFolder { folder in
            var lock = try LockTests.sampleLock()
            let key = try Self.signingKey()
            try lock.sign(with: key)
            let lockPath = try Self.writeLock(lock, in: folder)
            try FileFixture.write(Array(KeyFixtures.ed25519Public.utf8), to: folder + "/team.pub.pem")
            let requirements = TrustRequirements(sources: TrustSources(flags: [], environment: ["ENVLOCK_TRUST": folder + "/team.pub.pem"]))
            let trusted = try TrustedLock.load(lockPath, requirements: requirements, now: Self.now)
            #expect(trusted.verdict == .signed(keyID: key.verifyingKey.keyID))
            #expect(trusted.loaded.path == lockPath)
            #expect(trusted.loaded.lock == lock)
        }
    }

    @Test func anUnsignedLockNeedsAllowUnsigned() throws {
        try withScratchFolder { folder in
            let lockPath = try Self.writeLock(try LockTests.sampleLock(), in: folder)
            let none = TrustRequirements(sources: TrustSources(flags: [], environment: [:]))
            #expect(throws: WorkflowError.trust(.signature(path: lockPath, .missing))) {
                try TrustedLock.load(lockPath, requirements: none, now: Self.now)
            }
            var allowing = none
            allowing.allowUnsigned = true
            #expect(try TrustedLock.load(lockPath, requirements: allowing, now: Self.now).verdict == .unsignedAllowed)
        }
    }

    /// The lock's own problem is named before a key's: the document is what the user asked about.
    @Test func anUnreadableLockIsReportedBeforeAMissingKey() throws {
        try withScratchFolder { folder in
            let requirements = TrustRequirements(sources: TrustSources(flags: [folder + "/missing.pub.pem"], environment: [:]))
            #expect {
                try TrustedLock.load(folder + "/missing.lock", requirements: requirements, now: Self.now)
            } throws: { error in
                guard case WorkflowError.document(let documentError) = error else { return false }
                return documentError.description.hasPrefix(folder + "/missing.lock")
            }
        }
    }

    @Test func expiryAndSerialAreJudgedAgainstTheGivenClock() throws {
        try withScratchFolder { folder in
            let lockPath = try Self.writeLock(try LockTests.sampleLock(), in: folder)
            let requirements = TrustRequirements(sources: TrustSources(flags: [], environment: [:]), allowUnsigned: true)
            let later = Timestamp(parsing: "2030-01-02")!
            #expect(throws: WorkflowError.trust(.expired(path: lockPath, at: Timestamp(parsing: "2030-01-01")!, now: later))) {
                try TrustedLock.load(lockPath, requirements: requirements, now: later)
            }
            var newer = requirements
            newer.minimumSerial = 8
            #expect(throws: WorkflowError.trust(.serialTooOld(path: lockPath, serial: 7, minimum: 8))) {
                try TrustedLock.load(lockPath, requirements: newer, now: Self.now)
            }
        }
    }
}

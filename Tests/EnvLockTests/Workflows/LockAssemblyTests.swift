import Testing
@testable import EnvLock

@Suite struct LockAssemblyTests {
    /// The sample profile: a version rule on torch, a pin on every GPU name, two env rules.
    static func profile() throws -> Profile { try LockTests.sampleProfile() }

    static let facts = [
        "python.packages.torch": "2.2.0", "gpu.0.name": "NVIDIA L4", "gpu.1.name": "NVIDIA L4",
        "host.name": "node-1", "host.glibc": "2.35",
    ]

    @Test func theLockRecordsTheFactsItsRulesName() throws {
        let created = Timestamp(parsing: "2026-11-28T23:14:04Z")!
        let lock = Lock(profile: try Self.profile(), facts: Self.facts, created: created)
        #expect(lock.profile == "sample")
        #expect(lock.description == "Sample profile.")
        #expect(lock.facts == ["python.packages.torch": "2.2.0", "gpu.0.name": "NVIDIA L4", "gpu.1.name": "NVIDIA L4"])
        #expect(lock.host == "node-1")
        #expect(lock.created == created)
        #expect(lock.expires == Timestamp(parsing: "2030-01-01"))
        #expect(lock.serial == 7)
        #expect(lock.run.require == ["--attention-pytorch"])
        #expect(lock.rules == (try Self.profile()).rules)
        #expect(lock.signature == nil)
    }

    @Test func aSerialGivenOverridesTheProfilesAndAMachineWithoutANameIsUnknown() throws {
        let lock = Lock(profile: try Self.profile(), facts: [:], created: Timestamp(secondsSinceEpoch: 0), serial: 9)
        #expect(lock.serial == 9)
        #expect(lock.host == "unknown")
    }

    @Test func aProfilePastItsExpiryCannotBeLocked() throws {
        let profile = try Self.profile()
        try profile.checkNotExpired(path: "p.yaml", now: Timestamp(parsing: "2029-12-31T23:59:59Z")!)
        let error = WorkflowError.profileExpired(path: "p.yaml", expires: Timestamp(parsing: "2030-01-01")!)
        #expect(throws: error) { try profile.checkNotExpired(path: "p.yaml", now: Timestamp(parsing: "2030-01-01")!) }
        #expect(error.description == "p.yaml: error: the profile's expires (2030-01-01T00:00:00Z) has passed, so a lock made from it would never verify; set a later expires and lock again")
    }
}

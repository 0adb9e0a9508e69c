import Testing
@testable import EnvLock

@Suite struct LockTests {
    static func sampleProfile() throws -> Profile {
        try Profile.load(Array("""
            envlock: 1
            name: sample
            description: "Sample profile."
            expires: "2030-01-01"
            serial: 7
            rules:
              python.packages.torch: "==2.2.0"
              gpu.*.name: {pin: true, why: "kernels differ per GPU"}
              env.CUBLAS_WORKSPACE_CONFIG: {one_of: [":4096:8", ":16:8"], severity: warning}
              env.NVIDIA_TF32_OVERRIDE: {absent: true}
            run:
              require: ["--attention-pytorch"]
            """.utf8), path: "sample.yaml")
    }

    static func sampleLock() throws -> Lock {
        let profile = try sampleProfile()
        return Lock(
            profile: profile.name, description: profile.description, rules: profile.rules, run: profile.run,
            facts: ["python.packages.torch": "2.2.0", "gpu.0.name": "NVIDIA L4", "host.glibc": "2.10"],
            created: Timestamp(parsing: "2026-11-28T23:14:04Z")!, host: "node-1", expires: profile.expires, serial: profile.serial
        )
    }

    @Test func canonicalBytesAreSortedCompactJSON() throws {
        let lock = try Self.sampleLock()
        let canonical = String(decoding: lock.canonicalBytes, as: UTF8.self)
        #expect(canonical.hasPrefix(#"{"created":"2026-11-28T23:14:04Z","description":"Sample profile.","envlock":"1","expires":"2030-01-01T00:00:00Z","facts":{"gpu.0.name":"NVIDIA L4","host.glibc":"2.10","python.packages.torch":"2.2.0"},"host":"node-1","profile":"sample","rules":{"#))
        #expect(canonical.contains(#""python.packages.torch":{"severity":"error","version":"==2.2.0"}"#))
        #expect(canonical.contains(#""gpu.*.name":{"pin":true,"severity":"error","why":"kernels differ per GPU"}"#))
        #expect(canonical.hasSuffix(#""run":{"forbid":[],"require":["--attention-pytorch"]},"serial":"7"}"#))
    }

    @Test func writtenLockReadsBackToTheSameFingerprint() throws {
        let lock = try Self.sampleLock()
        let loaded = try LoadedLock.load(Array(lock.yaml.utf8), path: "written.lock")
        #expect(loaded.lock == lock)
        #expect(loaded.recordedFingerprint == lock.fingerprint)
        #expect(lock.yaml.contains("host.glibc: \"2.10\""))
    }

    @Test func everyValueChangesTheFingerprint() throws {
        let lock = try Self.sampleLock()
        var variants: [Lock] = []
        var changed = lock
        changed.facts["host.glibc"] = "2.1"; variants.append(changed)
        changed = lock; changed.host = "node-2"; variants.append(changed)
        changed = lock; changed.serial = 8; variants.append(changed)
        changed = lock; changed.expires = nil; variants.append(changed)
        changed = lock; changed.rules[0].severity = .warning; variants.append(changed)
        changed = lock; changed.rules[1].why = nil; variants.append(changed)
        changed = lock; changed.run.forbid = ["--x"]; variants.append(changed)
        changed = lock; changed.created = Timestamp(secondsSinceEpoch: lock.created.secondsSinceEpoch + 1); variants.append(changed)
        let fingerprints = Set(variants.map(\.fingerprint) + [lock.fingerprint])
        #expect(fingerprints.count == variants.count + 1)
    }

    @Test func signatureAndFingerprintAreNotPartOfTheSignedContent() throws {
        var lock = try Self.sampleLock()
        let before = lock.canonicalBytes
        lock.signature = LockSignature(algorithm: "ed25519", keyID: "00", value: "AA==")
        #expect(lock.canonicalBytes == before)
    }

    @Test func signedLockVerifiesWithItsKeyOnly() throws {
        var lock = try Self.sampleLock()
        let key = SigningKey.generate()
        try lock.sign(with: key)
        let loaded = try LoadedLock.load(Array(lock.yaml.utf8), path: "signed.lock")
        let now = Timestamp(parsing: "2026-12-01")!
        #expect(try loaded.checkTrust(TrustPolicy(trustedKeys: [key.verifyingKey], now: now)) == .signed(keyID: key.verifyingKey.keyID))
        #expect(throws: TrustError.self) {
            try loaded.checkTrust(TrustPolicy(trustedKeys: [SigningKey.generate().verifyingKey], now: now))
        }
    }
}

@Suite struct CanonicalJSONTests {
    @Test func escapesOnlyWhatRFC8785Requires() {
        let value = JSONValue.object(["b": .string("\u{1}\n\"\\/€\u{7F}"), "a": .array([.bool(true), .null])])
        #expect(String(decoding: JSONText.canonical(value), as: UTF8.self) == "{\"a\":[true,null],\"b\":\"\\u0001\\n\\\"\\\\/€\u{7F}\"}")
    }

    @Test func keysSortByUTF16CodeUnits() {
        // U+1F602 is a surrogate pair (0xD83D...) and sorts before U+FB33 in UTF-16 order,
        // after it in code point order.
        let value = JSONValue.object(["\u{FB33}": .string("x"), "\u{1F602}": .string("y"), "a": .string("z")])
        #expect(String(decoding: JSONText.canonical(value), as: UTF8.self) == "{\"a\":\"z\",\"\u{1F602}\":\"y\",\"\u{FB33}\":\"x\"}")
    }

    /// RFC 8785 vectors made only of the kinds envlock writes (strings, booleans, null, arrays,
    /// objects). `arrays.json` and `structures.json` hold numbers, which envlock never writes,
    /// so they are out of scope; `values.json` is checked without its `numbers` member.
    /// Inputs are read with envlock's own reader (JSON is YAML).
    @Test(arguments: ["french", "unicode", "weird"])
    func jcsVectors(name: String) throws {
        let input = try TestFiles.bytes(SharedData.conformance + "/jcs/input/\(name).json")
        let expected = try TestFiles.bytes(SharedData.conformance + "/jcs/output/\(name).json")
        let value = try #require(jsonValue(YAMLReader.read(input, path: name)))
        #expect(JSONText.canonical(value) == expected, "\(name)")
    }

    @Test func jcsValuesVectorWithoutNumbers() throws {
        let input = try TestFiles.bytes(SharedData.conformance + "/jcs/input/values.json")
        let expected = String(decoding: try TestFiles.bytes(SharedData.conformance + "/jcs/output/values.json"), as: UTF8.self)
        guard case .mapping(let entries, let mark) = try YAMLReader.read(input, path: "values.json") else {
            Issue.record("values.json is not an object")
            return
        }
        let value = try #require(jsonValue(.mapping(entries.filter { $0.key.value != "numbers" }, mark)))
        let numbers = try #require(expected.firstRange(of: "\"numbers\":["))
        let afterNumbers = try #require(expected[numbers.upperBound...].firstRange(of: "],"))
        let withoutNumbers = String(expected[..<numbers.lowerBound]) + String(expected[afterNumbers.upperBound...])
        #expect(String(decoding: JSONText.canonical(value), as: UTF8.self) == withoutNumbers)
    }

    /// Converts a JSON document read as YAML; nil when it contains a number.
    func jsonValue(_ node: YAMLNode) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.value) }
            switch scalar.value {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default: return nil
            }
        case .sequence(let items, _):
            var values: [JSONValue] = []
            for item in items {
                guard let value = jsonValue(item) else { return nil }
                values.append(value)
            }
            return .array(values)
        case .mapping(let entries, _):
            var members: [JSONValue.Member] = []
            for entry in entries {
                guard let value = jsonValue(entry.value) else { return nil }
                members.append(.init(entry.key.value, value))
            }
            return .object(members)
        }
    }
}


#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TestSupport
@testable import EnvLock

/// What schedulers read from envlock: Kubernetes labels through NFD feature files, and Slurm
/// features. No Kubernetes or Slurm runs here; their rules are read from their sources (cited).
@Suite struct NodeFeatureFileTests {
    static func lock(_ name: String, host: String = "golden") -> Lock {
        Lock(profile: name, rules: [], run: RunPolicy(), facts: ["host.arch": "x86_64"], created: Timestamp(secondsSinceEpoch: 1_796_000_000), host: host)
    }

    static func file(_ name: String, conforms: Bool, expires: Int64 = 1_900_000_000) throws -> NodeFeatureFile {
        NodeFeatureFile(
            lockName: try PublishedLockName(name), fingerprint: LockFingerprintLabel.value(of: lock(name)), conforms: conforms,
            expires: Timestamp(secondsSinceEpoch: expires)
        )
    }

    /// NFD's reading of a feature file's bytes at `now`, as kubernetes-sigs/node-feature-discovery
    /// `source/local/local.go` (a650db05eccd1755417188498717f1e3f696cfb0) does it: split on `\n`,
    /// trim, skip `#` lines after taking `# +expiry-time=`, drop lines once it has passed,
    /// `key=value` or `key` (true). Nil where NFD would skip the whole file (over 65,536 bytes).
    static func labelsAsNFDReads(_ bytes: [UInt8], now: Timestamp) -> [String: String]? {
        guard bytes.count <= NodeFeatureFile.maximumSize else { return nil }
        var labels: [String: String] = [:]
        var expiry = now
        for raw in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            // strings.TrimSpace; envlock writes only ASCII, so ASCII white space is enough here.
            let isSpace = { (character: Character) in character == " " || character == "\t" || character == "\r" || character == "\u{0B}" || character == "\u{0C}" }
            let line = String(raw.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
            guard !line.isEmpty else { continue }
            if line.hasPrefix("#") {
                if line.hasPrefix("# +expiry-time="), let time = Timestamp(parsing: String(line.dropFirst("# +expiry-time=".count))) {
                    expiry = time
                }
                continue
            }
            if expiry < now { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            labels[String(parts[0])] = parts.count == 2 ? String(parts[1]) : "true"
        }
        return labels
    }

    /// Slurm's `_is_feature_valid` (SchedMD/slurm src/plugins/node_features/helpers/
    /// node_features_helpers.c at 4518bf26a01a2617755a10ab535485e8525e84c4).
    static func isValidSlurmFeature(_ feature: String) -> Bool {
        let bytes = Array(feature.utf8)
        func alpha(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }
        func alnum(_ byte: UInt8) -> Bool { alpha(byte) || (48...57).contains(byte) }
        guard let first = bytes.first, alpha(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: "=") else { return false }
        return bytes.dropFirst().allSatisfy { alnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "=") }
    }

    @Test(arguments: [
        "", " ", "fooocus torch", String(repeating: "a", count: 300), String(repeating: "a", count: PublishedLockName.maximumLength + 1),
        "caf\u{e9}", "\u{30D5}\u{30FC}", "line\nbreak", "tab\there", "esc\u{1b}[31m", "nul\u{0}", "-leading", "trailing.", "under_score",
        "slash/name", "eq=name", "#comment", "a\r",
    ])
    func hostileLockNamesAreRefusedSayingWhatToRename(name: String) {
        #expect(throws: PublishError.self) { _ = try PublishedLockName(name) }
        do {
            _ = try PublishedLockName(name)
        } catch {
            #expect(error.description.contains("rename the profile"))
            guard case .unpublishableName(let refused, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(refused == name)
        }
    }

    /// Every name is either refused or carried unchanged into labels Kubernetes accepts and a
    /// feature Slurm accepts, and no two names share a label or a feature.
    @Test func acceptedNamesGiveValidDistinctLabelsAndFeatures() {
        var generator = SplitMix64(seed: 26)
        let alphabet = Array("abcXYZ019.-")
        // One name in four gets a character envlock must refuse, somewhere.
        let refused: [Character] = ["_", " ", "\u{e9}", "\n", "/", "="]
        var byFeature: [String: String] = [:]
        var byLabel: [String: String] = [:]
        var accepted = 0
        for _ in 0..<2_000 {
            let length = Int.random(in: 1...(PublishedLockName.maximumLength + 3), using: &generator)
            var characters = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            if Int.random(in: 0..<4, using: &generator) == 0 {
                characters.insert(refused.randomElement(using: &generator)!, at: Int.random(in: 0...characters.count, using: &generator))
            }
            let name = String(characters)
            guard let published = try? PublishedLockName(name) else {
                let bytes = Array(name.utf8)
                let plain = bytes.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 46 }
                let ends = { (byte: UInt8) in (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) }
                #expect(!plain || bytes.count > PublishedLockName.maximumLength || !ends(bytes.first!) || !ends(bytes.last!), "\(name) was refused")
                continue
            }
            accepted += 1
            #expect(published.name == name)
            #expect(KubernetesLabel.isValidKey(published.conformanceLabel), "\(published.conformanceLabel)")
            #expect(KubernetesLabel.isValidKey(published.fingerprintLabel), "\(published.fingerprintLabel)")
            #expect(KubernetesLabel.isValidKey("feature.node.kubernetes.io/" + published.fingerprintLabel))
            #expect(Self.isValidSlurmFeature(published.slurmFeature), "\(published.slurmFeature)")
            if let other = byFeature.updateValue(name, forKey: published.slurmFeature), other != name {
                Issue.record("\(name) and \(other) share the Slurm feature \(published.slurmFeature)")
            }
            for label in [published.conformanceLabel, published.fingerprintLabel] {
                if let other = byLabel.updateValue(name, forKey: label), other != name {
                    Issue.record("\(name) and \(other) share the label \(label)")
                }
            }
        }
        #expect(accepted > 400, "only \(accepted) generated names were accepted; the test would prove little")
    }

    @Test func labelGrammarFollowsKubernetes() {
        let name63 = String(repeating: "a", count: 63)
        let label253 = [String](repeating: String(repeating: "b", count: 63), count: 4).joined(separator: ".") // 255
        for valid in ["a", "envlock_x", "A-b_c.d", name63, "feature.node.kubernetes.io/envlock_x", "example.com/x", "a-1.b/x"] {
            #expect(KubernetesLabel.isValidKey(valid), "\(valid)")
        }
        for invalid in [
            "", "-a", "a-", "_a", "a b", name63 + "a", "Example.com/x", "example.com/", "/x", "a/b/c", "caf\u{e9}", label253 + "/x", "a..b/x", "x\n",
        ] {
            #expect(!KubernetesLabel.isValidKey(invalid), "\(invalid)")
        }
        for valid in ["", "true", "false", name63] { #expect(KubernetesLabel.isValidValue(valid), "\(valid)") }
        for invalid in [name63 + "a", "sha256:abc", "a b", "-x"] { #expect(!KubernetesLabel.isValidValue(invalid), "\(invalid)") }
    }

    @Test func fingerprintIsUnpaddedLowercaseBase32() {
        // RFC 4648 section 10, lowercased and without padding.
        let vectors = ["": "", "f": "my", "fo": "mzxq", "foo": "mzxw6", "foob": "mzxw6yq", "fooba": "mzxw6ytb", "foobar": "mzxw6ytboi"]
        for (input, expected) in vectors {
            #expect(LockFingerprintLabel.base32(Array(input.utf8)) == expected)
        }
        let lock = Self.lock("fooocus")
        let value = LockFingerprintLabel.value(of: lock)
        #expect(value.utf8.count == 52)
        #expect(KubernetesLabel.isValidValue(value))
        #expect(value != LockFingerprintLabel.value(of: Self.lock("fooocus", host: "other")))
    }

    @Test(arguments: [true, false])
    func theFileReadsAsNFDReadsItUntilItExpires(conforms: Bool) throws {
        let file = try Self.file("fooocus-torch2.2.0-cu121", conforms: conforms, expires: 1_900_000_000)
        let bytes = file.bytes
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(!bytes.contains(UInt8(ascii: "\r")))
        var directives = 0
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("# +") {
                #expect(line == "# +expiry-time=2030-03-17T17:46:40Z")
                directives += 1
            } else if !line.hasPrefix("#") {
                let parts = line.split(separator: "=", maxSplits: 1)
                #expect(parts.count == 2 && KubernetesLabel.isValidKey(String(parts[0])) && KubernetesLabel.isValidValue(String(parts[1])), "\(line)")
            }
        }
        #expect(directives == 1)
        let before = Self.labelsAsNFDReads(bytes, now: Timestamp(secondsSinceEpoch: 1_899_999_999))
        #expect(before == [
            "envlock_fooocus-torch2.2.0-cu121": conforms ? "true" : "false",
            "envlock_fooocus-torch2.2.0-cu121_lock": LockFingerprintLabel.value(of: Self.lock("fooocus-torch2.2.0-cu121")),
        ])
        #expect(Self.labelsAsNFDReads(bytes, now: Timestamp(secondsSinceEpoch: 1_900_000_001)) == [:])
    }

    @Test func writingIsIdempotentAndLocksCoexist() throws {
        try withScratchFolder { folder in
            let first = try Self.file("fooocus", conforms: true)
            try first.write(into: folder)
            try first.write(into: folder + "/")
            try Self.file("comfyui", conforms: false).write(into: folder)
            #expect(FileFixture.names(in: folder) == ["envlock_comfyui", "envlock_fooocus"])
            #expect(try FileFixture.read(folder + "/envlock_fooocus") == first.bytes)
            #expect(FileFixture.mode(folder + "/envlock_fooocus") == 0o644)
            try Self.file("fooocus", conforms: false).write(into: folder)
            #expect(try FileFixture.read(folder + "/envlock_fooocus") == Self.file("fooocus", conforms: false).bytes)
        }
    }

    @Test func unsafeTargetsAreRefused() throws {
        try withScratchFolder { folder in
            let file = try Self.file("fooocus", conforms: true)
            let real = folder + "/features.d"
            #expect(mkdir(real, 0o755) == 0)
            try FileFixture.symlink(real, at: folder + "/linked.d")
            #expect(throws: PublishError.unsafeFolder(path: folder + "/linked.d", reason: "is a symbolic link")) { try file.write(into: folder + "/linked.d") }
            for mode: mode_t in [0o775, 0o757, 0o777, 0o1777] {
                #expect(chmod(real, mode) == 0)
                #expect(throws: PublishError.self) { try file.write(into: real) }
            }
            #expect(chmod(real, 0o755) == 0)
            try FileFixture.write("x", to: folder + "/plain")
            #expect(throws: PublishError.unsafeFolder(path: folder + "/plain", reason: "is not a folder")) { try file.write(into: folder + "/plain") }
            #expect(throws: PublishError.folderUnreadable(path: folder + "/missing", errno: ENOENT)) { try file.write(into: folder + "/missing") }
            // A link planted where the file goes is never written through.
            try FileFixture.write("victim", to: folder + "/victim")
            try FileFixture.symlink(folder + "/victim", at: real + "/envlock_fooocus")
            #expect(throws: PublishError.write(.symlinkDestination(path: real + "/envlock_fooocus"))) { try file.write(into: real) }
            #expect(try FileFixture.readText(folder + "/victim") == "victim")
            #expect(FileFixture.names(in: real) == ["envlock_fooocus"])
        }
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give the folder to another user"))
    func aFolderOfAnotherUserIsRefused() throws {
        try withScratchFolder { folder in
            let real = folder + "/features.d"
            #expect(mkdir(real, 0o755) == 0)
            #expect(chown(real, 65_534, 65_534) == 0)
            #expect(throws: PublishError.unsafeFolder(path: real, reason: "belongs to user 65534, neither root nor this user")) {
                try Self.file("fooocus", conforms: true).write(into: real)
            }
        }
    }

    /// A reader racing the writer (NFD re-reads on every change) sees the old file or the new
    /// one, whole, never a mix or a truncated file.
    @Test func aRacingReaderSeesOnlyWholeFiles() async throws {
        try await withScratchFolderAsync { folder in
            let yes = try Self.file("fooocus", conforms: true)
            let no = try Self.file("fooocus", conforms: false)
            try yes.write(into: folder)
            let path = folder + "/envlock_fooocus"
            let done = StopFlag()
            let reader = Task.detached { () -> [[UInt8]] in
                var torn: [[UInt8]] = []
                while !done.value.load(ordering: .acquiring) {
                    let bytes = (try? FileFixture.read(path)) ?? []
                    done.reads.add(1, ordering: .relaxed)
                    if bytes != yes.bytes && bytes != no.bytes { torn.append(bytes) }
                }
                return torn
            }
            // At least 400 replacements, and on until the reader, which may start late on a
            // busy machine, has read 200 times while they happen.
            var round = 0
            while round < 20_000 && (round < 400 || done.reads.load(ordering: .relaxed) < 200) {
                try (round % 2 == 0 ? no : yes).write(into: folder)
                round += 1
                if round % 20 == 0 { await Task.yield() }
            }
            done.value.store(true, ordering: .releasing)
            let torn = await reader.value
            let reads = done.reads.load(ordering: .relaxed)
            let tornCount = torn.count
            #expect(tornCount == 0, "\(torn.count) reads saw a partial or missing file, first: \(torn.first.map { String(decoding: $0, as: UTF8.self) } ?? "")")
            #expect(reads >= 200, "the reader ran only \(reads) times")
            #expect(FileFixture.names(in: folder) == ["envlock_fooocus"])
        }
    }
}

/// Tells the racing reader to stop.
private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
    let reads = Atomic<Int>(0)
}

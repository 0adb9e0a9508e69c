import Testing

/// Help and behaviour agree; messages say what is true; malformed documents are refused.
@Suite struct SmallDefectTests {
    @Test func verifyWritesEveryFormatItsHelpLists() async throws {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        let help = try await Envlock.run(["verify", "--help"])
        for format in ["text", "json", "yaml", "markdown"] {
            #expect(help.stdout.contains(format))
            let verify = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--format", format], environment: environment)
            #expect(verify.status == 0, "\(format): \(verify.stderr)")
        }
        let yaml = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--format", "yaml"], environment: environment)
        #expect(yaml.stdout.contains("verdict: \"match\""), "\(yaml.stdout)")
        let untrusted = try await Envlock.run(["verify", folder.file("env.lock"), "--format", "yaml"], environment: environment)
        #expect(untrusted.status == 2)
        #expect(untrusted.stdout.contains("verdict: \"untrusted\""), "\(untrusted.stdout)")
    }

    @Test func minSerialAgainstALockWithoutSerialSaysSo() async throws {
        let (folder, environment) = try await LockVerifyTests.signedLock()
        let verify = try await Envlock.run(["verify", folder.file("env.lock"), "--trust", folder.file("key.pub.pem"), "--min-serial", "0"], environment: environment)
        #expect(verify.status == 2)
        #expect(verify.stderr.contains("the lock has no serial"), "\(verify.stderr)")
        #expect(!verify.stderr.contains("(none)"))
    }

    @Test(arguments: [
        "{\"schema\": \"envlock.snapshot/1\", \"detectors\": []}",
        "schema: \"envlock.snapshot/1\"\n",
    ])
    func aSnapshotWithoutFactsIsMalformed(document: String) async throws {
        let folder = TemporaryFolder()
        let empty = folder.write("empty.json", document)
        let other = folder.write("other.json", "{\"schema\": \"envlock.snapshot/1\", \"facts\": {}}")
        let diff = try await Envlock.run(["diff", empty, other])
        #expect(diff.status == 2, "\(diff.stdout)\(diff.stderr)")
        #expect(diff.stderr.contains("missing field 'facts'"), "\(diff.stderr)")
    }
}

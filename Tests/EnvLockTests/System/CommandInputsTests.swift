#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EnvLock

/// What a command reads is recorded where it is read, and the output writer refuses it.
@Suite struct CommandInputsTests {
    @Test func eachDocumentReaderRecordsItsFileInItsRole() throws {
        try withScratchFolder { folder in
            try FileFixture.write("envlock: 1\nname: base\nrules:\n  host.arch: {pin: true}\n", to: folder + "/base.yaml")
            try FileFixture.write("envlock: 1\nname: child\nextends: base.yaml\n", to: folder + "/child.yaml")
            let key = SigningKey.generate()
            try KeyFiles.writeKeyPair(key, privatePath: folder + "/k.pem")
            let inputs = CommandInputs()
            try CommandInputs.$current.withValue(inputs) {
                _ = try Profile.load(at: folder + "/child.yaml")
                _ = try KeyFiles.readPrivateKey(at: folder + "/k.pem")
                _ = try KeyFiles.readPublicKey(at: folder + "/k.pub.pem")
            }
            #expect(inputs.inputs == [
                CommandInputs.Input(path: folder + "/child.yaml", role: .profile),
                CommandInputs.Input(path: folder + "/base.yaml", role: .extendedProfile),
                CommandInputs.Input(path: folder + "/k.pem", role: .signingKey),
                CommandInputs.Input(path: folder + "/k.pub.pem", role: .trustedKey),
            ])
            // Outside a command nothing is recorded, and nothing fails.
            _ = try Profile.load(at: folder + "/child.yaml")
            #expect(inputs.inputs.count == 4)
        }
    }

    /// Every spelling of a file read, and every link to it, is refused, naming the role; a
    /// file never read is written.
    @Test(arguments: [InputRole.profile, .lock, .snapshot, .comparedDocument, .trustedKey])
    func theWriterRefusesEverySpellingOfAnInput(role: InputRole) throws {
        try withScratchFolder { folder in
            try FileFixture.write("envlock: 1\nname: p\nrules:\n  host.arch: {pin: true}\n", to: folder + "/input")
            try FileFixture.write("other", to: folder + "/other")
            #expect(link(folder + "/input", folder + "/hard") == 0)
            try FileFixture.symlink(folder + "/input", at: folder + "/soft")
            try FileFixture.symlink(folder, at: folder + "/alias")
            let inputs = CommandInputs()
            try CommandInputs.$current.withValue(inputs) {
                _ = try DocumentFile.read(at: folder + "/input", role: role)
            }
            #expect(inputs.inputs == [CommandInputs.Input(path: folder + "/input", role: role)])
            let spellings = [folder + "/input", folder + "/alias/../" + folder.split(separator: "/").last! + "/input", folder + "/alias/input", folder + "/hard", folder + "/soft"]
            for spelled in spellings {
                for replace in [false, true] {
                    #expect(throws: FileWriteError.wouldReplaceInput(path: spelled, input: folder + "/input", role: role)) {
                        try AtomicFile.write(Array("new".utf8), to: spelled, protection: AtomicFile.Protection(inputs: inputs, replaceProtected: replace))
                    }
                }
            }
            #expect(try FileFixture.readText(folder + "/input").hasPrefix("envlock: 1"))
            try AtomicFile.write(Array("new".utf8), to: folder + "/other", protection: AtomicFile.Protection(inputs: inputs))
            #expect(try FileFixture.readText(folder + "/other") == "new")
        }
    }

    /// A file read without a role (a METADATA header, opened without fstat) is still an input,
    /// looked up by its path when the output is checked; a role found for the same file wins.
    @Test func aFileReadWithoutARoleIsAnInputAndARoleWins() throws {
        try withScratchFolder { folder in
            try FileFixture.write("x", to: folder + "/METADATA")
            try FileFixture.write("x", to: folder + "/script.py")
            let inputs = CommandInputs()
            try CommandInputs.$current.withValue(inputs) {
                close(try POSIXFile.openForReading(at: folder + "/METADATA", fullPath: folder + "/METADATA"))
                _ = try POSIXFile.readRegularFile(at: folder + "/script.py", limit: 10, role: nil)
                _ = try POSIXFile.readRegularFile(at: folder + "/script.py", limit: 10, role: .jobScript)
            }
            #expect(throws: FileWriteError.wouldReplaceInput(path: folder + "/METADATA", input: folder + "/METADATA", role: nil)) {
                try AtomicFile.write([1], to: folder + "/METADATA", protection: AtomicFile.Protection(inputs: inputs))
            }
            #expect(throws: FileWriteError.wouldReplaceInput(path: folder + "/script.py", input: folder + "/script.py", role: .jobScript)) {
                try AtomicFile.write([1], to: folder + "/script.py", protection: AtomicFile.Protection(inputs: inputs))
            }
        }
    }

    @Test func theRefusalNamesTheOutputAndWhatItIs() {
        #expect(FileWriteError.wouldReplaceInput(path: "fooocus/launch.py", input: "fooocus/launch.py", role: .jobScript).description
            == "--output fooocus/launch.py is the job's script, which this command read; writing there would destroy it. Choose another output path (--replace-protected never covers an input).")
        #expect(FileWriteError.wouldReplaceInput(path: "link.lock", input: "/srv/base.yaml", role: .extendedProfile).description.hasPrefix(
            "--output link.lock is a profile the profile extends (/srv/base.yaml), which this command read;"))
        #expect(FileWriteError.wouldReplaceInput(path: "m", input: "/x/METADATA", role: nil).description.hasPrefix("--output m is a file (/x/METADATA), which"))
    }
}

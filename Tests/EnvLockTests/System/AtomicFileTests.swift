#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EnvLock

/// Atomic document writes: whole files or nothing, never through a link.
@Suite struct AtomicFileTests {
    @Test func writesANewFileWithTheDefaultMode() throws {
        try withScratchFolder { folder in
            try AtomicFile.write(Array("envlock: \"1\"\n".utf8), to: folder + "/env.lock")
            #expect(try FileFixture.readText(folder + "/env.lock") == "envlock: \"1\"\n")
            #expect(FileFixture.mode(folder + "/env.lock") == 0o644)
            #expect(FileFixture.names(in: folder) == ["env.lock"])
        }
    }

    @Test func theModeIsExactWhateverTheUmask() throws {
        try withScratchFolder { folder in
            // umask is process-wide; it is changed only around this call and restored at once.
            let previous = umask(0o077)
            defer { umask(previous) }
            try AtomicFile.write([1, 2, 3], to: folder + "/open", mode: 0o664)
            umask(0)
            try AtomicFile.write([1, 2, 3], to: folder + "/closed", mode: 0o600)
            #expect(FileFixture.mode(folder + "/open") == 0o664)
            #expect(FileFixture.mode(folder + "/closed") == 0o600)
        }
    }

    @Test func replacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
        try withScratchFolder { folder in
            try FileFixture.write("old content that is longer than the new", to: folder + "/env.lock")
            try AtomicFile.write(Array("new".utf8), to: folder + "/env.lock")
            #expect(try FileFixture.readText(folder + "/env.lock") == "new")
            #expect(FileFixture.names(in: folder) == ["env.lock"])
            try AtomicFile.write([], to: folder + "/env.lock")
            #expect(try FileFixture.read(folder + "/env.lock") == [])
        }
    }

    @Test(.enabled(if: access(".", W_OK) == 0, "the current folder is not writable"))
    func aBareFileNameIsWrittenInTheCurrentFolder() throws {
        // Relative paths resolve against the process's folder, which every test shares: the
        // name is unique to this run, and the file is removed at once.
        let name = "envlock-atomic-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        defer { unlink(name) }
        try AtomicFile.write(Array("here".utf8), to: name)
        #expect(try FileFixture.readText("./" + name) == "here")
    }

    @Test func aSymbolicLinkDestinationIsRefusedAndItsTargetUntouched() throws {
        try withScratchFolder { folder in
            try FileFixture.write("victim", to: folder + "/victim")
            try FileFixture.symlink(folder + "/victim", at: folder + "/env.lock")
            #expect(throws: FileWriteError.symlinkDestination(path: folder + "/env.lock")) {
                try AtomicFile.write(Array("attacker's choice".utf8), to: folder + "/env.lock")
            }
            #expect(try FileFixture.readText(folder + "/victim") == "victim")
            #expect(FileFixture.names(in: folder) == ["env.lock", "victim"])
        }
    }

    @Test func aDanglingSymbolicLinkIsRefusedToo() throws {
        try withScratchFolder { folder in
            try FileFixture.symlink(folder + "/created-by-following", at: folder + "/env.lock")
            #expect(throws: FileWriteError.symlinkDestination(path: folder + "/env.lock")) {
                try AtomicFile.write([1], to: folder + "/env.lock")
            }
            #expect(!FileFixture.exists(folder + "/created-by-following"))
        }
    }

    @Test func aLinkPlantedAfterTheCheckIsReplacedNotFollowed() throws {
        try withScratchFolder { folder in
            try FileFixture.write("victim", to: folder + "/victim")
            try AtomicFile.write(Array("new".utf8), to: folder + "/env.lock", mode: 0o644) {
                unlink(folder + "/env.lock")
                try? FileFixture.symlink(folder + "/victim", at: folder + "/env.lock")
            }
            #expect(try FileFixture.readText(folder + "/victim") == "victim")
            #expect(try FileFixture.readText(folder + "/env.lock") == "new")
            var status = stat()
            #expect(lstat(folder + "/env.lock", &status) == 0 && status.st_mode & S_IFMT == S_IFREG)
        }
    }

    @Test func aFolderDestinationIsRefused() throws {
        try withScratchFolder { folder in
            #expect(throws: FileWriteError.notARegularFile(path: folder)) { try AtomicFile.write([1], to: folder) }
            #expect(throws: FileWriteError.notARegularFile(path: folder + "/")) { try AtomicFile.write([1], to: folder + "/") }
        }
    }

    @Test func aMissingFolderIsReported() throws {
        try withScratchFolder { folder in
            let path = folder + "/missing/env.lock"
            let expected = FileWriteError.io(path: path, operation: "create a temporary file beside", errno: ENOENT)
            #expect(throws: expected) { try AtomicFile.write([1], to: path) }
            #expect(expected.description.contains("Check that the folder exists"))
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root may write into a read-only folder"))
    func aReadOnlyFolderFailsAndKeepsTheOldContent() throws {
        try withScratchFolder { folder in
            let locked = folder + "/locked"
            mkdir(locked, 0o755)
            try FileFixture.write("old", to: locked + "/env.lock")
            chmod(locked, 0o555)
            defer { chmod(locked, 0o755) }
            #expect(throws: FileWriteError.io(path: locked + "/env.lock", operation: "create a temporary file beside", errno: EACCES)) {
                try AtomicFile.write(Array("new".utf8), to: locked + "/env.lock")
            }
            #expect(try FileFixture.readText(locked + "/env.lock") == "old")
            #expect(FileFixture.names(in: locked) == ["env.lock"])
        }
    }

    @Test func aFailureBeforeTheRenameKeepsTheOldContent() throws {
        // Runs as root too, where permissions cannot make a write fail: a 250-byte name is legal,
        // but the temporary name beside it exceeds NAME_MAX, so the write fails before any rename.
        try withScratchFolder { folder in
            let path = folder + "/" + String(repeating: "n", count: 250)
            try FileFixture.write("old", to: path)
            #expect(throws: FileWriteError.io(path: path, operation: "create a temporary file beside", errno: ENAMETOOLONG)) {
                try AtomicFile.write(Array("new".utf8), to: path)
            }
            #expect(try FileFixture.readText(path) == "old")
            #expect(FileFixture.names(in: folder) == [String(repeating: "n", count: 250)])
        }
    }

    @Test func aFailedRenameRemovesTheTemporaryFile() throws {
        try withScratchFolder { folder in
            let path = folder + "/env.lock"
            try FileFixture.write("old", to: path)
            // Someone replaces the destination with a non-empty folder just before the rename.
            #expect(throws: FileWriteError.self) {
                try AtomicFile.write(Array("new".utf8), to: path, mode: 0o644) {
                    unlink(path)
                    mkdir(path, 0o755)
                    try? FileFixture.write("x", to: path + "/inside")
                }
            }
            #expect(FileFixture.names(in: folder) == ["env.lock"])
            #expect(FileFixture.names(in: path) == ["inside"])
        }
    }

    @Test func ioMessagesNameTheStepThePathAndTheCause() {
        let error = FileWriteError.io(path: "/locks/env.lock", operation: "create a temporary file beside", errno: EACCES)
        #expect(error.description == "could not create a temporary file beside /locks/env.lock: Permission denied. Check that you may write to the folder.")
    }
}

#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
import TestSupport
@testable import Probe

/// A repository made by the test with the real git, laid out like a Fooocus checkout.
struct GitRepository {
    let root: String
    let checkout: String

    init(objectFormat: String = "sha1") throws {
        root = try TestFiles.scratchFolder(prefix: "envlock-git")
        checkout = root + "/Fooocus"
        TestFiles.makeFolders(checkout)
        for (path, text) in [
            "launch.py": "import modules.flags\n",
            "fooocus_version.py": "version = '2.5.5'\n",
            "modules/flags.py": "sampler = 'euler_ancestral'\n",
            "modules/__init__.py": "",
            "ldm_patched/modules/sample.py": "def sample(): pass\n",
            "presets/default.json": "{}\n",
            "models/checkpoints/put_checkpoints_here": "",
        ] {
            try write(path, text)
        }
        try git("init -q --object-format=\(objectFormat)")
        try git("add -A")
        try git("commit -q -m first")
    }

    func write(_ path: String, _ text: String) throws {
        try TestFiles.write(Array(text.utf8), to: checkout + "/" + path)
    }

    @discardableResult
    func git(_ arguments: String) throws -> String {
        try GitFixture.git(arguments, in: checkout)
    }

    var context: HostContext { HostContext(environment: [:], commands: NoCommands()) }

    func verify(in context: HostContext? = nil, at checkout: String? = nil, notCode: Set<String> = []) throws -> GitCheckout.Outcome {
        let context = context ?? self.context
        let checkout = checkout ?? self.checkout
        guard case .commit(let commit) = GitHead.commit(of: checkout, in: context) else { throw TestFiles.Failure(message: "no commit in \(checkout)") }
        var bytecode: [(pyc: String, source: String)] = []
        return GitCheckout.verifyFiles(checkout, commit: commit, notCode: notCode, bytecode: &bytecode, in: context)
    }

    /// Steps 1 to 4: the files, then the bytecode of tracked sources compared by `python`.
    func verifyWithBytecode(python: String?, cache: String? = nil) async throws -> GitCheckout.Outcome {
        try await verifyWithBytecode(interpreter: python.map { .init(executable: $0, key: "test " + $0) }, cache: cache)
    }

    func verifyWithBytecode(interpreter: BytecodeCheck.Interpreter?, cache: String? = nil) async throws -> GitCheckout.Outcome {
        var context = HostContext(environment: ["PATH": "/usr/bin:/bin"], commands: SubprocessCommandRunner())
        context.digestCacheFolder = cache
        guard case .commit(let commit) = GitHead.commit(of: checkout, in: context) else { throw TestFiles.Failure(message: "no commit in \(checkout)") }
        var diagnostics: [String] = []
        let outcome = await GitCheckout.verify(checkout, commit: commit, interpreter: interpreter, in: context, diagnostics: &diagnostics)
        #expect(diagnostics == [], "the bytecode verdicts were not remembered")
        return outcome
    }

    /// What `git status` says: clean exactly when it prints nothing for the tracked files and
    /// untracked .py files (ignored ones included).
    func gitSaysClean() throws -> Bool {
        try git("status --porcelain --ignored=matching --untracked-files=all").split(separator: "\n").allSatisfy { line in
            (line.hasPrefix("??") || line.hasPrefix("!!")) && !GitCheckout.isCode(String(line))
        }
    }
}

/// Compares outcomes, showing the one found.
func expectOutcome(_ found: GitCheckout.Outcome, _ expected: GitCheckout.Outcome, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(found == expected, "\(comment.map { "\($0): " } ?? "")found \(found)", sourceLocation: sourceLocation)
}

extension GitCheckout.Outcome {
    var isUnverifiable: Bool { if case .unverifiable = self { true } else { false } }
    var reason: String { if case .unverifiable(let reason) = self { reason } else { "" } }
}

/// The checkout against its commit, on repositories git itself made.
@Suite(.enabled(if: GitFixture.available, "needs git to make the repositories"))
struct GitCheckoutTests {
    @Test func aFreshCheckoutIsCleanInEveryIndexVersionAndHash() throws {
        for format in ["sha1", "sha256"] {
            for version in [2, 3, 4] {
                let repository = try GitRepository(objectFormat: format)
                try repository.git("update-index --index-version \(version)")
                expectOutcome(try repository.verify(), .clean, "\(format), index v\(version)")
                try repository.write("modules/flags.py", "sampler = 'dpmpp_2m_sde_gpu'\n")
                expectOutcome(try repository.verify(), .modified(["modules/flags.py"]), "\(format), index v\(version)")
            }
        }
    }

    @Test func editedStagedDeletedAndRetypedFilesAreNamed() throws {
        let repository = try GitRepository()
        try repository.write("ldm_patched/modules/sample.py", "def sample(): return 1\n")
        try repository.git("add ldm_patched/modules/sample.py")
        try repository.write("modules/flags.py", "sampler = 'euler'\n")
        #expect(unlink(repository.checkout + "/presets/default.json") == 0)
        #expect(unlink(repository.checkout + "/launch.py") == 0)
        #expect(symlink("fooocus_version.py", repository.checkout + "/launch.py") == 0)
        expectOutcome(try repository.verify(), .modified([
            "launch.py (replaced by a link)", "ldm_patched/modules/sample.py (staged)", "modules/flags.py", "presets/default.json (deleted)",
        ]))
        #expect(try !repository.gitSaysClean())
    }

    /// A staged change that the worktree then reverts: the files match HEAD's, the index does not.
    @Test func aStagedChangeFailsEvenWhenTheFileIsBack() throws {
        let repository = try GitRepository()
        try repository.write("modules/flags.py", "sampler = 'euler'\n")
        try repository.git("add modules/flags.py")
        try repository.write("modules/flags.py", "sampler = 'euler_ancestral'\n")
        expectOutcome(try repository.verify(), .modified(["modules/flags.py (staged)"]))
        try repository.write("new.py", "")
        try repository.git("add -N new.py")
        try repository.git("rm -q --cached presets/default.json")
        expectOutcome(try repository.verify(), .modified([
            "modules/flags.py (staged)", "new.py (added with --intent-to-add)", "presets/ (deleted from the index)",
        ]))
    }

    @Test func untrackedCodeCountsWhereverPythonImportsIt() throws {
        let repository = try GitRepository()
        // Ignored files are imported all the same.
        try repository.write(".gitignore", "*.pyc\nextra.py\n")
        try repository.git("add .gitignore")
        try repository.git("commit -q -m ignore")
        try repository.write("modules/extra.py", "")
        try repository.write("ldm_patched/new_package/thing.pyc", "")
        try repository.write("torch/__init__.py", "")
        try repository.write("shadow.py", "")
        // Not code, or not where Python looks for the app's code.
        try repository.write("modules/__pycache__/flags.cpython-311.pyc", "")
        try repository.write("modules/notes.txt", "")
        try repository.write("models/checkpoints/loader.py", "")
        try repository.write("outputs/log.html", "")
        try repository.write("scratch/notes.py", "")
        expectOutcome(try repository.verify(), .modified([
            "ldm_patched/new_package/thing.pyc (untracked)", "modules/extra.py (untracked)", "shadow.py (untracked)", "torch/ (untracked package)",
        ]))
    }

    @Test func aFolderOtherFactsReportIsNotScannedForUntrackedCode() throws {
        let repository = try GitRepository()
        try repository.write("custom_nodes/example.py", "")
        try repository.git("add custom_nodes/example.py")
        try repository.git("commit -q -m nodes")
        try repository.write("custom_nodes/extra_node/__init__.py", "")
        expectOutcome(try repository.verify(notCode: ["custom_nodes"]), .clean)
        expectOutcome(try repository.verify(), .modified(["custom_nodes/extra_node/__init__.py (untracked)"]))
    }

    /// git trusts these flags and says "clean"; the files on disk are what Python imports.
    @Test func assumeUnchangedAndSkipWorktreeFilesAreStillChecked() throws {
        let repository = try GitRepository()
        try repository.git("update-index --assume-unchanged modules/flags.py")
        try repository.git("update-index --skip-worktree ldm_patched/modules/sample.py")
        try repository.write("modules/flags.py", "sampler = 'euler'\n")
        try repository.write("ldm_patched/modules/sample.py", "def sample(): return 2\n")
        #expect(try repository.gitSaysClean())
        expectOutcome(try repository.verify(), .modified(["ldm_patched/modules/sample.py", "modules/flags.py"]))
    }

    @Test func packedObjectsWithDeltasAndAWorktreeAreRead() throws {
        let repository = try GitRepository()
        for round in 0..<30 {
            try repository.write("modules/flags.py", "sampler = 'euler_ancestral'\n# round \(round)\n" + String(repeating: "x = 1\n", count: 200))
            try repository.write("ldm_patched/modules/round\(round % 7).py", "value = \(round)\n")
            try repository.git("add -A")
            try repository.git("commit -q -m round\(round)")
        }
        try repository.git("gc -q --aggressive")
        #expect(try shellOutput("ls '\(repository.checkout)/.git/objects/pack/'").output.contains(".idx"))
        expectOutcome(try repository.verify(), .clean)
        try repository.git("worktree add -q ../linked HEAD~3")
        expectOutcome(try repository.verify(at: repository.root + "/linked"), .clean)
        try TestFiles.write(Array("sampler = 'x'\n".utf8), to: repository.root + "/linked/modules/flags.py")
        expectOutcome(try repository.verify(at: repository.root + "/linked"), .modified(["modules/flags.py"]))
    }

    @Test func trackedLinksAreComparedByTargetAndNeverFollowed() throws {
        let repository = try GitRepository()
        #expect(symlink("modules/flags.py", repository.checkout + "/flags_link.py") == 0)
        try repository.git("add flags_link.py")
        try repository.git("commit -q -m link")
        expectOutcome(try repository.verify(), .clean)
        // The folder of tracked files replaced by a link to an identical copy outside.
        #expect(shellOutput("cp -r '\(repository.checkout)/modules' '\(repository.root)/copy' && rm -r '\(repository.checkout)/modules' && ln -s ../copy '\(repository.checkout)/modules'").status == 0)
        expectOutcome(try repository.verify(), .modified([
            "modules (untracked link)", "modules/__init__.py (its folder modules is a link, which git does not follow)", "modules/flags.py (its folder modules is a link, which git does not follow)",
        ]))
    }

    @Test func featuresThatHideFilesAreUnverifiable() throws {
        let split = try GitRepository()
        try split.git("update-index --split-index")
        let splitOutcome = try split.verify()
        #expect(splitOutcome.reason.contains("split index"), "\(splitOutcome)")
        let submodule = try GitRepository()
        let commit = try submodule.git("rev-parse HEAD").trimmingWhitespace()
        try submodule.git("update-index --add --cacheinfo 160000,\(commit),vendor")
        try submodule.git("commit -q -m sub")
        #expect(try submodule.verify().reason.contains("vendor is a submodule"))
    }

    @Test func aDamagedOrHostileIndexIsUnverifiable() throws {
        let repository = try GitRepository()
        let indexPath = repository.checkout + "/.git/index"
        let original = try TestFiles.bytes(indexPath)
        var flipped = original
        flipped[40] ^= 1
        try TestFiles.write(flipped, to: indexPath)
        #expect(try repository.verify().reason.contains("checksum does not match"))
        try TestFiles.write(Array(original.prefix(30)), to: indexPath)
        #expect(try repository.verify().isUnverifiable)
        // A path that climbs out, with a valid checksum: refused before any file is opened.
        try TestFiles.write(GitIndexTests.index(["../../etc/passwd"]), to: indexPath)
        #expect(try repository.verify().reason.contains("leaves the checkout"))
    }

    @Test func underAForeignRootTheCheckoutIsReadInsideIt() throws {
        let repository = try GitRepository()
        let context = HostContext(root: repository.root, environment: [:], commands: NoCommands())
        expectOutcome(try repository.verify(in: context, at: "/Fooocus"), .clean)
        try repository.write("modules/flags.py", "changed = True\n")
        expectOutcome(try repository.verify(in: context, at: "/Fooocus"), .modified(["modules/flags.py"]))
    }

    /// Against git: random edits, stages and restores, and git status as the oracle for
    /// "clean or not" (its untracked listing filtered to code, as envlock counts it).
    @Test func bytecodeOfTrackedSourcesIsComparedByTheJobsInterpreter() async throws {
        let repository = try GitRepository()
        defer { TestFiles.removeTree(repository.root) }
        let python = try TestVenvs.folder.get() + "/records/bin/python"
        let (status, output) = shellOutput("\(shellQuoted(python)) -m compileall -q \(shellQuoted(repository.checkout)) 2>&1")
        try #require(status == 0, "\(output)")
        let cache = try TestFiles.scratchFolder(prefix: "envlock-git-cache")
        defer { TestFiles.removeTree(cache) }
        usleep(200_000)
        // Bytecode Python writes at import is not code of its own: clean, and remembered.
        #expect(try await repository.verifyWithBytecode(python: python, cache: cache) == .clean)
        #expect(try TestFiles.names(in: cache).count == 1)
        // Warm: the remembered verdicts are the same interpreter's, and it is not run.
        #expect(try await repository.verifyWithBytecode(interpreter: .init(executable: "/nonexistent/python", key: "test " + python), cache: cache) == .clean)
        // Edited bytecode under an intact header (modules/ and the top folder alike).
        let flags = try #require(TestFiles.names(in: repository.checkout + "/modules/__pycache__").first { $0.hasPrefix("flags.") })
        let forge = "import sys, marshal; p = sys.argv[1]; d = open(p, 'rb').read(); open(p, 'wb').write(d[:16] + marshal.dumps(compile(\"sampler = 'dpmpp_2m_sde_gpu'\", 'x', 'exec')))"
        let (forged, forgeOutput) = shellOutput("\(shellQuoted(python)) -c \(shellQuoted(forge)) \(shellQuoted(repository.checkout + "/modules/__pycache__/" + flags)) 2>&1")
        try #require(forged == 0, "\(forgeOutput)")
        #expect(try await repository.verifyWithBytecode(python: python, cache: cache) == .modified(["modules/__pycache__/\(flags) (bytecode Python would run instead of its source, and its code differs)"]))
        // Without an interpreter, bytecode not remembered cannot pass.
        guard case .unverifiable(let reason) = try await repository.verifyWithBytecode(python: nil) else {
            Issue.record("bytecode passed without an interpreter to compare it")
            return
        }
        #expect(reason.contains("which interpreter runs the job is not known"), "\(reason)")
        // A link in __pycache__ is read through by Python: reported, never followed.
        let version = try #require(TestFiles.names(in: repository.checkout + "/__pycache__").first { $0.hasPrefix("fooocus_version.") })
        let path = repository.checkout + "/__pycache__/" + version
        #expect(rename(path, path + ".moved") == 0 && symlink(path + ".moved", path) == 0)
        guard case .modified(let paths) = try await repository.verifyWithBytecode(python: python, cache: cache) else {
            Issue.record("a link in __pycache__ passed")
            return
        }
        #expect(paths.contains("__pycache__/\(version) (untracked link)"), "\(paths)")
    }

    @Test func agreesWithGitStatusOnRandomChanges() throws {
        var random = SplitMix64(seed: 25)
        let files = ["launch.py", "modules/flags.py", "modules/__init__.py", "ldm_patched/modules/sample.py", "presets/default.json"]
        for round in 0..<12 {
            let repository = try GitRepository(objectFormat: round % 3 == 0 ? "sha256" : "sha1")
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let file = files[Int.random(in: 0..<files.count, using: &random)]
                switch Int.random(in: 0..<5, using: &random) {
                case 0: try repository.write(file, "edited \(round)\n")
                case 1: try repository.write(file, "edited \(round)\n"); try repository.git("add -A")
                case 2: try repository.write("modules/new\(round).py", "")
                case 3: try repository.git("checkout -q -- .")
                default: try repository.git("update-index --index-version 4")
                }
            }
            let ours = try repository.verify()
            #expect((ours == .clean) == (try repository.gitSaysClean()), "round \(round): \(ours)")
        }
    }
}

/// The index reader on indexes built byte by byte.
@Suite struct GitIndexTests {
    /// A version-2 SHA-1 index of `paths` (zero stat data and ids), with its checksum.
    static func index(_ paths: [String], version: UInt32 = 2, extensions: [UInt8] = []) -> [UInt8] {
        func be32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        var bytes = Array("DIRC".utf8) + be32(version) + be32(UInt32(paths.count))
        for path in paths {
            let name = Array(path.utf8)
            var entry = [UInt8](repeating: 0, count: 24) + be32(0o100644) + [UInt8](repeating: 0, count: 12) + [UInt8](repeating: 0xAB, count: 20)
            entry += [UInt8(name.count >> 8), UInt8(name.count & 0xFF)] + name
            entry += [UInt8](repeating: 0, count: 8 - entry.count % 8)
            bytes += entry
        }
        bytes += extensions
        return bytes + GitHashKind.sha1.digest(bytes)
    }

    @Test func pathsThatLeaveTheCheckoutOrNameGitAreCorrupt() {
        for hostile in ["../x.py", "a/../../x.py", "/etc/passwd", "a//b.py", "./a.py", ".git/config", "a/.GIT/hooks/x", "modules/.."] {
            #expect(throws: GitIndex.Problem.self, "\(hostile)") { try GitIndex.parse(Self.index([hostile]), hash: .sha1) }
        }
        for fine in ["a.py", ".gitignore", "a/..b/c.py", "modules/.git_keep"] {
            #expect((try? GitIndex.parse(Self.index([fine]), hash: .sha1))?.entries.first?.path == fine)
        }
    }

    @Test func extensionsGitRequiresReadersToUnderstandAreRefused() throws {
        let optional = Array("TREE".utf8) + [0, 0, 0, 2, 0x30, 0x30]
        #expect(try GitIndex.parse(Self.index(["a.py"], extensions: optional), hash: .sha1).entries.count == 1)
        for signature in ["link", "sdir", "zzzz"] {
            let mandatory = Array(signature.utf8) + [0, 0, 0, 0]
            #expect(throws: GitIndex.Problem.self, "\(signature)") { try GitIndex.parse(Self.index(["a.py"], extensions: mandatory), hash: .sha1) }
        }
    }

    @Test func cutShortDisorderedOrUnknownVersionsAreRefused() {
        let whole = Self.index(["a.py", "b.py"])
        for length in [0, 11, 12, 40, whole.count - 21, whole.count - 1] {
            var cut = Array(whole.prefix(length))
            if cut.count >= 12 { cut += GitHashKind.sha1.digest(cut) }
            #expect(throws: GitIndex.Problem.self, "\(length) bytes") { try GitIndex.parse(cut, hash: .sha1) }
        }
        #expect(throws: GitIndex.Problem.self) { try GitIndex.parse(Self.index(["b.py", "a.py"]), hash: .sha1) }
        #expect(throws: GitIndex.Problem.self) { try GitIndex.parse(Self.index(["a.py"], version: 5), hash: .sha1) }
        #expect(throws: GitIndex.Problem.self, "a SHA-1 index read as SHA-256") { try GitIndex.parse(whole, hash: .sha256) }
    }
}

/// The rules of the stat check and the fact's wording, on values.
@Suite struct GitCheckoutRuleTests {
    static let entry = GitIndex.Entry(ctimeSeconds: 100, ctimeNanoseconds: 5, mtimeSeconds: 100, mtimeNanoseconds: 5, inode: 7, mode: 0o100644,
                                      size: 3, id: [], stage: 0, intentToAdd: false, path: "a.py")

    static func status(mtime: Int) -> FileStatus {
        var status = try! FileSystem.status("/")
        (status.mtimeSeconds, status.mtimeNanoseconds, status.ctimeSeconds, status.ctimeNanoseconds, status.inode, status.size) = (mtime, 5, 100, 5, 7, 3)
        return status
    }

    @Test func racilyCleanEntriesAreNeverTrustedByTheirStatData() {
        #expect(GitCheckout.matchesStat(Self.entry, Self.status(mtime: 100), indexModified: (101, 0)))
        #expect(!GitCheckout.matchesStat(Self.entry, Self.status(mtime: 100), indexModified: (100, 999_999_999)), "the index's own second")
        #expect(!GitCheckout.matchesStat(Self.entry, Self.status(mtime: 100), indexModified: (99, 0)))
        #expect(!GitCheckout.matchesStat(Self.entry, Self.status(mtime: 99), indexModified: (101, 0)), "another mtime")
    }

    @Test func theFactNamesTenFilesThenCountsAndEscapes() {
        var facts: [String: String] = [:], unreadable: [String: String] = [:]
        let paths = (0..<12).map { "m/\($0).py" } + ["evil\n\"line.py"]
        GitCheckout.record(.modified(paths.sorted()), as: "job.fooocus.tree", facts: &facts, unreadable: &unreadable)
        let value = facts["job.fooocus.tree"] ?? ""
        #expect(value.hasPrefix("modified (13 files): [\"evil\\n\\\"line.py\",\"m/0.py\""))
        #expect(value.hasSuffix(" and 3 more"))
        #expect(!value.contains("\n"))
        GitCheckout.record(.unverifiable("a split index"), as: "job.comfyui.tree", facts: &facts, unreadable: &unreadable)
        #expect(unreadable["job.comfyui.tree"]?.hasPrefix("undetermined: ") == true)
        #expect(facts["job.comfyui.tree"] == nil)
    }

    @Test func deltasThatOverrunTheirBaseAreRefused() {
        // base size 3, result size 2, copy 4 bytes from offset 0.
        #expect(GitObjects.applyDelta([3, 2, 0x90, 4], to: [1, 2, 3]) == nil)
        // base size 3, result 2: copy offset 1 size 2.
        #expect(GitObjects.applyDelta([3, 2, 0x91, 1, 2], to: [1, 2, 3]) == [2, 3])
        #expect(GitObjects.applyDelta([4, 2, 0x91, 1, 2], to: [1, 2, 3]) == nil, "the base's size is checked")
    }

    @Test func theObjectFormatComesFromTheExtensionsSection() throws {
        #expect(try GitHashKind.parseConfig("[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha256\n") == .sha256)
        #expect(try GitHashKind.parseConfig("[core]\n\tobjectformat = sha256\n") == .sha1)
        #expect(throws: GitHeadError.self) { try GitHashKind.parseConfig("[extensions]\nobjectFormat = blake3\n") }
    }
}

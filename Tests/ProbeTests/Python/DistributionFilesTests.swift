#if canImport(Glibc)
import Glibc
#endif
import EnvLock
import Testing
@testable import Probe

/// `python.packages.NAME.files`: installed distributions against their wheel's RECORD, on real
/// pip installs (the `records` venv of scripts/make-test-venvs.sh, copied before a test edits
/// it) and on hostile RECORD files.
@Suite struct DistributionFilesTests {
    // MARK: Reading RECORD as Python's csv module reads it

    @Test func recordRowsAreReadAsPythonsCSVReadsThem() {
        // Each case: the RECORD text and the (path, hash, size) rows csv.reader gives for it.
        let cases: [(String, [DistributionRecords.Entry])] = [
            ("six.py,sha256=TOOfQ,34549\nsix-1.16.0.dist-info/RECORD,,\n", [
                .init(path: "six.py", hash: "sha256=TOOfQ", size: "34549"), .init(path: "six-1.16.0.dist-info/RECORD", hash: "", size: ""),
            ]),
            ("a.py,sha256=x,1\r\nb.py,sha256=y,2\r\n", [.init(path: "a.py", hash: "sha256=x", size: "1"), .init(path: "b.py", hash: "sha256=y", size: "2")]),
            ("\"odd, name.py\",sha256=x,1\n", [.init(path: "odd, name.py", hash: "sha256=x", size: "1")]),
            ("\"say \"\"hi\"\".py\",,\n", [.init(path: "say \"hi\".py", hash: "", size: "")]),
            ("\"two\nlines.py\",sha256=x,3\n", [.init(path: "two\nlines.py", hash: "sha256=x", size: "3")]),
            ("\n\na.py,sha256=x,1", [.init(path: "a.py", hash: "sha256=x", size: "1")]),
            ("a.py,sha256=x,1,extra\n", [.init(path: "a.py", hash: "sha256=x", size: "1", extraFields: 1)]),
            ("a.py\n", [.init(path: "a.py", hash: "", size: "")]),
            (",sha256=x,1\n", [.init(path: "", hash: "sha256=x", size: "1")]),
        ]
        for (text, rows) in cases {
            #expect(DistributionRecords.parseRecord(text) == rows, "\(text.debugDescription)")
        }
    }

    // MARK: What a RECORD asks to be checked

    static let site = "/env/lib/python3.11/site-packages"

    static func plan(_ record: String) -> Result<RecordCheck.Plan, RecordCheck.PlanFailure> {
        RecordCheck.plan(DistributionRecords.parseRecord(record), site: site, distInfo: "demo-1.0.dist-info", key: "demo")
    }

    static let goodHash = "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"

    @Test func entriesThatCannotBeCheckedMakeTheDistributionUnverifiable() {
        // Each hostile or unsupported RECORD line, and the words the reason must hold.
        let cases: [(String, String)] = [
            ("demo/a.py,\(Self.goodHash),99999999999999999999999\n", "not a byte count"),
            ("demo/a.py,\(Self.goodHash),-1\n", "not a byte count"),
            ("demo/a.py,\(Self.goodHash),1e9\n", "not a byte count"),
            ("/etc/passwd,\(Self.goodHash),0\n", "absolute path"),
            ("../../../../../etc/passwd,\(Self.goodHash),0\n", "outside the environment"),
            ("demo/a.py,,\n", "without a hash"),
            ("demo/a.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,0\n", "\"md5\""),
            ("demo/a.py,sha256=not*base64,0\n", "not URL-safe base64"),
            ("demo/a.py,sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=,0\n", "not URL-safe base64"),
            ("demo/a.py,sha256=AAAA,0\n", "not URL-safe base64"),
            ("demo/a.py,\(Self.goodHash),0,extra\n", "more than the three fields"),
            (",\(Self.goodHash),0\n", "has no path"),
            (".,\(Self.goodHash),0\n", "site-packages itself"),
        ]
        for (record, reason) in cases {
            guard case .failure(let failure) = Self.plan(record) else {
                Issue.record("\(record.debugDescription) was accepted")
                continue
            }
            #expect(failure.text.contains(reason), "\(record.debugDescription): \(failure.text)")
        }
    }

    @Test func entriesTheFormatLetsGoWithoutAHashAreListedButNotHashed() throws {
        let record = """
        demo/__init__.py,\(Self.goodHash),0
        demo/__pycache__/__init__.cpython-311.pyc,,
        ../../../bin/demo,\(Self.goodHash),0
        demo-1.0.dist-info/RECORD,,
        demo-1.0.dist-info/RECORD.jws,,
        demo-1.0.dist-info/RECORD.p7s,,

        """
        guard case .success(let plan) = Self.plan(record) else {
            Issue.record("the RECORD was refused")
            return
        }
        #expect(plan.hashed.map(\.path) == ["demo/__init__.py", "../../../bin/demo"])
        #expect(plan.hashed.map(\.absolute) == [Self.site + "/demo/__init__.py", "/env/bin/demo"])
        #expect(plan.hashed.allSatisfy { $0.digest == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" && $0.size == 0 })
        #expect(plan.listed.contains("demo/__pycache__/__init__.cpython-311.pyc"))
        #expect(plan.ownFolders == ["demo", "demo-1.0.dist-info"])
    }

    @Test func scriptsArePlacedOnlyInAnEnvironmentOfTheUsualShape() {
        #expect(RecordCheck.environmentFolder(of: "/env/lib/python3.11/site-packages") == "/env")
        #expect(RecordCheck.environmentFolder(of: "/usr/lib64/python3.9/site-packages") == "/usr")
        #expect(RecordCheck.environmentFolder(of: "/usr/lib/python3/dist-packages") == "/usr")
        #expect(RecordCheck.environmentFolder(of: "/opt/vendored") == nil)
        let record = "../bin/demo,\(Self.goodHash),0\n"
        let vendored = RecordCheck.plan(DistributionRecords.parseRecord(record), site: "/opt/vendored", distInfo: "demo-1.0.dist-info", key: "demo")
        guard case .failure(let failure) = vendored else {
            Issue.record("a script outside a folder of unknown shape was accepted")
            return
        }
        #expect(failure.text.contains("outside the environment"))
    }

    @Test func reportsNameTheFirstTenFilesThenCount() {
        let findings = (0..<12).map { RecordCheck.Finding(path: "demo/m\($0).py", problem: .missing) }
        let text = RecordCheck.text(of: findings)
        #expect(text.hasPrefix("modified: 12 files: demo/m0.py (missing), "))
        #expect(text.hasSuffix("demo/m9.py (missing), and 2 more"))
        let hostile = RecordCheck.text(of: [RecordCheck.Finding(path: "demo/x\nPASS  forged.py", problem: .notInRecord)])
        #expect(!hostile.contains("\n"), "a file name forged a report line: \(hostile)")
    }

    @Test func aKnownWrongRecordLineExcusesOnlyTheBytesThePublishedWheelShips() {
        let shipped = "sha256:" + String(repeating: "ab", count: 32)
        let table = [KnownRecordErrors.Entry(distribution: "demo", version: "1.0", path: "demo/a.so", shipped: shipped, why: "a stand-in")]
        let asShipped = RecordCheck.Finding(path: "demo/a.so", problem: .bytesDiffer(found: shipped))
        #expect(KnownRecordErrors.shipped("demo", "1.0", asShipped, in: table) == table.first)
        // Edited after install, another version, another file, or missing: reported.
        let edited = RecordCheck.Finding(path: "demo/a.so", problem: .bytesDiffer(found: "sha256:" + String(repeating: "cd", count: 32)))
        #expect(KnownRecordErrors.shipped("demo", "1.0", edited, in: table) == nil)
        #expect(KnownRecordErrors.shipped("demo", "1.1", asShipped, in: table) == nil)
        #expect(KnownRecordErrors.shipped("demo", "1.0", RecordCheck.Finding(path: "demo/b.so", problem: .bytesDiffer(found: shipped)), in: table) == nil)
        #expect(KnownRecordErrors.shipped("demo", "1.0", RecordCheck.Finding(path: "demo/a.so", problem: .missing), in: table) == nil)
    }

    // MARK: Real pip installs

    /// A copy of the `records` venv in a fresh folder, its site-packages, and a detector
    /// over it that checks `wanted` without a digest cache.
    struct Venv {
        let root: String
        var site: String { root + "/lib/python\(Self.pythonVersion)/site-packages" }

        static let pythonVersion: String = {
            let folder = (try? TestVenvs.folder.get()) ?? ""
            let lib = (try? TestFiles.names(in: folder + "/records/lib")) ?? []
            return lib.first { $0.hasPrefix("python") }.map { String($0.dropFirst("python".count)) } ?? "3"
        }()

        init() throws {
            let source = try TestVenvs.folder.get() + "/records"
            root = try TestFiles.scratchFolder(prefix: "envlock-records") + "/venv"
            let (status, output) = shellOutput("cp -a \(shellQuoted(source)) \(shellQuoted(root)) 2>&1")
            try #require(status == 0, "cannot copy the records venv: \(output)")
        }

        func check(_ wanted: [String] = ["python.packages.*.files"], cache: String? = nil) async -> DetectorOutcome {
            let detector = DistributionFilesDetector(wanted: wanted.compactMap(FactPattern.init), digests: ModelDigest(cacheFolder: cache))
            return await detector.detect(in: pythonContext(sitePackages: [site]), sysPath: [site], earlier: [:])
        }

        func edit(_ relative: String, _ change: (inout [UInt8]) -> Void) throws {
            var bytes = try TestFiles.bytes(site + "/" + relative)
            change(&bytes)
            try TestFiles.write(bytes, to: site + "/" + relative)
        }

        func remove() { TestFiles.removeTree(PythonPath.dirname(root)) }
    }

    @Test func aFreshPipInstallIsIntactScriptsWithRewrittenShebangsIncluded() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        // pip rewrote `#!python` in docutils' .data/scripts to this venv's interpreter and
        // recorded the rewritten file's hash (pip's wheel.py: fix_script, then rehash in
        // get_csv_rows_for_installed).
        let script = readText(venv.root + "/bin/rst2html.py")
        #expect(script.hasPrefix("#!/") && !script.hasPrefix("#!python"))
        #expect(readText(venv.site + "/docutils-0.20.1.dist-info/RECORD").contains("../../../bin/rst2html.py,sha256="))
        let outcome = await venv.check()
        #expect(outcome.facts["python.packages.docutils.files"] == "intact")
        #expect(outcome.facts["python.packages.six.files"] == "intact")
        #expect(outcome.unreadable == [:])
        #expect(outcome.diagnostics == [])
    }

    @Test func onlyTheDistributionsARuleNamesAreChecked() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let outcome = await venv.check(["python.packages.six.files", "python.packages.six"])
        #expect(Set(outcome.facts.keys) == ["python.packages.six.files"])
        #expect(DistributionFilesDetector(wanted: [FactPattern("python.packages.torch")!], digests: ModelDigest(cacheFolder: nil)).isWanted == false)
    }

    @Test func editedRemovedAndPlantedFilesAreEachNamed() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        try venv.edit("docutils/core.py") { $0 += Array("\nimport os  # patched by hand\n".utf8) }
        try venv.edit("docutils/utils/roman.py") { $0[0] ^= 0x20 } // same size, other bytes
        #expect(unlink(venv.site + "/docutils/frontend.py") == 0)
        try TestFiles.write(Array("print('planted')\n".utf8), to: venv.site + "/docutils/parsers/planted.py")
        try TestFiles.write(Array("import planted\n".utf8), to: venv.site + "/docutils/extra.pth")
        #expect(unlink(venv.root + "/bin/rst2man.py") == 0)
        let outcome = await venv.check()
        let value = try #require(outcome.facts["python.packages.docutils.files"])
        #expect(value.hasPrefix("modified: 6 files: "), "\(value)")
        for expected in [
            "../../../bin/rst2man.py (missing)", "docutils/core.py (", "docutils/utils/roman.py (bytes differ)",
            "docutils/frontend.py (missing)", "docutils/parsers/planted.py (not in RECORD)", "docutils/extra.pth (not in RECORD)",
        ] {
            #expect(value.contains(expected), "\(expected) is not in \(value)")
        }
        #expect(outcome.facts["python.packages.six.files"] == "intact")
    }

    @Test func anEditedRecordIsCaught() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let recordPath = "six-1.16.0.dist-info/RECORD"
        // pip writes RECORD with csv.writer's `\r\n`, one Character in Swift.
        var lines = readText(venv.site + "/" + recordPath).split { $0 == "\r\n" || $0 == "\n" }.map(String.init)
        // Another hash for six.py, and the line of the dist-info's WHEEL dropped.
        let sixLine = try #require(lines.firstIndex { $0.hasPrefix("six.py,") })
        lines[sixLine] = "six.py,\(Self.goodHash),34549"
        lines.removeAll { $0.hasPrefix("six-1.16.0.dist-info/WHEEL,") }
        try TestFiles.write(Array(lines.joined(separator: "\r\n").utf8), to: venv.site + "/" + recordPath)
        let outcome = await venv.check(["python.packages.six.files"])
        let value = try #require(outcome.facts["python.packages.six.files"])
        #expect(value == "modified: 2 files: six-1.16.0.dist-info/WHEEL (not in RECORD), six.py (bytes differ)")
    }

    @Test func bytecodeOfListedSourcesIsAcceptedAndOtherBytecodeIsNot() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let python = try TestVenvs.folder.get() + "/records/bin/python"
        let (status, output) = shellOutput("\(shellQuoted(python)) -m compileall -q \(shellQuoted(venv.site + "/docutils")) 2>&1")
        try #require(status == 0, "\(output)")
        let cache = try TestFiles.names(in: venv.site + "/docutils/__pycache__")
        #expect(cache.contains { $0.hasPrefix("core.") && $0.hasSuffix(".pyc") })
        var outcome = await venv.check(["python.packages.docutils.files"])
        #expect(outcome.facts["python.packages.docutils.files"] == "intact")
        // Bytecode without its source beside it is a module of its own.
        try TestFiles.write([0x00], to: venv.site + "/docutils/__pycache__/evil.cpython-311.pyc")
        try TestFiles.write([0x00], to: venv.site + "/docutils/sourceless.pyc")
        outcome = await venv.check(["python.packages.docutils.files"])
        #expect(outcome.facts["python.packages.docutils.files"] == "modified: 2 files: docutils/__pycache__/evil.cpython-311.pyc (not in RECORD), docutils/sourceless.pyc (not in RECORD)")
    }

    @Test func linksInTheTreeAreReportedNeverFollowed() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let outside = try TestFiles.scratchFolder(prefix: "envlock-outside")
        defer { TestFiles.removeTree(outside) }
        // A listed file replaced by a link to a copy with the same bytes elsewhere, and a link
        // planted in a package folder.
        var (status, output) = shellOutput("""
            cd \(shellQuoted(venv.site)) && cp six.py \(shellQuoted(outside))/six.py && rm six.py && ln -s \(shellQuoted(outside))/six.py six.py \
            && ln -s /etc docutils/planted-link 2>&1
            """)
        try #require(status == 0, "\(output)")
        var outcome = await venv.check()
        #expect(outcome.facts["python.packages.six.files"] == "modified: 1 file: six.py (a symbolic link, not followed)")
        #expect(outcome.facts["python.packages.docutils.files"] == "modified: 1 file: docutils/planted-link (not in RECORD)")
        // A listed folder replaced by a link to a copy of itself.
        (status, output) = shellOutput("""
            cd \(shellQuoted(venv.site)) && rm docutils/planted-link && cp -a docutils/languages \(shellQuoted(outside))/languages \
            && rm -r docutils/languages && ln -s \(shellQuoted(outside))/languages docutils/languages 2>&1
            """)
        try #require(status == 0, "\(output)")
        outcome = await venv.check()
        let value = try #require(outcome.facts["python.packages.docutils.files"])
        // Every file RECORD lists in the folder, and the link itself, which no RECORD lists.
        let listed = readText(venv.site + "/docutils-0.20.1.dist-info/RECORD").split(whereSeparator: \.isNewline).count { $0.hasPrefix("docutils/languages/") }
        #expect(value.hasPrefix("modified: \(listed + 1) files: docutils/languages (not in RECORD), docutils/languages/__init__.py (behind the symbolic link docutils/languages, not followed), "), "\(value)")
    }

    @Test func whatCannotBeCheckedIsUndeterminedWithItsReason() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let record = venv.site + "/six-1.16.0.dist-info/RECORD"
        // A RECORD too large to read (sparse: no disk is spent).
        let descriptor = open(record, O_WRONLY | O_TRUNC)
        #expect(ftruncate(descriptor, 100 << 20) == 0)
        close(descriptor)
        #expect(unlink(venv.site + "/docutils-0.20.1.dist-info/RECORD") == 0)
        let outcome = await venv.check()
        #expect(outcome.facts["python.packages.six.files"] == nil)
        #expect(outcome.facts["python.packages.docutils.files"] == nil)
        let six = try #require(outcome.unreadable["python.packages.six.files"])
        #expect(six.hasPrefix("undetermined: ") && six.contains("larger than"), "\(six)")
        let docutils = try #require(outcome.unreadable["python.packages.docutils.files"])
        #expect(docutils.contains("has no RECORD"), "\(docutils)")
        // Fail closed: a rule that wants `intact` fails on it, saying why.
        let snapshot = Snapshot(facts: outcome.facts, detectors: [DetectorReport(name: "distribution-files", status: .ok, provides: ["python.packages."], unreadable: outcome.unreadable)])
        let rule = Rule(pattern: FactPattern("python.packages.*.files")!, check: .equals("intact"))
        let results = Evaluator.evaluate([rule], lockedFacts: nil, snapshot: snapshot).results
        #expect(results.filter { $0.verdict == .fail }.map(\.key).sorted() == ["python.packages.docutils.files", "python.packages.six.files"])
        #expect(results.filter { $0.verdict == .fail }.allSatisfy { $0.note?.contains("undetermined: ") == true })
    }

    @Test func theDigestCacheServesUnchangedFilesAndNeverAChangedOne() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let cache = try TestFiles.scratchFolder(prefix: "envlock-records-cache")
        defer { TestFiles.removeTree(cache) }
        #expect(await venv.check(cache: cache).facts["python.packages.docutils.files"] == "intact")
        #expect(try TestFiles.names(in: cache).count > 100)
        #expect(await venv.check(cache: cache).facts["python.packages.docutils.files"] == "intact")
        try venv.edit("docutils/core.py") { $0[0] ^= 0x20 }
        #expect(await venv.check(cache: cache).facts["python.packages.docutils.files"] == "modified: 1 file: docutils/core.py (bytes differ)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
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

        /// The venv's interpreter (a link to the one that made the records venv).
        var python: String { root + "/bin/python" }

        /// The detector's outcome with the venv's interpreter known, as after `--python`, or
        /// without one, as after `--site-packages`.
        /// docutils and six by default: pip and setuptools carry 1,000 compiled files that
        /// only `aFreshPipInstallIsIntact…` needs compared.
        func check(_ wanted: [String] = ["python.packages.docutils.files", "python.packages.six.files"], cache: String? = nil, interpreter: Bool = true) async -> DetectorOutcome {
            let detector = DistributionFilesDetector(wanted: wanted.compactMap(FactPattern.init), digests: ModelDigest(cacheFolder: cache))
            var earlier: [String: DetectorOutcome] = [:]
            if interpreter {
                earlier["python"] = .ok(["python.executable": python, "python.implementation": "CPython", "python.version": Self.pythonVersion])
            }
            let context = pythonContext(environment: ["PATH": "/usr/bin:/bin"], sitePackages: [site], commands: SubprocessCommandRunner())
            return await detector.detect(in: context, sysPath: [site], earlier: earlier)
        }

        /// Compiles the venv's docutils as pip does after install (`compileall`).
        func compile(_ folder: String = "docutils", _ options: String = "") throws {
            let (status, output) = shellOutput("\(shellQuoted(python)) -m compileall -q \(options) \(shellQuoted(site + "/" + folder)) 2>&1")
            try #require(status == 0, "\(output)")
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
        // Every distribution, pip's and setuptools' compiled files compared by the interpreter.
        let outcome = await venv.check(["python.packages.*.files"])
        #expect(outcome.facts["python.packages.docutils.files"] == "intact")
        #expect(outcome.facts["python.packages.six.files"] == "intact")
        #expect(outcome.facts["python.packages.pip.files"] == "intact")
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
        try venv.compile()
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

    /// The bytecode file Python reads for `module` of docutils.
    static func bytecode(of module: String, in venv: Venv) throws -> String {
        let name = try #require(TestFiles.names(in: venv.site + "/docutils/__pycache__").first { $0.hasPrefix(module + ".cpython-") && $0.hasSuffix(".pyc") && !$0.contains(".opt-") })
        return "docutils/__pycache__/" + name
    }

    /// Replaces the code in `pyc` with the code of `source` compiled under the same header, as
    /// someone patching bytecode would: Python runs it, since the header still matches.
    static func forgeBytecode(_ pyc: String, withCodeOf source: String, in venv: Venv) throws {
        let script = "import sys, marshal; p = sys.argv[1]; d = open(p, 'rb').read(); c = compile(sys.argv[2], 'x.py', 'exec'); open(p, 'wb').write(d[:16] + marshal.dumps(c))"
        let (status, output) = shellOutput("\(shellQuoted(venv.python)) -c \(shellQuoted(script)) \(shellQuoted(venv.site + "/" + pyc)) \(shellQuoted(source)) 2>&1")
        try #require(status == 0, "\(output)")
    }

    @Test func bytecodePythonWouldRunInsteadOfItsSourceIsComparedWithIt() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        try venv.compile()
        let core = try Self.bytecode(of: "core", in: venv)
        let io = try Self.bytecode(of: "io", in: venv)
        try Self.forgeBytecode(core, withCodeOf: "import os\nos.environ['FORGED'] = '1'\n", in: venv)
        // A header that no longer matches its source: Python recompiles and never runs it.
        try venv.edit(io) { $0[8] ^= 0x01 }
        try TestFiles.write(Array("junk".utf8), to: venv.site + "/docutils/__pycache__/frontend.cpython-39.pyc")
        let outcome = await venv.check(["python.packages.docutils.files"])
        #expect(outcome.facts["python.packages.docutils.files"] == "modified: 1 file: \(core) (bytecode Python would run instead of its source, and its code differs)")
        // Optimized bytecode (python -O) is compared with the source compiled at its level.
        let optimized = try Venv()
        defer { optimized.remove() }
        try optimized.compile("docutils", "-o 1 -o 2")
        #expect(await optimized.check(["python.packages.docutils.files"]).facts["python.packages.docutils.files"] == "intact")
        let opt2 = try #require(TestFiles.names(in: optimized.site + "/docutils/__pycache__").first { $0.hasPrefix("core.") && $0.hasSuffix(".opt-2.pyc") })
        try Self.forgeBytecode("docutils/__pycache__/" + opt2, withCodeOf: "x = 1\n", in: optimized)
        #expect(await optimized.check(["python.packages.docutils.files"]).facts["python.packages.docutils.files"] == "modified: 1 file: docutils/__pycache__/\(opt2) (bytecode Python would run instead of its source, and its code differs)")
        // Hash-based bytecode (PEP 552), checked or not: its header carries the source's hash,
        // which an edit of the code alone keeps.
        for mode in ["checked-hash", "unchecked-hash"] {
            let hashed = try Venv()
            defer { hashed.remove() }
            try hashed.compile("docutils", "--invalidation-mode \(mode)")
            #expect(await hashed.check(["python.packages.docutils.files"]).facts["python.packages.docutils.files"] == "intact", "\(mode)")
            let utils = try Self.bytecode(of: "statemachine", in: hashed)
            try Self.forgeBytecode(utils, withCodeOf: "x = 3\n", in: hashed)
            #expect(await hashed.check(["python.packages.docutils.files"]).facts["python.packages.docutils.files"] == "modified: 1 file: \(utils) (bytecode Python would run instead of its source, and its code differs)", "\(mode)")
        }
    }

    @Test func bytecodeThatCannotBeComparedIsUndetermined() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        try venv.compile()
        // Without the interpreter (--site-packages), bytecode cannot be compared: never intact.
        let outcome = await venv.check(["python.packages.docutils.files"], interpreter: false)
        #expect(outcome.facts["python.packages.docutils.files"] == nil)
        #expect(outcome.unreadable["python.packages.docutils.files"]?.contains("can be compared with their sources only by the interpreter that runs them, and none was run") == true, "\(outcome.unreadable)")
        // Without bytecode there is nothing to compare.
        let clean = try Venv()
        defer { clean.remove() }
        #expect(await clean.check(["python.packages.docutils.files"], interpreter: false).facts["python.packages.docutils.files"] == "intact")
    }

    @Test func bytecodeVerdictsAreRememberedAndAskedAgainWhenAFileChanges() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        try venv.compile()
        let cache = try TestFiles.scratchFolder(prefix: "envlock-records-cache")
        defer { TestFiles.removeTree(cache) }
        usleep(200_000)
        #expect(await venv.check(["python.packages.docutils.files"], cache: cache).facts["python.packages.docutils.files"] == "intact")
        let distInfo = try #require(TestFiles.names(in: venv.site).first { $0.hasPrefix("docutils-") && $0.hasSuffix(".dist-info") })
        let remembered = try #require(Self.entry(in: cache, for: venv.site + "/" + distInfo))
        let core = try Self.bytecode(of: "core", in: venv)
        #expect(remembered.bytecode[core]?.interpreter == "CPython " + Venv.pythonVersion)
        #expect(remembered.intactWhileUnchanged != nil)
        // Warm: no interpreter is needed, and none is run (the check would be undetermined).
        #expect(await venv.check(["python.packages.docutils.files"], cache: cache, interpreter: false).facts["python.packages.docutils.files"] == nil)
        #expect(await venv.check(["python.packages.docutils.files"], cache: cache).facts["python.packages.docutils.files"] == "intact")
        try Self.forgeBytecode(core, withCodeOf: "x = 2\n", in: venv)
        #expect(await venv.check(["python.packages.docutils.files"], cache: cache).facts["python.packages.docutils.files"] == "modified: 1 file: \(core) (bytecode Python would run instead of its source, and its code differs)")
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
        let rules = ["python.packages.docutils.files", "python.packages.six.files"].map { Rule(pattern: FactPattern($0)!, check: .equals("intact")) }
        let results = Evaluator.evaluate(rules, lockedFacts: nil, snapshot: snapshot).results
        #expect(results.filter { $0.verdict == .fail }.map(\.key).sorted() == ["python.packages.docutils.files", "python.packages.six.files"])
        #expect(results.filter { $0.verdict == .fail }.allSatisfy { $0.note?.contains("undetermined: ") == true })
    }

    @Test func theDigestCacheServesUnchangedFilesAndNeverAChangedOne() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let cache = try TestFiles.scratchFolder(prefix: "envlock-records-cache")
        defer { TestFiles.removeTree(cache) }
        // Files changed in the last 100 ms are not remembered (DistributionDigestCache.isSettled),
        // and the copy was just made.
        usleep(200_000)
        let first = await venv.check(cache: cache)
        #expect(first.facts["python.packages.docutils.files"] == "intact")
        // One entry per checked distribution, not one per file.
        let checked = first.facts.keys.filter { $0.hasSuffix(".files") }
        let entries = try TestFiles.names(in: cache)
        #expect(entries.count == checked.count && entries.allSatisfy { $0.hasPrefix("record-") }, "\(entries)")
        let remembered = try entries.map { try TestFiles.text(cache + "/" + $0) }.joined()
        #expect(remembered.contains("\tdocutils/core.py\n"))
        // A warm check writes nothing: the entries keep their inodes and ctimes.
        let before = try entries.map { try FileSystem.status(cache + "/" + $0) }
        #expect(await venv.check(cache: cache).facts["python.packages.docutils.files"] == "intact")
        #expect(try entries.map { try FileSystem.status(cache + "/" + $0) } == before)

        try venv.edit("docutils/core.py") { $0[0] ^= 0x20 }
        #expect(await venv.check(cache: cache).facts["python.packages.docutils.files"] == "modified: 1 file: docutils/core.py (bytes differ)")
    }

    @Test func aSameSizeEditWithItsMtimePutBackIsStillCaught() async throws {
        let venv = try Venv()
        defer { venv.remove() }
        let cache = try TestFiles.scratchFolder(prefix: "envlock-records-cache")
        defer { TestFiles.removeTree(cache) }
        usleep(200_000)
        #expect(await venv.check(cache: cache).facts["python.packages.six.files"] == "intact")
        // An edit that keeps the size, with mtime set back as `touch -r` would: only ctime,
        // which no program can set, tells the file changed.
        let path = venv.site + "/six.py"
        let old = try FileSystem.status(path)
        try venv.edit("six.py") { $0[$0.count - 2] ^= 0x01 }
        var times = [timespec(tv_sec: old.mtimeSeconds, tv_nsec: old.mtimeNanoseconds), timespec(tv_sec: old.mtimeSeconds, tv_nsec: old.mtimeNanoseconds)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let edited = try FileSystem.status(path)
        #expect(edited.mtimeSeconds == old.mtimeSeconds && edited.mtimeNanoseconds == old.mtimeNanoseconds && edited.size == old.size)
        #expect(await venv.check(cache: cache).facts["python.packages.six.files"] == "modified: 1 file: six.py (bytes differ)")
    }

    @Test func cacheEntriesAreTakenOnlyForTheirOwnDistributionAndFormat() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        var entry = DistributionDigestCache.Entry(files: [
            "demo/a.py": .init(identity: "1 2 3 4.5 6.7", digest: digest),
            "demo/tab\tname.py": .init(identity: "1 9 3 4.5 6.7", digest: digest),
        ], bytecode: ["demo/__pycache__/a.cpython-311.pyc": .init(identity: "1 7 3 4.5 6.7", sourceIdentity: "1 2 3 4.5 6.7", interpreter: "CPython 3.11.7")],
        intactWhileUnchanged: ["/env/demo-1.0.dist-info/RECORD": "1 5 3 4.5 6.7", "/env/demo": "1 6 3 4.5 6.7"])
        let bytes = DistributionDigestCache.render(entry, distInfo: "/env/demo-1.0.dist-info")
        #expect(DistributionDigestCache.parse(bytes, distInfo: "/env/demo-1.0.dist-info") == entry)
        #expect(DistributionDigestCache.parse(bytes, distInfo: "/env/other-1.0.dist-info") == nil)
        let text = String(decoding: bytes, as: UTF8.self)
        let forgeries: [String] = [
            text.replacing(digest, with: "sha256:" + String(repeating: "AB", count: 32)),
            text.replacing("envlock-record-cache 3", with: "envlock-record-cache 4"),
            text.replacing(" " + EnvlockRelease.version + "\n", with: " 0.0.1\n"),
            String(text.dropLast()),
            text + "F 1 2 3 4.5 6.7 \(digest) demo/spaces.py\n",
            text + "W\t1 2 3 4.5 6.7\trelative/path\n",
            text.replacing("intact\n", with: "") ,
        ]
        for forged in forgeries {
            #expect(DistributionDigestCache.parse(Array(forged.utf8), distInfo: "/env/demo-1.0.dist-info") == nil, "\(forged.debugDescription)")
        }
        // A warm check reads the same paths and identities straight from the bytes.
        let watched = try #require(DistributionDigestCache.verdictPaths(bytes, distInfo: "/env/demo-1.0.dist-info", interpreter: "CPython 3.11.7"))
        let read: [(identity: String, path: String, isRecordPath: Bool)] = watched.map { (String(decoding: bytes[$0.identity], as: UTF8.self), String(decoding: bytes[$0.path], as: UTF8.self), $0.isRecordPath) }
        #expect(read.filter { $0.isRecordPath }.map { $0.path }.sorted() == (Array(entry.files.keys) + Array(entry.bytecode.keys)).sorted())
        #expect(read.filter { !$0.isRecordPath }.map { $0.path }.sorted() == entry.intactWhileUnchanged?.keys.sorted())
        #expect(read.allSatisfy { $0.isRecordPath ? (entry.files[$0.path]?.identity ?? entry.bytecode[$0.path]?.identity) == $0.identity : entry.intactWhileUnchanged?[$0.path] == $0.identity })
        for forged in forgeries {
            #expect(DistributionDigestCache.verdictPaths(Array(forged.utf8), distInfo: "/env/demo-1.0.dist-info", interpreter: "CPython 3.11.7") == nil, "\(forged.debugDescription)")
        }
        // Bytecode found harmless by another interpreter is not taken.
        #expect(DistributionDigestCache.verdictPaths(bytes, distInfo: "/env/demo-1.0.dist-info", interpreter: "CPython 3.12.1") == nil)
        #expect(DistributionDigestCache.verdictPaths(bytes, distInfo: "/env/demo-1.0.dist-info", interpreter: nil) == nil)
        // Without the verdict there is nothing to take on trust.
        #expect(DistributionDigestCache.verdictPaths(DistributionDigestCache.render(.init(files: entry.files), distInfo: "/env/demo-1.0.dist-info"), distInfo: "/env/demo-1.0.dist-info", interpreter: "CPython 3.11.7") == nil)
        // A path that could forge a line is not remembered (it is hashed each time), and no
        // verdict is written that would rest on it.
        entry.files["demo/two\nlines.py"] = .init(identity: "1 8 3 4.5 6.7", digest: digest)
        let written = DistributionDigestCache.parse(DistributionDigestCache.render(entry, distInfo: "/env/demo-1.0.dist-info"), distInfo: "/env/demo-1.0.dist-info")
        #expect(written?.files.count == 2 && written?.intactWhileUnchanged == nil)
        // Another distribution's folder gives another entry file.
        #expect(DistributionDigestCache(cacheFolder: "/c", distInfo: "/env/a-1.dist-info").entryPath != DistributionDigestCache(cacheFolder: "/c", distInfo: "/env/b-1.dist-info").entryPath)
    }

    /// The entry the last check wrote for the distribution at `distInfo`.
    static func entry(in cache: String, for distInfo: String) -> DistributionDigestCache.Entry? {
        let cacheFile = DistributionDigestCache(cacheFolder: cache, distInfo: distInfo)
        guard let bytes = try? TestFiles.bytes(cacheFile.entryPath) else { return nil }
        return DistributionDigestCache.parse(bytes, distInfo: distInfo)
    }

    @Test func aRememberedIntactVerdictGivesWayToEveryKindOfChange() async throws {
        // Each change, made after a check that remembered "intact", is found by the next check.
        let changes: [(String, (Venv) throws -> Void, String)] = [
            ("an edited file", { try $0.edit("docutils/core.py") { $0[0] ^= 0x20 } }, "docutils/core.py (bytes differ)"),
            ("a file planted deep in a folder", { try TestFiles.write(Array("x = 1\n".utf8), to: $0.site + "/docutils/parsers/rst/directives/planted.py") }, "docutils/parsers/rst/directives/planted.py (not in RECORD)"),
            ("a planted folder", { venv in
                TestFiles.makeFolders(venv.site + "/docutils/languages/extra")
                try TestFiles.write(Array("x = 1\n".utf8), to: venv.site + "/docutils/languages/extra/mod.py")
            }, "docutils/languages/extra/mod.py (not in RECORD)"),
            ("a file swapped for a link", { venv in
                #expect(unlink(venv.site + "/docutils/core.py") == 0)
                #expect(symlink("/etc/hostname", venv.site + "/docutils/core.py") == 0)
            }, "docutils/core.py (a symbolic link, not followed)"),
            ("a removed file", { venv in #expect(unlink(venv.site + "/docutils/core.py") == 0) }, "docutils/core.py (missing)"),
        ]
        for (what, change, finding) in changes {
            let venv = try Venv()
            defer { venv.remove() }
            let cache = try TestFiles.scratchFolder(prefix: "envlock-records-cache")
            defer { TestFiles.removeTree(cache) }
            usleep(200_000)
            #expect(await venv.check(["python.packages.docutils.files"], cache: cache).facts["python.packages.docutils.files"] == "intact")
            let distInfo = try #require(TestFiles.names(in: venv.site).first { $0.hasPrefix("docutils-") && $0.hasSuffix(".dist-info") })
            let remembered = Self.entry(in: cache, for: venv.site + "/" + distInfo)
            #expect(remembered?.intactWhileUnchanged?.isEmpty == false, "\(what): no verdict remembered")
            // The warm check answers from the verdict and writes nothing.
            #expect(await venv.check(["python.packages.docutils.files"], cache: cache).facts["python.packages.docutils.files"] == "intact")
            #expect(Self.entry(in: cache, for: venv.site + "/" + distInfo) == remembered)
            try change(venv)
            let fact = await venv.check(["python.packages.docutils.files"], cache: cache).facts["python.packages.docutils.files"]
            #expect(fact?.contains(finding) == true, "\(what): \(fact ?? "no fact")")
        }
    }

    @Test func anIdentityMatchesOnlyTheLineWrittenForIt() {
        let identity = ModelDigest.FileIdentity(device: 2049, inode: 131_077, size: 34_549, mtimeSeconds: 1_700_000_000, mtimeNanoseconds: 5, ctimeSeconds: 1_700_000_001, ctimeNanoseconds: 999_999_999)
        #expect(identity.isWritten(as: ArraySlice(identity.line.utf8)))
        // overlayfs puts a layer number in an inode's high bits.
        var overlay = identity
        overlay.inode = UInt64.max - 5
        #expect(overlay.isWritten(as: ArraySlice(overlay.line.utf8)) && !identity.isWritten(as: ArraySlice(overlay.line.utf8)))
        for other in ["2049 131077 34549 1700000000.5 1700000001.999999998", "2049 131077 34549 1700000000.5 1700000001.999999999 1",
                      "2049 131077 34549 1700000000.5", "2049  131077 34549 1700000000.5 1700000001.999999999", "2049 131077 34549 1700000000 5 1700000001.999999999",
                      "2049 131077 -34549 1700000000.5 1700000001.999999999", "", "99999999999999999999999 131077 34549 1700000000.5 1700000001.999999999"] {
            #expect(!identity.isWritten(as: ArraySlice(other.utf8)), "\(other)")
        }
    }

    @Test func onlyFilesThatSettledBeforeHashingAreRemembered() {
        var identity = ModelDigest.FileIdentity(device: 1, inode: 2, size: 3, mtimeSeconds: 100, mtimeNanoseconds: 0, ctimeSeconds: 100, ctimeNanoseconds: 0)
        #expect(DistributionDigestCache.isSettled(identity, hashingStarted: timespec(tv_sec: 101, tv_nsec: 0)))
        identity.ctimeNanoseconds = 950_000_000
        #expect(!DistributionDigestCache.isSettled(identity, hashingStarted: timespec(tv_sec: 101, tv_nsec: 0)))
        // mtime is the program's to set; only ctime counts.
        identity.ctimeNanoseconds = 0
        identity.mtimeSeconds = 200
        #expect(DistributionDigestCache.isSettled(identity, hashingStarted: timespec(tv_sec: 101, tv_nsec: 0)))
    }
}

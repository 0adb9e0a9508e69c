#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Probe
import EnvLock

/// Distributions found in site folders, including every kind of broken entry.
@Suite struct SitePackagesTests {
    static func scan(_ folders: [String]) async -> DetectorOutcome {
        let outcomes = await runPythonChain(pythonContext(sitePackages: folders), [SitePackagesDetector()])
        return outcomes["site-packages"]!
    }

    @Test func allMetadataForms() async {
        let tree = PythonTree()
        tree.distInfo("site", "Jinja2-3.1.3.dist-info", name: "Jinja2", version: "3.1.3")
        // A dist-info with PKG-INFO only: importlib.metadata falls back to it.
        tree.write("site/old-1.0.dist-info/PKG-INFO", "Metadata-Version: 1.0\nName: old\nVersion: 1.0\n")
        // egg-info folder (setup.py install) and egg-info file (distutils).
        tree.write("site/Tiny_Egg-0.4.0-py3.11.egg-info/PKG-INFO", "Metadata-Version: 2.1\nName: Tiny-Egg\nVersion: 0.4.0\n")
        tree.write("site/tiny.file-0.5.0-py3.11.egg-info", "Metadata-Version: 1.1\nName: tiny.file\nVersion: 0.5.0\n")
        // An .egg folder on sys.path (easy_install) carries EGG-INFO.
        tree.write("site/legacy-2.0-py3.11.egg/EGG-INFO/PKG-INFO", "Metadata-Version: 1.1\nName: legacy\nVersion: 2.0\n")
        let outcome = await Self.scan([tree.at("site"), tree.at("site/legacy-2.0-py3.11.egg")])
        #expect(outcome.facts == [
            "python.packages.jinja2": "3.1.3", "python.packages.old": "1.0", "python.packages.tiny-egg": "0.4.0",
            "python.packages.tiny-file": "0.5.0", "python.packages.legacy": "2.0",
        ])
        #expect(outcome.diagnostics.isEmpty)
    }

    @Test func firstOnSysPathWins() async {
        let tree = PythonTree()
        tree.distInfo("first", "typing_extensions-4.9.0.dist-info", name: "typing_extensions", version: "4.9.0")
        tree.distInfo("second", "typing_extensions-4.15.0.dist-info", name: "typing-extensions", version: "4.15.0")
        let outcome = await Self.scan([tree.at("first"), tree.at("second")])
        #expect(outcome.facts == ["python.packages.typing-extensions": "4.9.0"])
        #expect(outcome.diagnostics.isEmpty)
    }

    @Test func aStaleSecondCopyInOneFolderIsReported() async throws {
        let tree = PythonTree()
        tree.distInfo("site", "six-1.16.0.dist-info", name: "six", version: "1.16.0")
        tree.distInfo("site", "six-1.17.0.dist-info", name: "six", version: "1.17.0")
        // importlib.metadata takes the first in directory order; so must envlock.
        let order = try FileSystem.entries(of: tree.at("site")).map(\.name)
        let expected = order.first == "six-1.16.0.dist-info" ? "1.16.0" : "1.17.0"
        let outcome = await Self.scan([tree.at("site")])
        #expect(outcome.facts == ["python.packages.six": expected])
        #expect(outcome.diagnostics.count == 1)
        #expect(outcome.diagnostics.first?.contains("a second six in the same folder") == true)
    }

    @Test func brokenEntriesBecomeDiagnosticsWithTheirPaths() async {
        let tree = PythonTree()
        tree.distInfo("site", "good-1.0.dist-info", name: "good", version: "1.0")
        tree.folder("site/nometa-1.0.dist-info")
        tree.write("site/noversion-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: noversion\n\n")
        tree.write("site/noname-2.0.dist-info/METADATA", "Metadata-Version: 2.1\nVersion: 2.0\n")
        tree.write("site/latin1-1.0.dist-info/METADATA", bytes: Array("Metadata-Version: 2.1\nName: latin1\nAuthor: Jos".utf8) + [0xE9] + Array("\nVersion: 1.0\n".utf8))
        tree.symlink("site/loop-1.0.dist-info", pointingTo: "loop-1.0.dist-info")
        tree.symlink("site/dangling-1.0.dist-info", pointingTo: "/nonexistent/dangling")
        let outcome = await Self.scan([tree.at("site")])
        #expect(outcome.status == .ok)
        #expect(outcome.facts == [
            "python.packages.good": "1.0", "python.packages.noname": "2.0", "python.packages.latin1": "1.0",
        ])
        let site = tree.at("site")
        let expectations = [
            "\(site)/nometa-1.0.dist-info: no METADATA or PKG-INFO",
            "\(site)/noversion-1.0.dist-info: its metadata has no Version",
            "\(site)/noname-2.0.dist-info: its metadata has no Name",
            "\(site)/latin1-1.0.dist-info: its metadata is not valid UTF-8",
            "\(site)/loop-1.0.dist-info: a symlink loop",
            "\(site)/dangling-1.0.dist-info: No such file or directory",
        ]
        for expected in expectations {
            #expect(outcome.diagnostics.contains { $0.hasPrefix(expected) }, "missing diagnostic \(expected) in \(outcome.diagnostics)")
        }
        #expect(outcome.diagnostics.count == expectations.count, "\(outcome.diagnostics)")
    }

    /// What is not a file where METADATA should be is reported as such, and neither blocks the
    /// probe (a FIFO nobody writes) nor reads without end (a device); an empty file is a file.
    @Test func whatIsNotAFileIsReportedAndNeverBlocks() async {
        let tree = PythonTree()
        tree.distInfo("site", "good-1.0.dist-info", name: "good", version: "1.0")
        tree.folder("site/folder-1.0.dist-info/METADATA")
        tree.folder("site/fifo-1.0.dist-info")
        mkfifo(tree.at("site/fifo-1.0.dist-info/METADATA"), 0o644)
        tree.folder("site/device-1.0.dist-info")
        tree.symlink("site/device-1.0.dist-info/METADATA", pointingTo: "/dev/zero")
        mkfifo(tree.at("site/fifofile-1.0.egg-info"), 0o644)
        tree.write("site/empty-1.0.dist-info/METADATA", "")
        let outcome = await Self.scan([tree.at("site")])
        #expect(outcome.facts == ["python.packages.good": "1.0"])
        let site = tree.at("site")
        let notAFile = ["folder-1.0.dist-info/METADATA", "fifo-1.0.dist-info/METADATA", "device-1.0.dist-info/METADATA", "fifofile-1.0.egg-info"]
        for entry in notAFile {
            #expect(outcome.diagnostics.contains("\(site)/\(entry): not a regular file (a FIFO, device or folder)"), "\(entry): \(outcome.diagnostics)")
        }
        #expect(outcome.diagnostics.contains { $0.hasPrefix("\(site)/empty-1.0.dist-info: its metadata has no Name") })
    }

    /// Links are followed as importlib.metadata follows them, whether the link is the
    /// dist-info folder or its METADATA, and whether it is relative or absolute.
    @Test func linkedDistributionsAreRead() async {
        let tree = PythonTree()
        tree.distInfo("elsewhere", "folder_rel-1.0.dist-info", name: "folder-rel", version: "1.0")
        tree.distInfo("elsewhere", "folder_abs-2.0.dist-info", name: "folder-abs", version: "2.0")
        tree.write("elsewhere/file.METADATA", "Metadata-Version: 2.1\nName: file-link\nVersion: 3.0\n")
        tree.folder("site")
        tree.symlink("site/folder_rel-1.0.dist-info", pointingTo: "../elsewhere/folder_rel-1.0.dist-info")
        tree.symlink("site/folder_abs-2.0.dist-info", pointingTo: tree.at("elsewhere/folder_abs-2.0.dist-info"))
        tree.folder("site/file_link-3.0.dist-info")
        tree.symlink("site/file_link-3.0.dist-info/METADATA", pointingTo: "../../elsewhere/file.METADATA")
        let outcome = await Self.scan([tree.at("site")])
        #expect(outcome.facts == ["python.packages.folder-rel": "1.0", "python.packages.folder-abs": "2.0", "python.packages.file-link": "3.0"])
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics)")
    }

    @Test func anInvalidNameStillGivesAUsableFactKey() async {
        let tree = PythonTree()
        tree.distInfo("site", "My_Tool-1.0.dist-info", name: "My Tool", version: "1.0")
        let outcome = await Self.scan([tree.at("site")])
        #expect(outcome.facts == ["python.packages.my-tool": "1.0"])
        #expect(outcome.diagnostics.count == 1)
    }

    @Test func anEntryWithoutVersionStillHidesLaterCopies() async {
        // importlib.metadata.version("noversion") finds the first and answers None.
        let tree = PythonTree()
        tree.write("first/noversion-1.0.dist-info/METADATA", "Name: noversion\n")
        tree.distInfo("second", "noversion-1.0.dist-info", name: "noversion", version: "1.0")
        let outcome = await Self.scan([tree.at("first"), tree.at("second")])
        #expect(outcome.facts.isEmpty)
        #expect(outcome.diagnostics.count == 1)
    }

    @Test func unusableSysPathEntries() async {
        let tree = PythonTree()
        tree.distInfo("site", "ok-1.dist-info", name: "ok", version: "1")
        tree.write("archive.zip", "PK")
        tree.symlink("looping", pointingTo: "looping")
        let outcome = await Self.scan([tree.at("site"), tree.at("archive.zip"), tree.at("looping")])
        #expect(outcome.facts == ["python.packages.ok": "1"])
        // --site-packages itself reports that the zip and the loop are no folders.
        let python = await PythonDetector().detect(in: pythonContext(sitePackages: [tree.at("site"), tree.at("archive.zip"), tree.at("looping")]), earlier: [:])
        #expect(python.diagnostics.count == 2)
    }

    @Test func zipAndLoopingEntriesFromAnInterpreterAreDiagnosed() async {
        let tree = PythonTree()
        tree.write("archive.zip", "PK")
        tree.symlink("looping", pointingTo: "looping")
        let python = DetectorOutcome.ok(PythonInstallation(sysPath: [tree.at("archive.zip"), tree.at("looping"), tree.at("missing.zip")]).facts)
        let outcome = await SitePackagesDetector().detect(in: pythonContext(), earlier: ["python": python])
        #expect(outcome.diagnostics.count == 2)
        #expect(outcome.diagnostics.contains { $0.hasPrefix(tree.at("archive.zip") + ": a file on sys.path") })
        #expect(outcome.diagnostics.contains { $0.hasPrefix(tree.at("looping")) && $0.contains("symbolic links") })
    }

    @Test(.enabled(if: geteuid() != 0, "root reads folders whatever their mode"))
    func unreadableFolderIsDiagnosed() async {
        let tree = PythonTree()
        tree.distInfo("site", "locked-1.0.dist-info", name: "locked", version: "1.0")
        chmod(tree.at("site/locked-1.0.dist-info"), 0)
        defer { chmod(tree.at("site/locked-1.0.dist-info"), 0o755) }
        let outcome = await Self.scan([tree.at("site")])
        #expect(outcome.diagnostics.first?.contains("permission denied") == true)
    }

    /// Run inside a probe (as `Prober` runs it), or alone (tests, other callers): in a probe the
    /// slices go to the probe's own threads, alone to a pool of their own; the answer is the same.
    @Test(arguments: [true, false])
    func manyDistributionsKeepSysPathOrderAcrossWorkers(inAProbe: Bool) async {
        let tree = PythonTree()
        for index in 0..<1500 {
            tree.distInfo("a", "pkg_\(index)-1.0.dist-info", name: "pkg-\(index)", version: "1.\(index)")
        }
        for index in 0..<1500 where index % 3 == 0 {
            tree.distInfo("b", "pkg_\(index)-9.0.dist-info", name: "pkg_\(index)", version: "9.\(index)")
        }
        tree.distInfo("b", "only_b-1.0.dist-info", name: "only-b", version: "1.0")
        let folders = [tree.at("a"), tree.at("b")]
        let outcome: DetectorOutcome
        if inAProbe {
            let threads = DetectorThreads(timer: ProbeTimer())
            defer { threads.finish() }
            outcome = await DetectorThreads.$current.withValue(threads) {
                await Task(executorPreference: threads) { await Self.scan(folders) }.value
            }
            #expect(threads.threadsStarted >= 2, "the slices ran on the probe's threads")
        } else {
            outcome = await Self.scan(folders)
        }
        #expect(outcome.facts.count == 1501)
        #expect(outcome.facts["python.packages.pkg-999"] == "1.999")
        #expect(outcome.facts["python.packages.only-b"] == "1.0")
        #expect(outcome.diagnostics.isEmpty)
    }

    @Test func dependsOnThePythonDetectorsOutcome() async {
        let failed = await SitePackagesDetector().detect(in: pythonContext(), earlier: ["python": .failed("broken interpreter")])
        #expect(failed.status == .failed)
        #expect(failed.detail?.contains("broken interpreter") == true)
        let missing = await SitePackagesDetector().detect(in: pythonContext(), earlier: [:])
        #expect(missing.status == .failed)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import EnvLock
import Testing
@testable import Probe

/// `python.startup`: the code Python runs at start, named and hashed, from the files as site.py
/// and getpath find them (the hostile runs of issue 22: a `.pth` line appending `--always-cpu`,
/// a `sitecustomize` in the installation, a `._pth` file beside the interpreter).
@Suite struct PythonStartupTests {
    static func startup(_ context: HostContext, executable: String? = nil, basePrefix: String? = nil, sysPath: [String]) async -> DetectorOutcome {
        var facts: [String: String] = [:]
        if let executable { facts["python.executable"] = executable }
        if let basePrefix { facts["python.base_prefix"] = basePrefix }
        for (index, entry) in sysPath.enumerated() { facts["python.path.\(index)"] = entry }
        return await PythonStartupDetector().detect(in: context, earlier: ["python": .ok(facts)])
    }

    static func entry(_ name: String, _ text: String) -> String { "\(name) sha256:\(Digest.sha256Hex(Array(text.utf8)))" }

    @Test func everyKindOfStartupCodeIsNamedWithItsDigest() async throws {
        let tree = PythonTree()
        let hook = "import sys; sys.argv.append('--always-cpu')\n"
        tree.write("prefix/lib/python3.11/os.py", "")
        tree.write("prefix/lib/python3.11/sitecustomize.py", "import apport_python_hook\n")
        // A second sitecustomize later on sys.path is never imported.
        tree.write("prefix/lib/python3.11/site-packages/sitecustomize.py", "print('shadowed')\n")
        tree.write("prefix/lib/python3.11/site-packages/hook.pth", "# a comment\n" + hook)
        tree.write("prefix/lib/python3.11/site-packages/paths.pth", "/opt/extra\n import indented is a path\n")
        tree.write("prefix/lib/python3.11/site-packages/bom.pth", bytes: [0xEF, 0xBB, 0xBF] + Array("import os\n".utf8))
        tree.write("prefix/lib/python3.11/site-packages/usercustomize/__init__.py", "import os\n")
        tree.write("prefix/bin/python3.11", "ELF")
        tree.write("prefix/bin/python3.11._pth", "/evil\n")
        // .pth files outside site folders are not processed by site.py.
        tree.write("elsewhere/other.pth", "import os\n")
        let sysPath = [tree.at("prefix/lib/python3.11"), tree.at("prefix/lib/python3.11/site-packages"), tree.at("elsewhere")]
        let outcome = await Self.startup(pythonContext(), executable: tree.at("prefix/bin/python3.11"), basePrefix: tree.at("prefix"), sysPath: sysPath)
        #expect(outcome.status == .ok, "\(outcome.detail ?? "")")
        // Every sitecustomize is listed, the later one too: which one Python imports depends on
        // the order site.py builds sys.path in, and listing both is only stricter.
        let expected = [
            "bom.pth sha256:\(Digest.sha256Hex([0xEF, 0xBB, 0xBF] + Array("import os\n".utf8)))",
            Self.entry("hook.pth", "# a comment\n" + hook),
            Self.entry("python3.11._pth", "/evil\n"),
            Self.entry("sitecustomize.py", "import apport_python_hook\n"),
            Self.entry("sitecustomize.py", "print('shadowed')\n"),
            Self.entry("usercustomize/__init__.py", "import os\n"),
        ].sorted()
        #expect(outcome.facts == ["python.startup": FactList.encode(expected)])
    }

    /// The installer lines PthFile knows to the letter are left out, so another setuptools
    /// release gives the same list; virtualenv's line is listed as the _virtualenv.py it runs.
    @Test func knownInstallerLinesAreLeftOutAndVirtualenvsHelperIsListed() async {
        let tree = PythonTree()
        tree.write("venv/site-packages/distutils-precedence.pth", "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
        tree.write("venv/site-packages/_virtualenv.pth", "import _virtualenv")
        tree.write("venv/site-packages/_virtualenv.py", "# virtualenv's patches\n")
        let outcome = await Self.startup(pythonContext(), sysPath: [tree.at("venv/site-packages")])
        #expect(outcome.facts == ["python.startup": FactList.encode([Self.entry("_virtualenv.py", "# virtualenv's patches\n")])])
        // The module a known line imports runs at start: listed once it is there.
        tree.write("venv/site-packages/_distutils_hack/__init__.py", "def add_shim(): pass\n")
        tree.write("venv/site-packages/_distutils_hack/override.py", "__import__('_distutils_hack').do_override()\n")
        let withHack = await Self.startup(pythonContext(), sysPath: [tree.at("venv/site-packages")])
        #expect(withHack.facts == ["python.startup": FactList.encode([
            Self.entry("_distutils_hack/__init__.py", "def add_shim(): pass\n"), Self.entry("_distutils_hack/override.py", "__import__('_distutils_hack').do_override()\n"),
            Self.entry("_virtualenv.py", "# virtualenv's patches\n"),
        ].sorted())])
        // One changed character makes a known line unknown.
        tree.write("venv/site-packages/distutils-precedence.pth", "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); import sys\n")
        let changed = await Self.startup(pythonContext(), sysPath: [tree.at("venv/site-packages")])
        #expect(changed.facts["python.startup"]?.contains("distutils-precedence.pth sha256:") == true, "\(changed.facts)")
    }

    /// What the review of issue 22's fixes found: Python 3.13 splits .pth lines at form feeds
    /// and the other splitlines() separators; a package with only bytecode runs; a folder
    /// named by a .pth path line is on sys.path when site imports sitecustomize; a .pth with an
    /// unknown line and virtualenv's line lists both.
    @Test func theWaysStartupCodeHidesAreListed() async {
        let tree = PythonTree()
        tree.write("site-packages/formfeed.pth", "# note\u{0C}import os\n")
        tree.write("site-packages/separator.pth", "# note\u{2028}import os\n")
        tree.write("site-packages/both.pth", "import _virtualenv\nimport sys\n")
        tree.write("site-packages/_virtualenv.py", "# patches\n")
        tree.write("site-packages/extra.pth", "../elsewhere\n")
        tree.write("elsewhere/sitecustomize.py", "import os\n")
        tree.write("lib/sitecustomize/__init__.pyc", "bytecode")
        let outcome = await Self.startup(pythonContext(), sysPath: [tree.at("lib"), tree.at("site-packages")])
        let listed = outcome.facts["python.startup"] ?? ""
        for name in ["formfeed.pth", "separator.pth", "both.pth", "_virtualenv.py", "sitecustomize.py", "sitecustomize/__init__.pyc"] {
            #expect(listed.contains("\"\(name) sha256:"), "\(name): \(listed)")
        }
        #expect(!listed.contains("extra.pth"), "a .pth of path lines runs nothing: \(listed)")
    }

    /// setuptools' `_distutils_hack`, as its RECORD lists it, is left out whichever setuptools
    /// release installed it, as when none is installed (so another interpreter refuses no
    /// launch for it); edited, it is listed by its digest.
    @Test func setuptoolsDistutilsHackIsListedByItsRecord() async {
        let tree = PythonTree()
        let line = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
        func recordHash(_ text: String) -> String {
            let hex = Array(Digest.sha256Hex(Array(text.utf8)).utf8)
            let digest = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            return "sha256=" + Base64Codec.encode(digest).replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
        }
        for (version, code) in [("69.0.0", "def add_shim(): pass\n"), ("75.1.0", "def add_shim():\n    pass\n")] {
            tree.write("v\(version)/site-packages/distutils-precedence.pth", line)
            tree.write("v\(version)/site-packages/_distutils_hack/__init__.py", code)
            tree.write("v\(version)/site-packages/setuptools-\(version).dist-info/RECORD", "_distutils_hack/__init__.py,\(recordHash(code)),\(code.utf8.count)\ndistutils-precedence.pth,\(recordHash(line)),\(line.utf8.count)\n")
        }
        let old = await Self.startup(pythonContext(), sysPath: [tree.at("v69.0.0/site-packages")])
        let new = await Self.startup(pythonContext(), sysPath: [tree.at("v75.1.0/site-packages")])
        #expect(old.facts["python.startup"] == "[]", "\(old)")
        #expect(new.facts["python.startup"] == "[]", "\(new)")
        tree.write("v75.1.0/site-packages/_distutils_hack/__init__.py", "import sys; sys.argv.append('--always-cpu')\n")
        let edited = await Self.startup(pythonContext(), sysPath: [tree.at("v75.1.0/site-packages")])
        #expect(edited.facts["python.startup"] == FactList.encode([Self.entry("_distutils_hack/__init__.py", "import sys; sys.argv.append('--always-cpu')\n")]))
    }

    @Test func nothingAtStartIsAnEmptyList() async {
        let tree = PythonTree()
        tree.write("site-packages/paths.pth", "/opt/extra\n")
        let outcome = await Self.startup(pythonContext(), sysPath: [tree.at("site-packages"), tree.at("missing")])
        #expect(outcome.facts == ["python.startup": "[]"])
    }

    /// The same image at another prefix gives the same value; one added line does not.
    @Test func theValueDependsOnContentNotOnFolders() async {
        let a = PythonTree(), b = PythonTree()
        for tree in [a, b] { tree.write("x/site-packages/distutils-precedence.pth", "import os\n") }
        let first = await Self.startup(pythonContext(), sysPath: [a.at("x/site-packages")])
        let second = await Self.startup(pythonContext(), sysPath: [b.at("x/site-packages")])
        #expect(first.facts == second.facts)
        b.write("x/site-packages/zz-hostile.pth", "import sys; sys.argv.append('--always-cpu')\n")
        let third = await Self.startup(pythonContext(), sysPath: [b.at("x/site-packages")])
        #expect(third.facts != first.facts)
    }

    /// `--site-packages` folders are site folders whatever their names.
    @Test func aNamedSiteFolderIsASiteFolder() async {
        let tree = PythonTree()
        tree.write("site/hook.pth", "import os\n")
        let outcome = await Self.startup(pythonContext(sitePackages: [tree.at("site")]), sysPath: [tree.at("site")])
        #expect(outcome.facts == ["python.startup": FactList.encode([Self.entry("hook.pth", "import os\n")])])
    }

    /// A file envlock cannot read (here a FIFO, which it never opens) is a failure with its
    /// reason, never an empty list.
    @Test func anUnreadablePthFileFails() async {
        let tree = PythonTree()
        tree.folder("site-packages")
        #expect(mkfifo(tree.at("site-packages/hook.pth"), 0o644) == 0)
        let outcome = await Self.startup(pythonContext(), sysPath: [tree.at("site-packages")])
        #expect(outcome.status == .failed)
        #expect(outcome.detail?.contains("hook.pth") == true, "\(outcome.detail ?? "")")
        #expect(outcome.facts["python.startup"] == nil)
    }
}

#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
@testable import Probe

@Suite struct PythonMetadataTests {
    @Test(arguments: [
        ("six", "six"), ("Jinja2", "jinja2"), ("zope.interface", "zope-interface"),
        ("typing_extensions", "typing-extensions"), ("Foo__Bar-._baz", "foo-bar-baz"),
        ("nvidia-cuda-runtime-cu12", "nvidia-cuda-runtime-cu12"), ("Tiny.Modern_Editable", "tiny-modern-editable"),
    ])
    func namesNormalizeAsPEP503Says(name: String, normalized: String) {
        #expect(PackageName.normalize(name) == normalized)
    }

    @Test(arguments: [
        ("six-1.16.0.dist-info", "six"), ("zope.interface-6.1.dist-info", "zope.interface"),
        ("Tiny_Egg_Info_Folder-0.4.0-py3.11.egg-info", "Tiny_Egg_Info_Folder"), ("tiny_legacy_develop.egg-info", "tiny_legacy_develop"),
    ])
    func folderNamesGiveTheProjectName(folder: String, name: String) {
        #expect(PythonMetadata.nameFromMetadataFolder(folder) == name)
    }

    @Test func realTorchMetadataHeader() {
        let bytes = readBytes(SharedData.realFixtures + "/dist-info-metadata/torch-2.5.1.dist-info_METADATA.headers")
        #expect(PythonMetadata.HeaderScanner.scan(bytes) == PythonMetadata.Header(name: "torch", version: "2.5.1"))
    }

    @Test func realXFormersMetadataWithCRLF() {
        let bytes = readBytes(SharedData.realFixtures + "/dist-info-metadata/xformers-0.0.25.post1.dist-info_METADATA")
        #expect(PythonMetadata.HeaderScanner.scan(bytes) == PythonMetadata.Header(name: "xformers", version: "0.0.25.post1"))
    }

    @Test(arguments: [
        // Field names are case-insensitive; the first occurrence wins, as email.message does.
        ("name: a\nVERSION: 1\nVersion: 2\n", "a", "1"),
        // A Version after the blank line is the body, not the header.
        ("Name: a\nSummary: s\n\nVersion: 9\n", "a", nil),
        // A line that is not `field: value` ends the header block.
        ("Name: a\nnot a header line\nVersion: 3\n", "a", nil),
        // Continuation lines are skipped; trailing spaces are kept as importlib.metadata keeps them.
        ("Summary: s\n  continued: x\nName: a\nVersion: 1.0 \n", "a", "1.0 "),
        // No newline at the end of the file.
        ("Name: a\nVersion: 4", "a", "4"),
        // A mailbox "From " line is ignored.
        ("From nobody\nName: a\nVersion: 5\n", "a", "5"),
        ("Name: a\r\nVersion: 6\r\n\r\n", "a", "6"),
        ("", nil, nil),
    ] as [(String, String?, String?)])
    func headerRules(text: String, name: String?, version: String?) {
        let header = PythonMetadata.HeaderScanner.scan(Array(text.utf8))
        #expect(header.name == name)
        #expect(header.version == version)
        #expect(!header.hasInvalidUTF8)
    }

    @Test func invalidUTF8IsFlaggedNotDropped() {
        let header = PythonMetadata.HeaderScanner.scan(Array("Name: caf".utf8) + [0xE9] + Array("\nVersion: 1.0\n".utf8))
        #expect(header.hasInvalidUTF8)
        #expect(header.version == "1.0")
        #expect(header.name == "caf\u{FFFD}")
    }

    @Test func scannerStopsOnceNameAndVersionAreKnown() {
        var scanner = PythonMetadata.HeaderScanner()
        let text = Array("Name: a\nVersion: 1\nSummary: never read\n".utf8)
        let consumed = text.withUnsafeBytes { scanner.consume($0, isEndOfFile: false) }
        #expect(scanner.isComplete)
        #expect(consumed == "Name: a\nVersion: 1\n".utf8.count)
    }

    @Test func scannerWaitsForTheRestOfALine() {
        var scanner = PythonMetadata.HeaderScanner()
        let first = Array("Name: a\nVers".utf8)
        let consumed = first.withUnsafeBytes { scanner.consume($0, isEndOfFile: false) }
        #expect(consumed == 8)
        #expect(!scanner.isComplete)
        let rest = Array("Version: 2\n".utf8)
        _ = rest.withUnsafeBytes { scanner.consume($0, isEndOfFile: false) }
        #expect(scanner.header == PythonMetadata.Header(name: "a", version: "2"))
    }

    @Test func headerReaderReadsPastItsFirstChunk() throws {
        let tree = PythonTree()
        let classifiers = String(repeating: "Classifier: Programming Language :: Python :: 3\n", count: 400)
        _ = tree.write("METADATA", "Metadata-Version: 2.1\n\(classifiers)Name: late\nVersion: 7.0\n\nbody\n")
        let reader = MetadataHeaderReader()
        let context = HostContext(environment: [:], commands: NoCommands())
        let expected = PythonMetadata.Header(name: "late", version: "7.0")
        // By its full path, and by name inside its opened folder, as site-packages reads it.
        #expect(try reader.header("METADATA", in: tree.path, opened: nil, context: context) == expected)
        let opened = try #require(context.openFolder(tree.path))
        defer { close(opened) }
        #expect(try reader.header("METADATA", in: tree.path, opened: opened, context: context) == expected)
    }

    @Test func pyvenvConfigOfVenv311() {
        let config = PyVenvConfig.parse("""
            home = /root/.pyenv/versions/3.11.7/bin
            include-system-site-packages = false
            version = 3.11.7
            executable = /root/.pyenv/versions/3.11.7/bin/python3.11
            command = /root/.pyenv/versions/3.11.7/bin/python -m venv /tmp/v

            """)
        #expect(config == PyVenvConfig(home: "/root/.pyenv/versions/3.11.7/bin", includeSystemSitePackages: false, version: "3.11.7", baseExecutable: "/root/.pyenv/versions/3.11.7/bin/python3.11"))
        #expect(config.majorMinor == "3.11")
    }

    @Test func pyvenvConfigOfVirtualenv() {
        let config = PyVenvConfig.parse("home = /usr/bin\nimplementation = CPython\nversion_info = 3.13.0.candidate.1\nvirtualenv = 20.25.0\nInclude-System-Site-Packages = True\n")
        #expect(config.version == "3.13.0rc1")
        #expect(config.implementation == "cpython")
        #expect(config.includeSystemSitePackages)
        #expect(config.majorMinor == "3.13")
    }

    @Test func pyvenvConfigWithoutTheKeyIncludesSystemSitePackages() {
        // site.py starts from "true" and only a key can turn it off.
        #expect(PyVenvConfig.parse("home = /usr/bin\n").includeSystemSitePackages)
    }

    @Test func pthFilesKeepOnlyPathLines() {
        let text = "# comment\n/abs/path\n\n   \nimport os; os.x()\nimport\tsys\nrelative/dir  \n../up\r\n"
        #expect(PthFile.pathLines(text) == ["/abs/path", "relative/dir", "../up"])
    }

    /// Lines installers write that leave sys.path alone, as real installs ship them.
    static let neutralStartupLines = [
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ",
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'stdlib') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ",
        "import __editable___tiny_modern_0_1_0_finder; __editable___tiny_modern_0_1_0_finder.install()",
        "import _virtualenv",
        // zope.interface 6.1's zope.interface-6.1-py3.11-nspkg.pth, as pip installed it.
        "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('zope', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('zope', [os.path.dirname(p)])));m = m or sys.modules.setdefault('zope', types.ModuleType('zope'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
        // A nested namespace, as setuptools' _gen_nspkg_line writes it.
        "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('a', 'b'));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('a.b', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('a.b', [os.path.dirname(p)])));m = m or sys.modules.setdefault('a.b', types.ModuleType('a.b'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p);m and setattr(sys.modules['a'], 'b', m)",
    ]

    /// Executed lines that can change sys.path, including near misses of the neutral ones.
    static let sysPathChangingLines = [
        "import sys; sys.path.insert(0, '/elsewhere')",
        "import\tsys; sys.path[:0] = ['/x']",
        "import sys; sys.__plen = len(sys.path)",
        "import __editable___a_finder; __editable___b_finder.install()",
        "import __editable___a_finder; __editable___a_finder.install(); import sys; sys.path.insert(0, '/x')",
        "import _virtualenv; import sys; sys.path.insert(0, '/x')",
        "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('zope', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('zope', [os.path.dirname(p)])));m = m or sys.modules.setdefault('zope', types.ModuleType('zope'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p);sys.path.insert(0, '/x')",
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('sys').path.insert(0, '/x'); ",
    ]

    @Test(arguments: neutralStartupLines)
    func installerLinesLeaveSysPathAlone(line: String) {
        #expect(PthFile.sysPathChangingLines("# generated\n" + line + "\n").isEmpty)
    }

    @Test(arguments: sysPathChangingLines)
    func otherExecutedLinesMayChangeSysPath(line: String) {
        #expect(PthFile.sysPathChangingLines("/a/path\n" + line + "\r\n") == [line])
    }

    @Test(arguments: [(1201, "12.1"), (1108, "11.8"), (1300, "13.0"), (902, "9.2")])
    func cudaIntegers(value: Int, text: String) {
        #expect(CUDAVersionText.fromInteger(value) == text)
    }

    @Test(arguments: [("cu121", "12.1"), ("cu118", "11.8"), ("cu92", "9.2"), ("cu130", "13.0"), ("cpu", nil), ("rocm5.7", nil), ("cu", nil)] as [(String, String?)])
    func cudaLocalTags(tag: String, version: String?) {
        #expect(CUDAVersionText.fromLocalTag(tag) == version)
    }

    @Test(arguments: [("/a/b/c", "/a/b"), ("/a", "/"), ("a", ""), ("/a/b/", "/a/b")])
    func dirnameAsPython(path: String, parent: String) {
        #expect(PythonPath.dirname(path) == parent)
    }

    @Test(arguments: [("/a/./b/../c", "/a/c"), ("/../a", "/a"), ("a/../..", ".."), ("//a//b/", "/a/b"), ("", ".")])
    func normpathAsPython(path: String, normalized: String) {
        #expect(PythonPath.normalize(path) == normalized)
    }

    @Test func theNormalPathShortcutAgreesWithNormalizing() {
        // Every path of up to six characters over the bytes that matter, and each with a
        // RECORD-like prefix: the shortcut takes a path as it is only when normalizing would not
        // change it (it may leave a normal path such as `../a` to the slow road).
        let alphabet: [Character] = ["/", ".", "a", "é"]
        var level = [""]
        var paths = level
        for _ in 1...6 {
            level = level.flatMap { path in alphabet.map { path + String($0) } }
            paths += level
        }
        paths += paths.map { "torch/lib/" + $0 } + paths.map { "/env/" + $0 }
        #expect(paths.count > 5000)
        #expect(PythonPath.isNormal("torch/lib/libtorch_cuda.so") && PythonPath.isNormal("/env/lib/python3.11/site-packages") && PythonPath.isNormal("/"))
        for path in paths {
            #expect(PythonPath.normalize(path) == PythonPath.normalizeComponents(path), "\(path.debugDescription)")
            if PythonPath.isNormal(path) { #expect(PythonPath.normalizeComponents(path) == path, "\(path.debugDescription)") }
        }
    }
}

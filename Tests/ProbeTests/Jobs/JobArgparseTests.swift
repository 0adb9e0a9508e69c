#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
@testable import Probe

/// Which argparse a job parses its command line with: found as Python finds it, proven by its
/// file's SHA-256, and undetermined whenever envlock cannot be sure.
@Suite struct JobArgparseTests {
    /// A stand-in interpreter tree: `py/bin/python3.11` with `py/lib/python3.11/os.py` (the
    /// stdlib landmark) and an `argparse.py` that `provenArgparse` names as 3.11's.
    /// An executable's first bytes: envlock takes only an ELF file for an interpreter.
    static let elf = "\u{7F}ELF stand-in interpreter"
    static let standInArgparse = "# stand-in for CPython 3.11's argparse.py\n"
    static let python: [String: String] = [
        "py/bin/python3.11": elf,
        "py/lib/python3.11/os.py": "",
        "py/lib/python3.11/argparse.py": standInArgparse,
    ]
    static let proven = [String(ModelDigest.text(of: Array(standInArgparse.utf8)).dropFirst("sha256:".count)): JobArgparse.ProvenFile(release: "3.11-stand-in", minor: 11, revision: .original)]

    /// A job running `command` from `workingDirectory`, trusting the stand-in argparse.
    static func job(_ command: [String], workingDirectory: String = "/") -> JobInvocation {
        var job = JobInvocation(command: command, workingDirectory: workingDirectory, digests: ModelDigest(cacheFolder: nil))
        job.provenArgparse = proven
        return job
    }

    static func find(_ tree: FixtureTree, _ command: [String], environment: [String: String] = [:], workingDirectory: String = "/") -> Result<JobArgparse.Found, JobArgparse.Undetermined> {
        let job = job(command.map { $0.replacing("ROOT", with: tree.root) }, workingDirectory: workingDirectory)
        let context = HostContext(root: "/", environment: environment, commands: NoCommands())
        return JobArgparse.find(for: JobInvocation.launch(job.command)!, job: job, in: context)
    }

    static func reason(_ result: Result<JobArgparse.Found, JobArgparse.Undetermined>) -> String? {
        if case .failure(let undetermined) = result { undetermined.reason } else { nil }
    }

    @Test func theInterpretersOwnStandardLibraryDecides() throws {
        let tree = try FixtureTree(Self.python.merging(["app/launch.py": ""]) { $1 })
        let found = try Self.find(tree, ["ROOT/py/bin/python3.11", "ROOT/app/launch.py"]).get()
        #expect(found.path == tree.root + "/py/lib/python3.11/argparse.py")
        #expect(found.proven.minor == 11)
    }

    /// The proven file decides how the command line parses, not only whether it is read: a
    /// 3.13.5 file reaches the type error before the ambiguous prefix that 3.13.0 reports first.
    @Test func theProvenFilesRevisionParsesTheCommandLine() throws {
        let tree = try FixtureTree(Self.python.merging(["app/launch.py": ""]) { $1 })
        let command = ["ROOT/py/bin/python3.11", "ROOT/app/launch.py", "--port", "abc", "--attention"].map { $0.replacing("ROOT", with: tree.root) }
        let context = HostContext(root: "/", environment: [:], commands: NoCommands())
        var messages: [String] = []
        for revision in [PythonArgparse.Revision.separator, .reachedAmbiguity] {
            var job = Self.job(command)
            job.provenArgparse = Self.proven.mapValues { JobArgparse.ProvenFile(release: $0.release, minor: $0.minor, revision: revision) }
            guard case .exits(2, let message) = JobArgparse.parse(JobInvocation.launch(job.command)!, with: FooocusOptions.parser, job: job, in: context).outcome else {
                Issue.record("\(revision): the command line is refused")
                continue
            }
            messages.append(message)
        }
        #expect(messages == ["ambiguous option: --attention could match --attention-split, --attention-quad, --attention-pytorch",
                             "argument --port: invalid int value: 'abc'"])
    }

    @Test func aVirtualEnvironmentUsesItsHomeInterpretersLibrary() throws {
        let tree = try FixtureTree(Self.python.merging(["venv/bin/python": Self.elf, "app/launch.py": ""]) { $1 })
        try TestFiles.write(Array("home = \(tree.root)/py/bin\nversion = 3.11.7\n".utf8), to: tree.root + "/venv/pyvenv.cfg")
        let found = try Self.find(tree, ["ROOT/venv/bin/python", "ROOT/app/launch.py"]).get()
        #expect(found.path == tree.root + "/py/lib/python3.11/argparse.py")
    }

    @Test func aBareNameIsLookedUpOnTheJobsPath() throws {
        let tree = try FixtureTree(Self.python.merging(["app/launch.py": ""]) { $1 })
        #expect(chmod(tree.root + "/py/bin/python3.11", 0o755) == 0)
        #expect(symlink(tree.root + "/py/bin/python3.11", tree.root + "/py/bin/python3") == 0)
        let found = try Self.find(tree, ["python3", "ROOT/app/launch.py"], environment: ["PATH": tree.root + "/py/bin"]).get()
        #expect(found.proven.release == "3.11-stand-in")
        #expect(Self.reason(Self.find(tree, ["python3", "ROOT/app/launch.py"], environment: ["PATH": tree.root + "/app"]))?.contains("not on the job's PATH") == true)
    }

    @Test func aPyenvShimRunsTheVersionPyenvWouldChoose() throws {
        var files = Self.python.merging(["app/launch.py": "", "pyenv/versions/3.11.7/bin/python3": Self.elf, "pyenv/versions/3.11.7/lib/python3.11/os.py": "",
                                         "pyenv/versions/3.11.7/lib/python3.11/argparse.py": "# some other argparse\n", "pyenv/version": "3.11.7\n"]) { $1 }
        files["pyenv/shims/python3"] = "#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT=\"PYENVROOT\"\nexec \"PYENVROOT/libexec/pyenv\" exec \"$program\" \"$@\"\n"
        let tree = try FixtureTree(files)
        let shim = tree.root + "/pyenv/shims/python3"
        try TestFiles.write(Array(files["pyenv/shims/python3"]!.replacing("PYENVROOT", with: tree.root + "/pyenv").utf8), to: shim)
        #expect(chmod(shim, 0o755) == 0)
        let path = ["PATH": tree.root + "/pyenv/shims"]
        // The global version file: its argparse is not a proven one, so the options are undetermined.
        #expect(Self.reason(Self.find(tree, ["python3", "ROOT/app/launch.py"], environment: path))?.contains("pyenv/versions/3.11.7/lib/python3.11/argparse.py") == true)
        // A .python-version above the working folder wins over the global file, PYENV_VERSION over both.
        #expect(symlink(tree.root + "/py", tree.root + "/pyenv/versions/stand-in") == 0)
        try TestFiles.write(Array("stand-in\n".utf8), to: tree.root + "/app/.python-version")
        #expect(symlink(tree.root + "/py/bin/python3.11", tree.root + "/py/bin/python3") == 0)
        #expect(try Self.find(tree, ["python3", "ROOT/app/launch.py"], environment: path, workingDirectory: tree.root + "/app").get().proven.minor == 11)
        #expect(Self.reason(Self.find(tree, ["python3", "ROOT/app/launch.py"], environment: path.merging(["PYENV_VERSION": "3.11.7"]) { $1 }, workingDirectory: tree.root + "/app")) != nil)
        #expect(Self.reason(Self.find(tree, ["python3", "ROOT/app/launch.py"], environment: path.merging(["PYENV_VERSION": "9.9"]) { $1 }))?.contains("no version") == true)
    }

    @Test func anArgparseBeforeTheStandardLibraryIsUndetermined() throws {
        // The script's folder, a PYTHONPATH folder, a package or an extension module: each is imported first.
        for (shadow, environment) in [("app/argparse.py", [:]), ("app/argparse/__init__.py", [:]), ("extra/argparse.cpython-311-x86_64-linux-gnu.so", ["PYTHONPATH": "EXTRA"]), ("py/lib/python311.zip", [:])] {
            let tree = try FixtureTree(Self.python.merging(["app/launch.py": "", shadow: ""]) { $1 })
            let resolved = environment.mapValues { $0.replacing("EXTRA", with: tree.root + "/extra") }
            let reason = Self.reason(Self.find(tree, ["ROOT/py/bin/python3.11", "ROOT/app/launch.py"], environment: resolved))
            #expect(reason?.contains(shadow.split(separator: "/").dropFirst().first.map(String.init) ?? shadow) == true, "\(shadow): \(reason ?? "found")")
        }
    }

    /// Any standard module shadowed before the stdlib (json.py in the app's folder, a package,
    /// an extension) is imported instead of Python's; what site runs at start from outside the
    /// installation (sitecustomize on PYTHONPATH, usercustomize in the user site) can change the
    /// environment and argv. -E and -s take away what they take away in Python; -I, -P and
    /// PYTHONSAFEPATH make the app's own imports undetermined.
    @Test func whatPythonImportsOrRunsBeforeTheAppIsChecked() throws {
        let standard = Self.python.merging(["py/lib/python3.11/json/__init__.py": "", "py/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so": ""]) { $1 }
        for (extra, environment, options, expected) in [
            ("app/json.py", [:], [], "instead of Python's json"),
            ("app/json/__init__.py", [:], [], "instead of Python's json"),
            ("app/_ssl.cpython-311-x86_64-linux-gnu.so", [:], [], "instead of Python's _ssl"),
            ("extra/sitecustomize.py", ["PYTHONPATH": "EXTRA"], [], "runs when Python starts"),
            ("user/lib/python3.11/site-packages/usercustomize.py", ["PYTHONUSERBASE": "USER"], [], "runs when Python starts"),
            // Safe-path mode keeps the script's folder off sys.path: the app's own modules
            // then come from elsewhere (the hostile runs of issue 22: args_manager.py in
            // site-packages), so the launch is undetermined whatever the folder holds.
            ("app/json.py", [:], ["-I"], "-I (isolated mode) keeps the script's folder off sys.path"),
            ("app/json.py", [:], ["-P"], "-P keeps the script's folder off sys.path"),
            ("app/launch2.py", [:], ["-sP"], "-P keeps the script's folder off sys.path"),
            ("app/launch2.py", ["PYTHONSAFEPATH": "1"], [], "PYTHONSAFEPATH=\"1\" keeps the script's folder off sys.path"),
            ("app/launch2.py", ["PYTHONSAFEPATH": "1"], ["-E"], nil),
            ("app/launch2.py", ["PYTHONSAFEPATH": ""], [], nil),
            ("extra/json.py", ["PYTHONPATH": "EXTRA"], ["-E"], nil),
            ("user/lib/python3.11/site-packages/usercustomize.py", ["PYTHONUSERBASE": "USER"], ["-s"], nil),
            ("app/json", [:], [], nil),
            // A module that an installer's known .pth line imports at start, found on
            // PYTHONPATH before the site folder that holds the real one.
            ("extra/_distutils_hack/__init__.py", ["PYTHONPATH": "EXTRA"], [], "a .pth line that imports _distutils_hack"),
            ("extra/_virtualenv.py", ["PYTHONPATH": "EXTRA"], [], "a .pth line that imports _virtualenv"),
        ] as [(String, [String: String], [String], String?)] {
            let tree = try FixtureTree(standard.merging(["app/launch.py": "", extra + (extra.hasSuffix("/json") ? "/data.txt" : ""): ""]) { $1 })
            let resolved = environment.mapValues { $0.replacing("EXTRA", with: tree.root + "/extra").replacing("USER", with: tree.root + "/user") }
            let reason = Self.reason(Self.find(tree, ["ROOT/py/bin/python3.11"] + options + ["ROOT/app/launch.py"], environment: resolved))
            if let expected {
                #expect(reason?.contains(expected) == true, "\(extra) \(options): \(reason ?? "found")")
            } else {
                #expect(reason == nil, "\(extra) \(options): \(reason ?? "")")
            }
        }
    }

    /// `python3 -m launch` runs the current folder's launch.py (sys.path[0]), as `python3
    /// launch.py` would: read the same way, with its own options and the interpreter's.
    @Test func aPlainModuleNameIsTheFileInTheWorkingFolder() {
        let launch = JobInvocation.launch(["python3", "-u", "-m", "launch", "--listen", "--preset", "x"])
        #expect(launch?.script == "launch.py")
        #expect(launch?.module == "launch")
        #expect(launch?.arguments == ["--listen", "--preset", "x"])
        #expect(launch?.interpreterOptions == ["-u"])
        #expect(JobInvocation.launch(["python3", "-mmain"])?.script == "main.py")
        // Dotted, built-in or frozen names are found elsewhere: no script.
        for name in ["json.tool", "os", "site", "1x", "a-b", ""] {
            #expect(JobInvocation.launch(["python3", "-m", name])?.script == nil, "\(name)")
        }
    }

    /// `python -m launch` reads the app's modules from the working folder itself: where
    /// launch.py there is a link to a checkout elsewhere, the checkout envlock would read is not
    /// the folder Python imports from.
    @Test func aModuleLaunchThroughALinkIsUndetermined() throws {
        let tree = try FixtureTree(Self.python.merging(["app/launch.py": "", "work/argparse.py": "hostile\n"]) { $1 })
        #expect(symlink(tree.root + "/app/launch.py", tree.root + "/work/launch.py") == 0)
        let reason = Self.reason(Self.find(tree, ["ROOT/py/bin/python3.11", "-m", "launch"], workingDirectory: tree.root + "/work"))
        #expect(reason?.contains("is a link to a file elsewhere") == true, "\(reason ?? "found")")
        // The checkout's own folder: read as python3 launch.py.
        #expect(Self.reason(Self.find(tree, ["ROOT/py/bin/python3.11", "-m", "launch"], workingDirectory: tree.root + "/app")) == nil)
    }

    /// The built-in and frozen modules `-m` finds before sys.path, asked of every CPython
    /// 3.10-3.13 here: each must be in envlock's table, or `-m NAME` would be read as the working
    /// folder's NAME.py while Python runs its own module.
    @Test func everyBuiltinOrFrozenModuleOfEachCPythonIsKnown() throws {
        let code = "import sys, _imp; n = set(sys.builtin_module_names); f = getattr(_imp, '_frozen_module_names', None); n |= set(f()) if f else set(); print('\\n'.join(sorted(n)))"
        var asked = 0
        for version in ["3.10", "3.11", "3.12", "3.13"] {
            // As scripts/differential/pythons.py finds them: pyenv's, then PATH's.
            let find = "p=$(ls ${PYENV_ROOT:-$HOME/.pyenv}/versions/\(version).*/bin/python\(version) 2>/dev/null | tail -1); [ -n \"$p\" ] || p=$(command -v python\(version)); [ -n \"$p\" ] && \"$p\" -c "
            let (status, output) = shellOutput(find + shellQuoted(code))
            guard status == 0 else { continue }
            asked += 1
            for name in output.split(separator: "\n") where !name.contains(".") {
                #expect(JobInvocation.builtinOrFrozen.contains(String(name)), "python\(version): \(name)")
            }
        }
        try #require(asked > 0, "no CPython 3.10-3.13 on PATH to ask")
    }

    /// `-m` with a name envlock does not follow and `-c` run no script file envlock can read:
    /// the reason says so and says how to start the job instead (not "not installed here").
    @Test func aModuleOrCodeLaunchSaysHowToStartTheJob() {
        for (command, shown) in [(["python3", "-m", "json.tool", "--listen"], "a module by name (\"json.tool\")"), (["python3", "-u", "-mos"], "a module by name (\"os\")"), (["python3", "-c", "import launch"], "code given with -c")] {
            let reason = JobInvocation.launch(command)?.noScriptReason(app: "Fooocus")
            #expect(reason?.contains("the command runs \(shown), not a script file") == true, "\(command): \(reason ?? "nil")")
            #expect(reason?.contains("start it as python3 PATH/TO/SCRIPT.py") == true)
        }
        #expect(JobInvocation.launch(["python3"])?.noScriptReason(app: "Fooocus") == "the command runs no script file, so it is not a Fooocus launch")
    }

    @Test func pythonHomeAndPyenvChoicesAreFollowed() throws {
        let tree = try FixtureTree(Self.python.merging(["app/launch.py": ""]) { $1 })
        #expect(try Self.find(tree, ["ROOT/py/bin/python3.11", "ROOT/app/launch.py"], environment: ["PYTHONHOME": tree.root + "/py"]).get().proven.minor == 11)
        #expect(Self.reason(Self.find(tree, ["ROOT/py/bin/python3.11", "ROOT/app/launch.py"], environment: ["PYTHONHOME": tree.root + "/app"]))?.contains("no standard library") == true)
        #expect(try Self.find(tree, ["ROOT/py/bin/python3.11", "-E", "ROOT/app/launch.py"], environment: ["PYTHONHOME": tree.root + "/app"]).get().proven.minor == 11, "-E ignores PYTHONHOME")
        #expect(PyenvShim.latest("3.12", among: ["3.11.7", "3.12.1", "3.12.10", "3.12-dev", "3.13.0"]) == "3.12.10")
        #expect(PyenvShim.latest("3.9", among: ["3.11.7"]) == nil)
    }

    @Test func whatEnvlockCannotFollowIsUndetermined() throws {
        let tree = try FixtureTree(Self.python.merging(["app/launch.py": "", "app/run.py": "print(1)\n", "other/lib/python3.11/os.py": "", "other/lib/python3.11/argparse.py": "patched\n"]) { $1 })
        let interpreter = ["ROOT/py/bin/python3.11", "ROOT/app/launch.py"]
        #expect(Self.reason(Self.find(tree, interpreter, environment: ["PYTHONHOME": "/elsewhere"]))?.contains("no standard library") == true)
        #expect(Self.reason(Self.find(tree, ["ROOT/app/run.py"]))?.contains("no #! line") == true)
        #expect(Self.reason(Self.find(tree, ["ROOT/py/bin/python3.12", "ROOT/app/launch.py"]))?.contains("does not exist") == true)
        // Another argparse.py (a distribution's patch, another release) is not the proven one.
        try TestFiles.write(Array(Self.elf.utf8), to: tree.root + "/other/bin/python3.11")
        // A wrapper script where the interpreter should be.
        try TestFiles.write(Array("#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n".utf8), to: tree.root + "/other/bin/python3")
        #expect(Self.reason(Self.find(tree, ["ROOT/other/bin/python3", "ROOT/app/launch.py"]))?.contains("is not an executable") == true)
        #expect(Self.reason(Self.find(tree, ["ROOT/other/bin/python3.11", "ROOT/app/launch.py"]))?.contains("is not an argparse envlock's reading is proven against") == true)
    }

    @Test func aShebangLineNamesTheInterpreter() throws {
        let tree = try FixtureTree(Self.python)
        try TestFiles.write(Array("#!\(tree.root)/py/bin/python3.11 -u\n".utf8), to: tree.root + "/app/launch.py")
        #expect(try Self.find(tree, ["ROOT/app/launch.py"]).get().proven.minor == 11)
        #expect(chmod(tree.root + "/py/bin/python3.11", 0o755) == 0)
        try TestFiles.write(Array("#!/usr/bin/env python3.11\n".utf8), to: tree.root + "/app/launch.py")
        #expect(try Self.find(tree, ["ROOT/app/launch.py"], environment: ["PATH": tree.root + "/py/bin"]).get().proven.minor == 11)
    }

    /// The files the pyenv CPythons on this machine import are in the table, as their own
    /// release: the differential test ran against exactly them.
    @Test func thePyenvInterpretersArgparseFilesAreProven() throws {
        let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
        var seen = 0
        for (release, minor) in [("3.10.13", 10), ("3.11.7", 11), ("3.12.1", 12), ("3.13.0", 13)] {
            let path = "\(home)/.pyenv/versions/\(release)/lib/python3.\(minor)/argparse.py"
            guard let bytes = try? FileSystem.readBytes(path, limit: 4 << 20) else { continue }
            seen += 1
            let digest = String(ModelDigest.text(of: bytes).dropFirst("sha256:".count))
            #expect(JobArgparse.provenFiles[digest] == JobArgparse.ProvenFile(release: release, minor: minor, revision: PythonArgparse.Revision(minor: minor)!), "\(path)")
        }
        #expect(seen > 0, "no pyenv CPython 3.10-3.13 under \(home)/.pyenv: the differential tests need them too")
    }
}

/// site.py runs the import lines of every .pth file in a site folder at start: an unknown one
/// can change the environment before the app reads it; the ones installers write are known.
@Suite struct JobStartupPthTests {
    @Test func unknownImportLinesInTheEnvironmentsPthFilesAreUndetermined() throws {
        let precedence = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
        for (pth, undetermined) in [(precedence, false), ("/some/extra/folder\n", false), ("import os; os.environ['default_sampler'] = 'dpmpp_2m_sde_gpu'\n", true)] {
            let tree = try FixtureTree(JobArgparseTests.python.merging([
                "app/launch.py": "", "venv/bin/python": JobArgparseTests.elf,
                "venv/lib/python3.11/site-packages/hook.pth": pth,
            ]) { $1 })
            try TestFiles.write(Array("home = \(tree.root)/py/bin\ninclude-system-site-packages = false\n".utf8), to: tree.root + "/venv/pyvenv.cfg")
            let reason = JobArgparseTests.reason(JobArgparseTests.find(tree, ["ROOT/venv/bin/python", "ROOT/app/launch.py"]))
            #expect((reason?.contains("hook.pth runs") == true) == undetermined, "\(pth): \(reason ?? "found")")
        }
    }
}

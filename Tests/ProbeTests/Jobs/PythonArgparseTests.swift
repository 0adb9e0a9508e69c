import Testing
@testable import EnvLock
@testable import Probe

/// Fooocus' and ComfyUI's option tables read command lines as CPython's argparse does (the
/// differential test, scripts/differential/argparse_differential.py, checks thousands more).
@Suite struct PythonArgparseTests {
    static func fooocus(_ arguments: [String], python minor: Int = 12) -> PythonArgparse.Outcome {
        FooocusOptions.parser.parse(arguments, python: minor)
    }

    static func value(_ outcome: PythonArgparse.Outcome, _ dest: String) -> PythonValue? {
        guard case .parsed(let namespace) = outcome else { return nil }
        return namespace[dest]
    }

    static func string(_ text: String) -> PythonValue { .string(PythonString(text)) }

    @Test func defaultsAndSetDefaults() {
        let outcome = Self.fooocus([])
        #expect(Self.value(outcome, "port") == PythonValue.none)
        #expect(Self.value(outcome, "in_browser") == .bool(true))
        #expect(Self.value(outcome, "disable_cuda_malloc") == .bool(true))
        #expect(Self.value(outcome, "web_upload_size") == .int(PythonInt(100)))
        #expect(Self.value(outcome, "preview_option") == Self.string("none"))
        #expect(Self.value(outcome, "listen") == Self.string("127.0.0.1"))
    }

    @Test func unambiguousPrefixesExpandAndAmbiguousOnesExitFirst() {
        #expect(Self.value(Self.fooocus(["--attention-spl"]), "attention_split") == .bool(true))
        #expect(Self.value(Self.fooocus(["--pres=anime"]), "preset") == Self.string("anime"))
        // Classification runs before any action: the type error after it is never reached.
        #expect(Self.fooocus(["--port", "abc", "--attention"]) == .exits(status: 2, message: "ambiguous option: --attention could match --attention-split, --attention-quad, --attention-pytorch"))
    }

    @Test func anEqualsWithSpacesIsAnOptionNotAValue() {
        let outcome = Self.fooocus(["--listen", "--preset=gpu preset"])
        #expect(Self.value(outcome, "listen") == Self.string("0.0.0.0"))
        #expect(Self.value(outcome, "preset") == Self.string("gpu preset"))
    }

    @Test func typesConvertAsPythonDoes() {
        #expect(Self.value(Self.fooocus(["--port", " 1_000 "]), "port") == .int(PythonInt(1000)))
        #expect(Self.value(Self.fooocus(["--port", "\u{661}\u{662}"]), "port") == .int(PythonInt(12)))
        #expect(Self.fooocus(["--port", "abc"]) == .exits(status: 2, message: "argument --port: invalid int value: 'abc'"))
        #expect(Self.value(Self.fooocus(["--web-upload-size", "1e999"]), "web_upload_size") == .float(.infinity))
        #expect(Self.value(Self.fooocus(["--port", "-1"]), "port") == .int(PythonInt(-1)))
        #expect(Self.fooocus(["--port", "-1e5"]) == .exits(status: 2, message: "argument --port: expected one argument"))
    }

    @Test func helpExitsZeroUnlessAnErrorComesFirst() {
        #expect(Self.fooocus(["--he"]) == .exits(status: 0, message: "help"))
        #expect(Self.fooocus(["--port", "x", "-h"]) == .exits(status: 2, message: "argument --port: invalid int value: 'x'"))
        // -hx: an error up to 3.12, help and an ignored -x in 3.13.
        #expect(Self.fooocus(["-hx"], python: 12) == .exits(status: 2, message: "argument -h/--help: ignored explicit argument 'x'"))
        #expect(Self.fooocus(["-hx"], python: 13) == .exits(status: 0, message: "help"))
    }

    @Test func doubleDashDiffersBetweenVersions() {
        #expect(Self.value(Self.fooocus(["--preset=--"], python: 12), "preset") == .list([]))
        #expect(Self.value(Self.fooocus(["--preset=--"], python: 13), "preset") == Self.string("--"))
        #expect(Self.fooocus(["--port", "1", "--"]) == .exits(status: 2, message: "unrecognized arguments: --"))
    }

    @Test func exclusiveGroupsAndTheDefaultIdentityQuirk() {
        #expect(Self.fooocus(["--all-in-fp16", "--all-in-fp32"]) == .exits(status: 2, message: "argument --all-in-fp32: not allowed with argument --all-in-fp16"))
        let comfy = ComfyUIOptions.parser
        let host = PythonArgparse.Host(call: { _, _ in .valueError }, machineDefault: { _ in .string(PythonString("sqlite:///x")) })
        // --cache-lru 0 is the default object (a cached small int): not "present".
        guard case .parsed = comfy.parse(["--cache-lru", "0", "--cache-classic"], python: 12, host: host) else {
            Issue.record("the default value does not conflict")
            return
        }
        #expect(comfy.parse(["--cache-lru", "300", "--cache-classic"], python: 12, host: host) == .exits(status: 2, message: "argument --cache-classic: not allowed with argument --cache-lru"))
    }

    /// The patch releases' revisions, each against the one before it (the differential test
    /// ran every proven file with thousands of generated command lines).
    @Test func laterPatchReleasesParseAsTheirRevision() {
        let parser = FooocusOptions.parser
        // 3.12.3 took 3.13.0's separator handling: `--preset=--` keeps its value.
        #expect(Self.value(parser.parse(["--preset=--"], revision: .separator), "preset") == Self.string("--"))
        // 3.13.5 reports an ambiguous prefix only when parsing reaches it: an earlier error or help wins.
        let ambiguous = ["--port", "abc", "--attention"]
        #expect(parser.parse(ambiguous, revision: .separator) == .exits(status: 2, message: "ambiguous option: --attention could match --attention-split, --attention-quad, --attention-pytorch"))
        #expect(parser.parse(ambiguous, revision: .reachedAmbiguity) == .exits(status: 2, message: "argument --port: invalid int value: 'abc'"))
        #expect(parser.parse(["-h", "--attention"], revision: .reachedAmbiguity) == .exits(status: 0, message: "help"))
        // A single-dash prefix is split at '=': `-=x` abbreviates every option.
        guard case .exits(2, let message) = parser.parse(["-=x"], revision: .reachedAmbiguity) else {
            Issue.record("-=x is ambiguous in 3.13.5")
            return
        }
        #expect(message.hasPrefix("ambiguous option: -=x could match "))
        #expect(parser.parse(["-=x"], revision: .separator) == .exits(status: 2, message: "unrecognized arguments: -=x"))
        // Every given option of a mutually exclusive group counts, its default value too.
        let host = PythonArgparse.Host(call: { _, _ in .valueError }, machineDefault: { _ in .string(PythonString("sqlite:///x")) })
        let defaultValue = ["--cache-lru", "0", "--cache-classic"]
        guard case .parsed = ComfyUIOptions.parser.parse(defaultValue, revision: .separator, host: host) else {
            Issue.record("3.13.0 does not count an option given its default value")
            return
        }
        #expect(ComfyUIOptions.parser.parse(defaultValue, revision: .reachedAmbiguity, host: host) == .exits(status: 2, message: "argument --cache-classic: not allowed with argument --cache-lru"))
        // Choices in messages: quoted, unquoted in 3.13.5, quoted again in 3.13.18.
        let choice = ["--preview-option", "bogus"]
        let quoted = "argument --preview-option: invalid choice: 'bogus' (choose from 'none', 'auto', 'fast', 'taesd')"
        #expect(parser.parse(choice, revision: .separator) == .exits(status: 2, message: quoted))
        #expect(parser.parse(choice, revision: .reachedAmbiguity) == .exits(status: 2, message: "argument --preview-option: invalid choice: 'bogus' (choose from none, auto, fast, taesd)"))
        #expect(parser.parse(choice, revision: .requotedChoices) == .exits(status: 2, message: quoted))
    }

    @Test func comfyUIDirectoryChecksAskTheHost() {
        let host = PythonArgparse.Host(
            call: { _, path in ComfyUIOptions.isValidDirectory(path, path == PythonString("/srv/ui") ? .directory : .missing) },
            machineDefault: { _ in .string(PythonString("sqlite:///x")) }
        )
        #expect(Self.value(ComfyUIOptions.parser.parse(["--user-directory", "/srv/ui"], python: 11, host: host), "user_directory") == Self.string("/srv/ui"))
        #expect(ComfyUIOptions.parser.parse(["--user-directory", "/nope"], python: 11, host: host) == .exits(status: 2, message: "argument --user-directory: The path '/nope' does not exist."))
        #expect(ComfyUIOptions.parser.parse(["--user-directory", "/srv/ui"], python: 11) == .undetermined(reason: "is_valid_directory reads the machine"))
    }

    @Test func otherPythonsAreUndetermined() {
        #expect(Self.fooocus([], python: 9) == .undetermined(reason: "argparse of Python 3.9 is not modelled (3.10 to 3.13 are)"))
        #expect(Self.fooocus([], python: 14) == .undetermined(reason: "argparse of Python 3.14 is not modelled (3.10 to 3.13 are)"))
    }

    @Test func comfyUIAfterParsing() {
        let host = PythonArgparse.Host(call: { _, _ in .valueError }, machineDefault: { _ in .string(PythonString("sqlite:///x")) })
        guard case .parsed(let namespace) = ComfyUIOptions.parser.parse(["--fast", "--force-fp16"], python: 13, host: host) else {
            Issue.record("parses")
            return
        }
        let after = ComfyUIOptions.afterParsing(namespace)
        #expect(after["fp16_unet"] == .bool(true))
        #expect(after["fast"] == .list(["fp16_accumulation", "fp8_matrix_mult", "cublas_ops"].map(Self.string)))
    }

    /// Every option of both tables says whether it changes what a job generates.
    @Test func everyOptionIsClassified() {
        for (app, parser, classification) in [("fooocus", FooocusOptions.parser, FooocusOptions.classification), ("comfyui", ComfyUIOptions.parser, ComfyUIOptions.classification)] {
            for argument in parser.arguments {
                #expect(classification[argument.dest] != nil, "\(app) \(argument.flags.joined(separator: "/")) has no classification")
            }
            let dests = Set(parser.arguments.map(\.dest) + parser.setDefaults.map(\.dest))
            for dest in classification.keys {
                #expect(dests.contains(dest), "\(app) classifies \(dest), which no option sets")
            }
        }
        #expect(FooocusOptions.classification["always_cpu"] == .changesResults("runs everything on the CPU"))
        #expect(FooocusOptions.classification["port"].map { if case .noEffect = $0 { true } else { false } } == true)
    }
}

@Suite struct JobParserTests {
    @Test(arguments: [
        (["python", "launch.py", "--x"], "launch.py", ["--x"]),
        (["/venv/bin/python3.10", "-u", "-X", "dev", "launch.py"], "launch.py", []),
        (["python3", "-W", "ignore", "--", "main.py", "--cpu"], "main.py", ["--cpu"]),
        (["./launch.py", "--listen"], "./launch.py", ["--listen"]),
    ])
    func scriptOfACommand(command: [String], script: String, arguments: [String]) {
        let launch = JobInvocation.launch(command)
        #expect(launch?.script == script)
        #expect(launch?.arguments == arguments)
    }

    @Test func moduleRunsHaveNoScript() {
        #expect(JobInvocation.launch(["python", "-m", "http.server"])?.script == nil)
        #expect(JobInvocation.launch(["python", "-c", "print(1)"])?.script == nil)
    }


    @Test func gitHeadFiles() {
        #expect(GitHead.parseHead("ref: refs/heads/main\n") == .ref("refs/heads/main"))
        #expect(GitHead.parseHead("59f183ab0bd1d7b9a2a3a4d4d0c1b2e3f4a5b6c7\n") == .commit("59f183ab0bd1d7b9a2a3a4d4d0c1b2e3f4a5b6c7"))
        #expect(GitHead.parseHead("ref: ../../etc/passwd") == .unreadable("unexpected ref '../../etc/passwd'"))
        let packed = "# pack-refs with: peeled fully-peeled sorted\n59f183ab0bd1d7b9a2a3a4d4d0c1b2e3f4a5b6c7 refs/heads/main\n^0123456789abcdef0123456789abcdef01234567\n"
        #expect(GitHead.packedRef("refs/heads/main", in: packed) == "59f183ab0bd1d7b9a2a3a4d4d0c1b2e3f4a5b6c7")
        #expect(GitHead.packedRef("refs/heads/dev", in: packed) == nil)
        #expect(GitHead.parseGitDirPointer("gitdir: /srv/Fooocus.git/worktrees/a\n") == "/srv/Fooocus.git/worktrees/a")
    }

    @Test func versionFiles() {
        #expect(FooocusDetector.parseVersion("version = '2.5.5'") == "2.5.5")
        #expect(ComfyUIDetector.parseVersion("# generated\n__version__ = \"0.8.1\"\n") == "0.8.1")
        #expect(FooocusDetector.parseVersion("print('hi')") == nil)
    }
}

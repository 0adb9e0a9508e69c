import Testing
@testable import Probe

/// Fooocus' and ComfyUI's option tables read command lines as their argparse would.
@Suite struct PythonArgparseTests {
    typealias Refusal = PythonArgparse.Refusal

    static func fooocus(_ arguments: [String]) -> Result<[String: String], Refusal> {
        Result { () throws(Refusal) in FooocusDetector.optionFacts(try FooocusDetector.parser.parse(arguments)) }
    }

    @Test func attentionAndPrecisionAreNamedByEffect() throws {
        let facts = try Self.fooocus(["--attention-pytorch", "--all-in-fp16", "--vae-in-fp16", "--pytorch-deterministic"]).get()
        #expect(facts["job.fooocus.attention"] == "pytorch")
        #expect(facts["job.fooocus.precision.unet"] == "fp16")
        #expect(facts["job.fooocus.precision.clip"] == "fp16")
        #expect(facts["job.fooocus.precision.vae"] == "fp16")
        #expect(facts["job.fooocus.deterministic"] == "true")
    }

    @Test func allInFP16LeavesTheVAEToTheGPU() throws {
        let facts = try Self.fooocus(["--all-in-fp16"]).get()
        #expect(facts["job.fooocus.precision.vae"] == "auto")
        #expect(facts["job.fooocus.attention"] == "auto")
    }

    @Test func unambiguousPrefixesExpand() throws {
        #expect(try Self.fooocus(["--attention-spl"]).get()["job.fooocus.attention"] == "split")
        #expect(try Self.fooocus(["--attention-py"]).get()["job.fooocus.attention"] == "pytorch")
        #expect(try Self.fooocus(["--pres=anime"]).get()["job.fooocus.preset"] == "anime")
    }

    @Test func ambiguousPrefixIsRefused() {
        #expect(Self.fooocus(["--attention"]) == .failure(.ambiguous("--attention", candidates: ["--attention-split", "--attention-quad", "--attention-pytorch"])))
    }

    @Test func mutuallyExclusiveOptionsAreRefused() {
        #expect(Self.fooocus(["--all-in-fp16", "--all-in-fp32"]) == .failure(.notAllowedWith("--all-in-fp32", "--all-in-fp16")))
        #expect(Self.fooocus(["--attention-pytorch", "--attention-q"]) == .failure(.notAllowedWith("--attention-quad", "--attention-pytorch")))
        // The same option twice is not a conflict.
        #expect((try? Self.fooocus(["--all-in-fp16", "--all-in-fp16"]).get()) != nil)
    }

    @Test func lastValueWinsInEitherSpelling() throws {
        #expect(try Self.fooocus(["--preset", "anime", "--preset=realistic"]).get()["job.fooocus.preset"] == "realistic")
        #expect(try Self.fooocus(["--preset=anime", "--preset", "default"]).get()["job.fooocus.preset"] == "default")
    }

    @Test func flagsRefuseAValue() {
        #expect(Self.fooocus(["--attention-pytorch=1"]) == .failure(.ignoredExplicitValue(option: "--attention-pytorch", value: "1")))
    }

    @Test func optionsAfterTheTerminatorAreNotOptions() {
        #expect(Self.fooocus(["--", "--attention-pytorch"]) == .failure(.unrecognized(["--attention-pytorch"])))
    }

    @Test func unknownOptionsAreRefusedAsFooocusWould() {
        #expect(Self.fooocus(["--sampler", "euler"]) == .failure(.unrecognized(["--sampler", "euler"])))
        #expect(Self.fooocus(["-x1"]) == .failure(.unrecognized(["-x1"])))
        #expect(Self.fooocus(["--preset"]) == .failure(.expectsValue("--preset")))
        #expect(PythonArgparse.Refusal.expectsValue("--preset").description == "argument --preset: expected one argument")
    }

    @Test func optionalValuesTakeTheNextWordOnlyWhenItIsNotAnOption() throws {
        let parsed = try FooocusDetector.parser.parse(["--listen", "--port", "8888", "--always-cpu", "4"])
        #expect(parsed.values["--listen"] == [])
        #expect(parsed.value("--port") == "8888")
        #expect(parsed.value("--always-cpu") == "4")
    }

    @Test func comfyUIUnderscoreSpellingsAndFast() throws {
        let facts = ComfyUIDetector.optionFacts(try ComfyUIDetector.parser.parse(["--use-pytorch-cross-attention", "--fp8_e4m3fn-unet", "--fast", "cublas_ops", "--fp16-vae"]))
        #expect(facts["job.comfyui.attention"] == "pytorch")
        #expect(facts["job.comfyui.precision.unet"] == "fp8_e4m3fn")
        #expect(facts["job.comfyui.precision.vae"] == "fp16")
        #expect(facts["job.comfyui.fast"] == #"["cublas_ops"]"#)
        let everything = ComfyUIDetector.optionFacts(try ComfyUIDetector.parser.parse(["--fast", "--force-fp16"]))
        #expect(everything["job.comfyui.fast"] == #"["fp16_accumulation","fp8_matrix_mult","cublas_ops"]"#)
        #expect(everything["job.comfyui.precision.unet"] == "fp16")
        #expect(throws: PythonArgparse.Refusal.invalidChoice(option: "--fast", value: "turbo", choices: ComfyUIDetector.fastFeatures)) {
            try ComfyUIDetector.parser.parse(["--fast", "turbo"])
        }
        #expect(throws: PythonArgparse.Refusal.notAllowedWith("--use-sage-attention", "--use-split-cross-attention")) {
            try ComfyUIDetector.parser.parse(["--use-split-cross-attention", "--use-sage"])
        }
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

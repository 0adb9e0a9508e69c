#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// `envlock audit` on images the tests write as Fooocus and ComfyUI save them, judged against a
/// lock made from the shipped Fooocus profile's job rules on a conforming launch.
struct AuditFixture {
    let checkout: FooocusCheckout
    let lock: String
    /// The first 10 hex digits of the locked base model's SHA-256, as Fooocus records them.
    let baseHash: String

    static func make() async throws -> AuditFixture {
        let checkout = try FooocusCheckout()
        let lock = try await checkout.lock()
        let sum = try await runProgram("sha256sum", [checkout.root + "/models/checkpoints/base.safetensors"], environment: checkout.environment)
        return AuditFixture(checkout: checkout, lock: lock, baseHash: String(sum.stdout.prefix(10)))
    }

    func png(_ name: String, _ record: String, scheme: String = "fooocus", textAfterData: Bool = false) -> String {
        writeImage(checkout.folder.file("images/" + name), TestImages.png([("parameters", record), ("fooocus_scheme", scheme)], textAfterData: textAfterData))
    }

    func audit(_ paths: [String], format: String = "text") async throws -> ProgramResult {
        try await Envlock.run(["audit", lock, "--allow-unsigned", "--format", format] + paths, environment: checkout.environment)
    }
}

/// The audit names the rule's key, what the image says and why, and exits 1.
func expectDrift(_ result: ProgramResult, key: String, found: String, why: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdout.contains("DRIFT "), "\(result.stdout)", sourceLocation: sourceLocation)
    // The failed rule's line and the lines a long value wrapped onto, joined back.
    let text = result.unwrappedStdout
    let rule = text.firstRange(of: "FAIL \(key): ").map { text[$0.upperBound...].prefix { $0 != "\n" } }
    let said = rule.map { $0.components(separatedBy: " why: ")[0] }
    #expect(said?.contains("image says " + UntrustedText.quoted(found)) == true, "no FAIL line for \(key) with \(found) in:\n\(result.stdout)", sourceLocation: sourceLocation)
    #expect(text.contains("why: \(why)"), "\(result.stdout)", sourceLocation: sourceLocation)
}

@Suite struct AuditTests {
    @Test func conformingFooocusImagesPassInBothSchemesAndAsJPEG() async throws {
        let fixture = try await AuditFixture.make()
        let json = fixture.png("fooocus.png", TestImages.fooocusRecord(baseHash: fixture.baseHash))
        let a1111 = fixture.png("a1111.png", TestImages.a1111Record(baseHash: fixture.baseHash), scheme: "a1111", textAfterData: true)
        let jpeg = writeImage(fixture.checkout.folder.file("images/fooocus.jpg"), TestImages.jpeg(userComment: TestImages.fooocusRecord(baseHash: fixture.baseHash), makerNote: "fooocus"))
        let result = try await fixture.audit([json, a1111, jpeg])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("totals: 3 images, 3 conforms, 0 drift, 0 no-record, 0 unreadable"), "\(result.stdout)")
        // The launch's own facts are not in images: they are named as not judged, not failed.
        #expect(result.stdout.contains("not recorded in images, so not judged here"), "\(result.stdout)")
        #expect(result.stdout.contains("job.fooocus.attention"))
    }

    @Test func aGPUSamplerIsDrift() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("gpu.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["sampler": #""dpmpp_2m_sde_gpu""#]))
        expectDrift(try await fixture.audit([image]), key: "job.fooocus.config.sampler", found: "dpmpp_2m_sde_gpu", why: "euler_ancestral draws its noise on the CPU")
    }

    /// The a1111 scheme writes `DPM++ 2M SDE` for both dpmpp_2m_sde and its _gpu twin: the
    /// audit does not guess the CPU one.
    @Test func anAmbiguousA1111SamplerNameIsDrift() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("a1111-gpu.png", TestImages.a1111Record(baseHash: fixture.baseHash, sampler: "DPM++ 2M SDE Karras"), scheme: "a1111")
        expectDrift(try await fixture.audit([image]), key: "job.fooocus.config.sampler", found: "dpmpp_2m_sde|dpmpp_2m_sde_gpu", why: "euler_ancestral draws its noise on the CPU")
    }

    @Test func fooocusV2AmongTheStylesIsDrift() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("v2.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["styles": #""['Fooocus V2', 'Fooocus Enhance']""#]))
        let result = try await fixture.audit([image])
        expectDrift(result, key: "job.fooocus.config.styles", found: #"["Fooocus V2","Fooocus Enhance"]"#, why: "No styles")
        expectDrift(result, key: "job.fooocus.config.prompt_expansion", found: "true", why: "Prompt expansion (Fooocus V2)")
    }

    @Test func anEnabledLoRAIsDrift() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("lora.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["loras": #"[["style", 0.8, "0123456789"]]"#]))
        expectDrift(try await fixture.audit([image]), key: "job.fooocus.config.loras", found: #"["style"]"#, why: "No enabled LoRA")
    }

    @Test func anotherBaseModelHashIsDrift() async throws {
        let fixture = try await AuditFixture.make()
        let other = fixture.baseHash.first == "0" ? "1" + fixture.baseHash.dropFirst() : "0" + fixture.baseHash.dropFirst()
        let image = fixture.png("model.png", TestImages.fooocusRecord(baseHash: other))
        expectDrift(try await fixture.audit([image]), key: "job.fooocus.model.base.sha256", found: "sha256:" + other, why: "The model files as on the reference machine")
    }

    @Test func anotherFooocusVersionIsDrift() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("version.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["version": #""Fooocus v2.5.3""#]))
        expectDrift(try await fixture.audit([image]), key: "job.fooocus.version", found: "2.5.3", why: "Fooocus 2.5.5 is the release")
    }

    @Test func aComfyUIGraphWithAnotherSamplerIsDrift() async throws {
        let folder = TemporaryFolder()
        folder.write("profile.yaml", """
            envlock: 1
            name: comfyui-audit
            rules:
              job.comfyui.graph.samplers: {equals: '["euler"]', why: "euler draws its noise on the CPU from the seed."}
            """)
        // The graph exists only in images, so the launch-time lock cannot see it: --force.
        let made = try await Envlock.run(["lock", "--profile", folder.file("profile.yaml"), "--output", folder.file("comfy.lock"), "--force"])
        #expect(made.status == 0, "\(made.stderr)")
        let good = writeImage(folder.file("good.png"), TestImages.png([("prompt", TestImages.comfyUIPrompt(sampler: "euler")), ("workflow", "{}")]))
        let bad = writeImage(folder.file("bad.png"), TestImages.png([("prompt", TestImages.comfyUIPrompt(sampler: "dpmpp_2m_sde_gpu")), ("workflow", "{}")]))
        let passing = try await Envlock.run(["audit", folder.file("comfy.lock"), "--allow-unsigned", good])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        let result = try await Envlock.run(["audit", folder.file("comfy.lock"), "--allow-unsigned", bad])
        expectDrift(result, key: "job.comfyui.graph.samplers", found: #"["dpmpp_2m_sde_gpu"]"#, why: "euler draws its noise on the CPU")
    }

    @Test func imagesWithoutARecordOrCutShortAreListedAndTheAuditGoesOn() async throws {
        let fixture = try await AuditFixture.make()
        let good = fixture.png("good.png", TestImages.fooocusRecord(baseHash: fixture.baseHash))
        let bare = writeImage(fixture.checkout.folder.file("images/bare.png"), TestImages.png([]))
        let whole = TestImages.png([("parameters", TestImages.fooocusRecord(baseHash: fixture.baseHash)), ("fooocus_scheme", "fooocus")], imageDataBytes: 4096)
        let cut = writeImage(fixture.checkout.folder.file("images/cut.png"), Array(whole[0..<(whole.count - 2000)]))
        let result = try await fixture.audit(["--all", bare, cut, good])
        #expect(result.status == 1)
        #expect(result.unwrappedStdout.contains("NO-RECORD \(bare)"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("UNREADABLE \(cut): the file is cut short"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("CONFORMS \(good)"), "\(result.stdout)")
        // Without --all, conforming images are a count.
        let folded = try await fixture.audit([bare, cut, good])
        #expect(folded.status == 1)
        #expect(!folded.stdout.contains("CONFORMS"), "\(folded.stdout)")
        #expect(folded.unwrappedStdout.contains("UNREADABLE \(cut): the file is cut short"), "\(folded.stdout)")
        #expect(folded.stdout.contains("totals: 3 images, 1 conforms, 0 drift, 1 no-record, 1 unreadable (--all lists the conforming images)"), "\(folded.stdout)")
    }

    @Test func aMixedFolderHasTheRightTotals() async throws {
        let fixture = try await AuditFixture.make()
        _ = fixture.png("1-conforming.png", TestImages.fooocusRecord(baseHash: fixture.baseHash))
        _ = fixture.png("2-a1111.png", TestImages.a1111Record(baseHash: fixture.baseHash), scheme: "a1111")
        _ = writeImage(fixture.checkout.folder.file("images/sub/3.jpg"), TestImages.jpeg(userComment: TestImages.fooocusRecord(baseHash: fixture.baseHash), makerNote: "fooocus"))
        _ = fixture.png("4-gpu.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["sampler": #""dpmpp_sde_gpu""#]))
        _ = fixture.png("5-v2.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["styles": #""['Fooocus V2']""#]))
        _ = writeImage(fixture.checkout.folder.file("images/6-comfy.png"), TestImages.png([("prompt", TestImages.comfyUIPrompt(sampler: "euler"))]))
        _ = writeImage(fixture.checkout.folder.file("images/7-bare.png"), TestImages.png([]))
        _ = writeImage(fixture.checkout.folder.file("images/8-cut.png"), Array(TestImages.png([])[0..<30]))
        _ = fixture.checkout.folder.write("images/notes.txt", "not an image, not searched")
        let result = try await fixture.audit([fixture.checkout.folder.file("images")], format: "json")
        #expect(result.status == 1)
        let document = try MinimalJSON.parse(Array(result.stdout.utf8))
        #expect(document["lock"] == .string(fixture.lock))
        for (name, count) in [("images", 8), ("conforms", 3), ("drift", 3), ("no-record", 1), ("unreadable", 1)] {
            #expect(document["totals"]?[name] == .string(String(count)), "\(name) is not \(count) in:\n\(result.stdout)")
        }
        guard case .array(let images)? = document["images"] else { Issue.record("no images list"); return }
        let verdicts = images.map { image -> String in if case .string(let verdict)? = image["verdict"] { verdict } else { "?" } }
        #expect(verdicts == ["conforms", "conforms", "drift", "drift", "drift", "no-record", "unreadable", "conforms"], "\(result.stdout)")
        #expect(result.stdout.contains(#""verdict": "drift""#))
        #expect(!result.stdout.contains("notes.txt"))
    }

    /// Long runs say how far they are on standard error; the report on standard output stays clean.
    @Test func progressGoesToStandardErrorForLongRuns() async throws {
        let fixture = try await AuditFixture.make()
        let record = TestImages.png([("parameters", TestImages.fooocusRecord(baseHash: fixture.baseHash)), ("fooocus_scheme", "fooocus")])
        for index in 0..<1001 { writeImage(fixture.checkout.folder.file("many/\(index).png"), record) }
        let result = try await fixture.audit([fixture.checkout.folder.file("many")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("envlock audit: 1001/1001 images"), "\(result.stderr)")
        #expect(!result.stdout.contains("/1001 images"))
        #expect(result.stdout.contains("totals: 1001 images, 1001 conforms"))
    }

    /// A link back up the tree is reported as a loop, not searched until paths grow too long:
    /// one image is one image.
    @Test func aFolderLoopIsReportedAndEachImageAuditedOnce() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("one.png", TestImages.fooocusRecord(baseHash: fixture.baseHash))
        let images = fixture.checkout.folder.file("images")
        makeFolders(images + "/sub")
        #expect(symlink("..", images + "/sub/up") == 0)
        #expect(symlink("one.png", images + "/same.png") == 0)
        let result = try await fixture.audit(["--all", images])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.unwrappedStdout.contains("CONFORMS \(image) (fooocus)"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("SKIPPED \(images)/sub/up: a loop back to \(images), which holds it: not searched again"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("SKIPPED \(images)/same.png: the same file as \(image), audited once"), "\(result.stdout)")
        #expect(result.stdout.contains("totals: 1 images, 1 conforms"), "\(result.stdout)")
    }

    /// The `fooocus` scheme records the refiner switch even without a refiner; it had no
    /// effect then, so another value than the lock's is not drift (docs/FORMAT.md).
    @Test func aRefinerSwitchWithoutARefinerIsNotJudged() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("switch.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["refiner_model": #""None""#, "refiner_switch": "0.3"]))
        let result = try await fixture.audit([image])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("refiner_switch"), "\(result.stdout)")
    }

    @Test func anUnsignedLockWithoutAllowUnsignedIsExit2() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("good.png", TestImages.fooocusRecord(baseHash: fixture.baseHash))
        let result = try await Envlock.run(["audit", fixture.lock, image], environment: fixture.checkout.environment)
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
    }

    /// A hostile value in an image cannot forge a line of the report.
    @Test func hostileValuesAreEscaped() async throws {
        let fixture = try await AuditFixture.make()
        let image = fixture.png("evil.png", TestImages.fooocusRecord(baseHash: fixture.baseHash, ["sampler": #""x\nCONFORMS fake.png\u001b[2J""#]))
        let result = try await fixture.audit([image])
        #expect(result.status == 1)
        #expect(!result.stdout.split(separator: "\n").contains { $0.hasPrefix("CONFORMS fake.png") }, "\(result.stdout)")
        #expect(!result.stdout.contains("\u{1b}"))
    }
}

import Testing
@testable import EnvLock

@Suite struct FactPatternTests {
    @Test(arguments: [
        ("gpu.*.name", "gpu.0.name", true),
        ("gpu.*.name", "gpu.12.name", true),
        ("gpu.*.name", "gpu.0.uuid", false),
        ("gpu.*", "gpu.0.name", false),
        ("gpu.*", "gpu.count", true),
        ("python.packages.nvidia-*-cu12", "python.packages.nvidia-cudnn-cu12", true),
        ("python.packages.nvidia-*-cu12", "python.packages.nvidia-cudnn-cu11", false),
        ("python.packages.torch", "python.packages.torchvision", false),
        ("host.glibc", "host.glibc", true),
        ("*.version", "torch.version", true),
        ("*.version", "python.packages.x", false),
    ])
    func matching(pattern: String, key: String, expected: Bool) throws {
        let parsed = try #require(FactPattern(pattern))
        #expect(parsed.matches(key) == expected)
    }

    /// Whether two patterns can match one key: what profiles check each rule against the
    /// fact catalog with. Symmetric, segment by segment.
    @Test(arguments: [
        ("job.fooocus.option.*", "job.fooocus.option.gpu_device_id", true),
        ("job.fooocus.option.*", "job.fooocus.options.error", false),
        ("job.fooocus.model.*.sha256", "job.fooocus.model.lora.*.sha256", false),
        ("job.fooocus.model.*.sha256", "job.fooocus.model.base.sha256", true),
        ("python.packages.nvidia-*-cu12", "python.packages.nvidia-cu*", true),
        ("python.packages.nvidia-*-cu12", "python.packages.torch*", false),
        ("python.packages.*12", "python.packages.*11", false),
        ("*.runtime", "cudnn.runtime", true),
        ("gpu.*.name", "gpu.*.name", true),
        ("gpu.*", "gpu.0.name", false),
        ("host.glibc", "host.glibc", true),
        ("host.glibc", "host.glib", false),
    ])
    func overlapping(a: String, b: String, expected: Bool) throws {
        let (first, second) = (try #require(FactPattern(a)), try #require(FactPattern(b)))
        #expect(first.overlaps(second) == expected)
        #expect(second.overlaps(first) == expected)
    }

    @Test(arguments: ["", "gpu..name", ".gpu", "gpu.", "has space", "tab\tkey"])
    func invalidKeysAreRejected(text: String) {
        #expect(FactPattern(text) == nil)
    }
}

@Suite struct RunPolicyTests {
    let policy = RunPolicy(require: ["--attention-pytorch"], forbid: ["--attention-split", "--preset=anime"])

    @Test func allowedArguments() {
        #expect(policy.violations(in: ["--attention-pytorch", "--listen"]).isEmpty)
    }

    @Test func missingRequiredArgument() {
        #expect(policy.violations(in: ["--listen"]) == ["missing required argument --attention-pytorch"])
    }

    @Test func forbiddenArgumentAlsoWithValue() {
        #expect(policy.violations(in: ["--attention-pytorch", "--attention-split=1"]) == ["forbidden argument --attention-split=1 (matches --attention-split)"])
        #expect(policy.violations(in: ["--attention-pytorch", "--preset=anime"]) == ["forbidden argument --preset=anime"])
        #expect(policy.violations(in: ["--attention-pytorch", "--preset=realistic"]).isEmpty)
    }

    @Test func abbreviationsOfForbiddenOptionsAreRefused() {
        let fooocus = RunPolicy(require: ["--all-in-fp16"], forbid: ["--vae-in-bf16", "--attention-split"])
        #expect(fooocus.violations(in: ["--all-in-fp16", "--vae-in-bf"]) == ["forbidden argument --vae-in-bf (an abbreviation of --vae-in-bf16, which argparse would accept)"])
        #expect(fooocus.violations(in: ["--all-in-fp16", "--attention-s=1"]).count == 1)
        #expect(fooocus.violations(in: ["--all-in-fp16", "--attention-pytorch", "--vae", "x"]).count == 1)
        #expect(fooocus.violations(in: ["--all-in-fp16", "--attention-pytorch", "-v", "--"]).isEmpty)
    }

    @Test func requiredArgumentWithValueCounts() {
        #expect(policy.violations(in: ["--attention-pytorch=1"]).isEmpty)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2026-11-28T23:14:04Z", Int64(1_795_907_644)),
        ("2000-02-29", Int64(951_782_400)),
        ("1969-12-31T23:59:59Z", Int64(-1)),
    ])
    func roundTrip(text: String, seconds: Int64) throws {
        let timestamp = try #require(Timestamp(parsing: text))
        #expect(timestamp.secondsSinceEpoch == seconds)
        #expect(Timestamp(parsing: timestamp.description) == timestamp)
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-11-28T24:00:00Z", "2026-11-28 10:00:00", "2026-11-28T10:00:00+01:00", "tomorrow"])
    func rejected(text: String) {
        #expect(Timestamp(parsing: text) == nil)
    }
}

@Suite struct EvaluatorTests {
    let snapshot = Snapshot(
        facts: ["gpu.0.name": "NVIDIA L4", "gpu.1.name": "NVIDIA A30", "env.CUBLAS_WORKSPACE_CONFIG": ":4096:8", "gpu.count": "2"],
        detectors: [
            DetectorReport(name: "nvml", status: .ok, provides: ["gpu.", "nvidia.driver"]),
            DetectorReport(name: "site-packages", status: .absent, detail: "no Python found", provides: ["python.packages."]),
        ]
    )

    func rule(_ key: String, _ check: Rule.Check, severity: Severity = .error) -> Rule {
        Rule(pattern: FactPattern(key)!, check: check, severity: severity, why: "because")
    }

    @Test func pinComparesEveryLockedKeyAndFlagsExtraOnes() {
        let locked = ["gpu.0.name": "NVIDIA L4"]
        let results = Evaluator.evaluate([rule("gpu.*.name", .pin)], lockedFacts: locked, snapshot: snapshot).results
        #expect(results.map(\.key) == ["gpu.1.name", "gpu.0.name"])
        #expect(results.map(\.verdict) == [.fail, .pass])
    }

    @Test func pinDetectsAChangedValue() {
        let results = Evaluator.evaluate([rule("gpu.*.name", .pin)], lockedFacts: ["gpu.0.name": "NVIDIA A30", "gpu.1.name": "NVIDIA A30"], snapshot: snapshot).results
        #expect(results.first?.key == "gpu.0.name")
        #expect(results.first?.verdict == .fail)
        #expect(results.first?.expected == "\"NVIDIA A30\"")
        #expect(results.first?.found == "NVIDIA L4")
    }

    @Test func missingFactNamesTheDetectorAndItsReason() {
        let result = Evaluator.evaluate([rule("python.packages.torch", .equals("2.2.0"))], lockedFacts: nil, snapshot: snapshot).results[0]
        #expect(result.verdict == .fail)
        #expect(result.found == nil)
        #expect(result.note == "no fact matches python.packages.torch: site-packages absent: no Python found")
    }

    @Test func absentAndOneOfAndSeverity() {
        let evaluation = Evaluator.evaluate([
            rule("env.NVIDIA_TF32_OVERRIDE", .absent),
            rule("env.CUBLAS_WORKSPACE_CONFIG", .oneOf([":16:8"]), severity: .warning),
            rule("gpu.count", .absent, severity: .warning),
        ], lockedFacts: nil, snapshot: snapshot)
        #expect(!evaluation.hasErrors)
        #expect(evaluation.warningCount == 2)
        #expect(evaluation.results.last?.verdict == .pass)
    }

    @Test func absenceIsNotProvenByABrokenSource() {
        var sick = snapshot
        sick.detectors.append(DetectorReport(name: "environment", status: .skipped, detail: "--root /img: not this tree's environment", provides: ["env."]))
        sick.detectors[1].status = .failed
        sick.detectors[1].detail = "python3 did not answer within 3 s"
        let evaluation = Evaluator.evaluate([
            rule("python.packages.xformers", .absent),
            rule("env.TORCH_ALLOW_TF32_CUBLAS_OVERRIDE", .absent),
            rule("gpu.9.name", .absent),
        ], lockedFacts: nil, snapshot: sick)
        #expect(evaluation.results.map(\.verdict) == [.fail, .fail, .pass])
        #expect(evaluation.results[0].note == "cannot tell whether python.packages.xformers is absent: site-packages failed: python3 did not answer within 3 s")
    }

    @Test func lockRecordsEveryMatchedFact() {
        let facts = Evaluator.factsToLock(for: [rule("gpu.*.name", .pin), rule("env.NVIDIA_TF32_OVERRIDE", .absent)], from: snapshot.facts)
        #expect(facts == ["gpu.0.name": "NVIDIA L4", "gpu.1.name": "NVIDIA A30"])
    }
}

@Suite struct FactPatternBacktrackingTests {
    @Test(arguments: [
        ("a*b*c.d", "axxbyyc.d", true),
        ("a*b*c.d", "axxbyyc.e", false),
        ("*-*-cu12", "nvidia-cuda-runtime-cu12", true),
        ("x.*a*.y", "x.bab.y", true),
        ("x.*a*.y", "x.bbb.y", false),
        ("*.*", "a.b", true),
        ("a**b", "ab", true),
        ("*", "", true),
    ])
    func cases(pattern: String, key: String, expected: Bool) throws {
        #expect(try #require(FactPattern(pattern.isEmpty ? "x" : pattern)).matches(key) == expected)
    }
}

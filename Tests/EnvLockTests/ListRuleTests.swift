import Testing
@testable import EnvLock

/// List-valued facts and the contains / excludes rules.
@Suite struct ListRuleTests {
    static func evaluate(_ check: Rule.Check, _ value: String) -> RuleResult? {
        let rule = Rule(pattern: FactPattern("job.fooocus.config.styles")!, check: check, why: "styles rewrite the prompt")
        return Evaluator.evaluate([rule], lockedFacts: nil, snapshot: Snapshot(facts: ["job.fooocus.config.styles": value])).results.first
    }

    @Test func listsRoundTripCanonically() {
        #expect(FactList.encode(["Fooocus V2", "a\"b"]) == #"["Fooocus V2","a\"b"]"#)
        #expect(FactList.decode(FactList.encode(["Fooocus V2", "a\"b"])) == ["Fooocus V2", "a\"b"])
        #expect(FactList.encode([]) == "[]")
        #expect(FactList.items(of: "euler_ancestral") == ["euler_ancestral"])
    }

    @Test func containsAndExcludes() {
        let styles = FactList.encode(["Fooocus V2", "Fooocus Sharp"])
        #expect(Self.evaluate(.contains("Fooocus V2"), styles)?.verdict == .pass)
        #expect(Self.evaluate(.excludes("Fooocus V2"), styles)?.verdict == .fail)
        #expect(Self.evaluate(.excludes("Fooocus V2"), styles)?.note == "has \"Fooocus V2\"")
        #expect(Self.evaluate(.excludes("*"), "[]")?.verdict == .pass)
        #expect(Self.evaluate(.excludes("*"), styles)?.verdict == .fail)
    }

    @Test func globItemsOnSingleValues() {
        let result = Self.evaluate(.excludes("*_gpu"), "dpmpp_2m_sde_gpu")
        #expect(result?.verdict == .fail)
        #expect(result?.expected == "excludes \"*_gpu\"")
        #expect(result?.note == "has \"dpmpp_2m_sde_gpu\", which matches \"*_gpu\"")
        #expect(Self.evaluate(.excludes("*_gpu"), "euler_ancestral")?.verdict == .pass)
        #expect(FactList.item("Fooocus V2", matches: "Fooocus *"))
        #expect(!FactList.item("Fooocus V2", matches: "Fooocus"))
    }

    @Test func profileReadsAndLockKeepsListRules() throws {
        let text = """
            envlock: 1
            name: lists
            rules:
              job.fooocus.config.styles: {excludes: "Fooocus V2", why: "no prompt expansion"}
              job.comfyui.fast: {contains: "cublas_ops", severity: warning}
            """
        let profile = try Profile.load(Array(text.utf8), path: "p.yaml")
        #expect(profile.rules[0].check == .excludes("Fooocus V2"))
        #expect(profile.rules[1].check == .contains("cublas_ops"))
        let encoded = String(decoding: JSONText.canonical(RuleCoding.encode(profile.rules)), as: UTF8.self)
        #expect(encoded.contains(#""excludes":"Fooocus V2""#))
        #expect(throws: DocumentError.self) {
            try Profile.load(Array("envlock: 1\nname: x\nrules:\n  a.b: {excludes: \"\"}\n".utf8), path: "p.yaml")
        }
    }
}

/// The run policy reads arguments as argparse does and does not slip on other spellings.
@Suite struct RunPolicyArgparseTests {
    @Test func valueEntriesSeeBothSpellingsAndPrefixes() {
        let policy = RunPolicy(forbid: ["--sampler=dpmpp_2m_sde_gpu"])
        #expect(policy.violations(in: ["--samp=dpmpp_2m_sde_gpu"]).count == 1)
        #expect(policy.violations(in: ["--sampler", "dpmpp_2m_sde_gpu"]).count == 1)
        #expect(policy.violations(in: ["--sampler", "dpmpp_2m_sde_gpu", "--sampler", "euler"]).isEmpty)
    }

    @Test func theLastValueCounts() {
        let policy = RunPolicy(require: ["--sampler=euler"])
        #expect(policy.violations(in: ["--sampler=euler"]).isEmpty)
        #expect(policy.violations(in: ["--sampler", "euler", "--sampler", "dpm"]) == [
            "required argument --sampler=euler has the value \"dpm\" (--sampler dpm, the last one given, is the one that counts)",
        ])
    }

    @Test func shortOptionsWithAttachedValues() {
        let policy = RunPolicy(forbid: ["-x"])
        #expect(policy.violations(in: ["-x1"]).count == 1)
        #expect(policy.violations(in: ["-abx"]).count == 1)
        #expect(policy.violations(in: ["-y", "-x"]).count == 1)
        #expect(RunPolicy(forbid: ["-x=1"]).violations(in: ["-x", "1"]).count == 1)
        #expect(RunPolicy(forbid: ["-x=1"]).violations(in: ["-x2"]).isEmpty)
    }

    @Test func flagsAfterTheTerminatorAreNotOptions() {
        let policy = RunPolicy(require: ["--attention-pytorch"], forbid: ["--attention-split"])
        #expect(policy.violations(in: ["--", "--attention-pytorch"]) == [
            "missing required argument --attention-pytorch (it appears only after --, where it is not an option)",
        ])
        #expect(policy.violations(in: ["--attention-pytorch", "--", "--attention-split"]).isEmpty)
    }

    @Test func requiredFlagsMustBeSpelledInFull() {
        let policy = RunPolicy(require: ["--attention-pytorch"])
        #expect(policy.violations(in: ["--attention-py"]).first?.contains("write --attention-pytorch in full") == true)
    }
}

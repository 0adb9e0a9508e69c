import Testing
import TestSupport
@testable import EnvLock

/// What the text and Markdown reports fold for people (issue 29), and what JSON keeps: one
/// entry per cause for rules that could not be evaluated, one line per fact however many
/// rules check it, passes as a count, lines within the width with nothing cut.
@Suite struct ReportFoldingTests {
    static func rule(_ key: String, _ check: Rule.Check, why: String? = nil) -> Rule {
        Rule(pattern: FactPattern(key)!, check: check, why: why)
    }

    static let refused = Evaluator.notEvaluated + ": Fooocus's argparse refuses the command line (job.fooocus.options.error), so Fooocus stops before it reads its options and models"

    /// A Fooocus launch whose command line Fooocus refuses: the options and models are not
    /// evaluated under that cause, the settings still are (one of them wrong).
    static func refusedLaunch() -> Snapshot {
        var unreadable: [String: String] = [:]
        for key in ["job.fooocus.attention", "job.fooocus.precision.unet", "job.fooocus.option.debug_mode", "job.fooocus.model.base.sha256"] {
            unreadable[key] = refused
        }
        return Snapshot(
            facts: ["job.fooocus.options.error": "argument --attention-split: not allowed with argument --attention-pytorch",
                    "job.fooocus.config.sampler": "dpmpp_2m_sde_gpu", "job.fooocus.version": "2.5.5"],
            detectors: [DetectorReport(name: "fooocus", status: .ok, provides: ["job.fooocus."], unreadable: unreadable)]
        )
    }

    static let refusedRules = [
        rule("job.fooocus.options.error", .absent, why: "Fooocus refuses this command line."),
        rule("job.fooocus.attention", .equals("pytorch")),
        rule("job.fooocus.precision.unet", .equals("fp16")),
        rule("job.fooocus.option.*", .pin),
        rule("job.fooocus.model.*.sha256", .pin),
        rule("job.fooocus.config.sampler", .equals("euler_ancestral"), why: "never a *_gpu sampler"),
        rule("job.fooocus.version", .equals("2.5.5")),
    ]

    static let locked = ["job.fooocus.option.debug_mode": "False", "job.fooocus.model.base.sha256": "sha256:" + String(repeating: "ab", count: 32)]

    @Test func rulesThatCouldNotBeEvaluatedAreOneEntryUnderTheirCause() {
        let evaluation = Evaluator.evaluate(Self.refusedRules, lockedFacts: Self.locked, snapshot: Self.refusedLaunch())
        let text = evaluation.text(header: "h")
        #expect(!text.contains("not installed here"), "\(text)")
        #expect(text.components(separatedBy: "refuses the command line").count == 2, "the cause once:\n\(text)")
        #expect(text.contains("FAIL  not evaluated (4 rules), because Fooocus's argparse refuses the command line"), "\(text)")
        #expect(text.contains("      job.fooocus.attention, job.fooocus.precision.unet, job.fooocus.option.debug_mode,\n      job.fooocus.model.base.sha256\n"), "\(text)")
        // The independent problems are still there, each on its own line.
        #expect(text.contains("FAIL  job.fooocus.options.error\n      expected absent\n      found \"argument --attention-split: not allowed with argument --attention-pytorch\"\n"), "\(text)")
        #expect(text.contains("FAIL  job.fooocus.config.sampler  expected \"euler_ancestral\"  found \"dpmpp_2m_sde_gpu\""), "\(text)")
        #expect(text.hasSuffix("DRIFT: 2 errors, 4 not evaluated, 0 warnings, 1 passed (--all lists the passes)\n"), "\(text)")
        let markdown = evaluation.markdown(header: "h")
        #expect(markdown.contains("| fail | `job.fooocus.attention`, `job.fooocus.precision.unet`, `job.fooocus.option.debug_mode`, `job.fooocus.model.base.sha256` | not evaluated (4 rules) | | because Fooocus"), "\(markdown)")
    }

    @Test func machineFormatsKeepEveryRuleWithItsCause() {
        let evaluation = Evaluator.evaluate(Self.refusedRules, lockedFacts: Self.locked, snapshot: Self.refusedLaunch())
        #expect(evaluation.results.count == 7)
        #expect(evaluation.errorCount == 6)
        let caused = evaluation.results.filter { $0.cause == Self.refused }.map(\.key).sorted()
        #expect(caused == ["job.fooocus.attention", "job.fooocus.model.base.sha256", "job.fooocus.option.debug_mode", "job.fooocus.precision.unet"])
        guard case .object(let members) = evaluation.document(context: []),
              case .array(let results)? = members.first(where: { $0.key == "results" })?.value else {
            Issue.record("no results array")
            return
        }
        let fields = results.map { result -> [String: JSONValue] in
            guard case .object(let members) = result else { return [:] }
            return Dictionary(members.map { ($0.key, $0.value) }) { first, _ in first }
        }
        #expect(fields.count == 7)
        #expect(fields.count { $0["cause"] == .string(Self.refused) } == 4)
        #expect(fields.allSatisfy { $0["verdict"] != nil && $0["key"] != nil && $0["rule"] != nil })
    }

    /// A failed source is a cause too; a source that read the machine and found nothing is not.
    @Test func aFailedSourceIsACauseAndAnAbsentKeyIsNot() {
        let snapshot = Snapshot(facts: ["gpu.0.name": "NVIDIA L4"], detectors: [
            DetectorReport(name: "nvml", status: .ok, provides: ["gpu."]),
            DetectorReport(name: "site-packages", status: .failed, detail: "cannot list /site: Permission denied", provides: ["python.packages."]),
        ])
        let evaluation = Evaluator.evaluate([
            Self.rule("python.packages.torch", .version(try! SpecifierSet(parsing: "==2.2.0"))),
            Self.rule("python.packages.numpy", .version(try! SpecifierSet(parsing: "==1.26.4"))),
            Self.rule("gpu.1.name", .equals("NVIDIA L4")),
        ], lockedFacts: nil, snapshot: snapshot)
        let causes = evaluation.results.map(\.cause)
        #expect(causes == ["site-packages failed: cannot list /site: Permission denied", "site-packages failed: cannot list /site: Permission denied", nil])
        let text = evaluation.text(header: "h")
        #expect(text.contains("FAIL  not evaluated (2 rules), because site-packages failed: cannot list /site: Permission denied\n      python.packages.torch, python.packages.numpy\n"), "\(text)")
        #expect(text.contains("FAIL  gpu.1.name  expected \"NVIDIA L4\"  found nothing\n      note: no fact matches gpu.1.name: nvml read this machine and reported no such key (not\n        installed here)\n"), "\(text)")
    }

    /// The nvidia-*-cu12 wildcard pin checks the facts the exact versions and pins check: each
    /// fact once, with what each rule expects and every reason.
    @Test func aFactCheckedByTwoRulesAppearsOnceWithBothReasons() {
        let snapshot = Snapshot(facts: ["python.packages.nvidia-cudnn-cu12": "8.9.7.29", "python.packages.nvidia-cublas-cu12": "12.1.3.1"])
        let rules = [
            Self.rule("python.packages.nvidia-cudnn-cu12", .version(try! SpecifierSet(parsing: "==8.9.2.26")), why: "cuDNN chooses convolution kernels."),
            Self.rule("python.packages.nvidia-cublas-cu12", .pin, why: "cuBLAS chooses GEMM kernels."),
            Self.rule("python.packages.nvidia-*-cu12", .pin, why: "Every CUDA library wheel as on the reference machine."),
        ]
        let locked = ["python.packages.nvidia-cudnn-cu12": "8.9.2.26", "python.packages.nvidia-cublas-cu12": "12.1.3.1"]
        let evaluation = Evaluator.evaluate(rules, lockedFacts: locked, snapshot: snapshot)
        #expect(evaluation.errorCount == 2)
        for all in [false, true] {
            let text = evaluation.text(header: "h", all: all)
            #expect(text.components(separatedBy: "FAIL  python.packages.nvidia-cudnn-cu12").count == 2, "\(text)")
            #expect(text.contains("FAIL  python.packages.nvidia-cudnn-cu12  expected ==8.9.2.26 and \"8.9.2.26\"  found \"8.9.7.29\"\n      why: cuDNN chooses convolution kernels.\n      why: Every CUDA library wheel as on the reference machine.\n"), "\(text)")
            #expect(text.components(separatedBy: "PASS  python.packages.nvidia-cublas-cu12").count == (all ? 2 : 1), "\(text)")
            let markdown = evaluation.markdown(header: "h", all: all)
            #expect(markdown.components(separatedBy: "`python.packages.nvidia-cudnn-cu12`").count == 2, "\(markdown)")
            #expect(markdown.contains("| ==8.9.2.26 and \"8.9.2.26\" | 8.9.7.29 | cuDNN chooses convolution kernels. Every CUDA library wheel as on the reference machine. |"), "\(markdown)")
        }
    }

    /// Every width from narrow to wide, and values from short to longer than a line: each line
    /// fits, unless it is one value standing whole on its own indented line (never beside its
    /// label), and the words shown are the words given.
    @Test func linesFitTheWidthAndNothingIsCut() {
        var generator = SplitMix64(seed: 29)
        for _ in 0..<300 {
            let width = Int(generator.next() % 101) + 40
            let words = (0..<Int(generator.next() % 30 + 1)).map { _ in
                String(repeating: "x", count: Int(generator.next() % (generator.next() % 4 == 0 ? 160 : 12)) + 1)
            }
            let value = words.joined(separator: " ")
            let digest = "sha256:" + String(repeating: "0", count: Int(generator.next() % 100) + 1)
            let evaluation = Evaluation(results: [
                RuleResult(key: "job.fooocus.model.base.sha256", rule: Self.rule("job.fooocus.model.*.sha256", .pin, why: value), expected: "\"\(digest)\"", found: value, verdict: .fail, note: value),
            ], findings: [Finding(code: "code", message: value, keys: [])])
            let text = evaluation.text(header: "envlock verify: " + value, width: width)
            for line in text.split(separator: "\n") where line.count > width {
                #expect(line.split(separator: " ").count == 1, "width \(width): \(line)")
            }
            // Nothing cut: every word given appears whole, as often as given (header, found,
            // note, why, warning: five times).
            let shown = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\"" })
            for word in Set(words) {
                #expect(shown.count { $0 == word } >= 5 * words.count { $0 == word }, "width \(width): \(word.count)-character word lost in\n\(text)")
            }
            #expect(text.contains(digest))
        }
    }

    @Test func columnsCountOnlyForATerminal() {
        #expect(TextWrap.width(columns: "160", isTerminal: true) == 160)
        #expect(TextWrap.width(columns: "160", isTerminal: false) == 100)
        #expect(TextWrap.width(columns: nil, isTerminal: true) == 100)
        #expect(TextWrap.width(columns: "wide", isTerminal: true) == 100)
        #expect(TextWrap.width(columns: "12", isTerminal: true) == 100)
    }
}

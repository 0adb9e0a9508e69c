import Testing
@testable import EnvLock

/// The verify report's exact shapes: scripts parse the JSON and YAML, people and CI logs read
/// the text, bug reports paste the Markdown.
@Suite struct VerificationReportTests {
    static let torch = Rule(pattern: FactPattern("python.packages.torch")!, check: .version(try! SpecifierSet(parsing: "==2.2.0")), why: "kernels changed in 2.3")
    static let workspace = Rule(pattern: FactPattern("env.CUBLAS_WORKSPACE_CONFIG")!, check: .oneOf([":4096:8"]), severity: .warning)
    static let gpu = Rule(pattern: FactPattern("gpu.*.name")!, check: .pin)

    static func evaluation() -> Evaluation {
        Evaluation(
            results: [
                RuleResult(key: "python.packages.torch", rule: torch, expected: "==2.2.0", found: "2.3.1", verdict: .fail, note: nil),
                RuleResult(key: "env.CUBLAS_WORKSPACE_CONFIG", rule: workspace, expected: "one of \":4096:8\"", found: nil, verdict: .warn, note: "the variable is unset"),
                RuleResult(key: "gpu.0.name", rule: gpu, expected: "\"NVIDIA L4\"", found: "NVIDIA L4\n", verdict: .pass, note: nil),
            ],
            findings: [Finding(code: "torch-cuda-mismatch", message: "torch built for 12.1 | driver 11.8", keys: ["torch.cuda", "cuda.driver_api"])]
        )
    }

    static func report(_ verdict: TrustVerdict = .signed(keyID: "ab12")) throws -> VerificationReport {
        let lock = try LockTests.sampleLock()
        return VerificationReport(lock: TrustedLock(loaded: LoadedLock(lock: lock, path: "env\u{1b}.lock", recordedFingerprint: lock.fingerprint), verdict: verdict), evaluation: evaluation())
    }

    @Test func textListsFailuresAndWarningsThenTheVerdictWithPassesCounted() throws {
        #expect(try Self.report().text() == """
            envlock verify: env\\x1b.lock (profile "sample", signed by trusted key ab12)

            FAIL  python.packages.torch  expected ==2.2.0  found "2.3.1"
                  why: kernels changed in 2.3
            WARN  env.CUBLAS_WORKSPACE_CONFIG  expected one of ":4096:8"  found nothing
                  note: the variable is unset

            WARNING torch-cuda-mismatch: torch built for 12.1 | driver 11.8

            DRIFT: 1 error, 1 warning, 1 passed (--all lists the passes)

            """)
    }

    @Test func textWithAllListsThePassesToo() throws {
        let text = try Self.report().text(all: true)
        #expect(text.contains("\nPASS  gpu.0.name  expected \"NVIDIA L4\"  found \"NVIDIA L4\\n\"\n"), "\(text)")
        #expect(text.hasSuffix("\nDRIFT: 1 error, 1 warning, 1 passed\n"), "\(text)")
    }

    @Test func markdownIsOneTableOfFailuresWithEscapedCells() throws {
        #expect(try Self.report(.unsignedAllowed).markdown() == """
            ### envlock verify: env\\\\\\\\x1b.lock (profile "sample", UNSIGNED (accepted because of --allow-unsigned))

            | verdict | key | expected | found | why |
            | --- | --- | --- | --- | --- |
            | fail | `python.packages.torch` | ==2.2.0 | 2.3.1 | kernels changed in 2.3 |
            | warn | `env.CUBLAS_WORKSPACE_CONFIG` | one of ":4096:8" | nothing | the variable is unset |

            - warning `torch-cuda-mismatch`: torch built for 12.1 \\| driver 11.8

            **DRIFT: 1 error, 1 warning, 1 passed** (--all lists the passes)

            """)
        #expect(try Self.report(.unsignedAllowed).markdown(all: true).contains("| pass | `gpu.0.name` | \"NVIDIA L4\" | NVIDIA L4\\\\n |  |\n"))
    }

    @Test func jsonHasTheLockTrustVerdictCountsResultsAndFindingsInOrder() throws {
        let report = try Self.report()
        #expect(JSONText.pretty(report.document) == """
            {
              "lock": "env\\u001b.lock",
              "profile": "sample",
              "fingerprint": "\(report.lock.loaded.lock.fingerprint)",
              "trust": {
                "status": "signed",
                "key_id": "ab12"
              },
              "verdict": "drift",
              "errors": "1",
              "warnings": "1",
              "results": [
                {
                  "key": "python.packages.torch",
                  "rule": "version ==2.2.0",
                  "severity": "error",
                  "expected": "==2.2.0",
                  "found": "2.3.1",
                  "verdict": "fail",
                  "why": "kernels changed in 2.3"
                },
                {
                  "key": "env.CUBLAS_WORKSPACE_CONFIG",
                  "rule": "one of \\":4096:8\\"",
                  "severity": "warning",
                  "expected": "one of \\":4096:8\\"",
                  "found": null,
                  "verdict": "warn",
                  "note": "the variable is unset"
                },
                {
                  "key": "gpu.0.name",
                  "rule": "pinned to the locking machine",
                  "severity": "error",
                  "expected": "\\"NVIDIA L4\\"",
                  "found": "NVIDIA L4\\n",
                  "verdict": "pass"
                }
              ],
              "findings": [
                {
                  "code": "torch-cuda-mismatch",
                  "message": "torch built for 12.1 | driver 11.8",
                  "keys": [
                    "torch.cuda",
                    "cuda.driver_api"
                  ]
                }
              ]
            }

            """)
    }

    @Test func anUnsignedLockSaysSoInTheTrustObject() throws {
        let yaml = YAMLWriter.write(try Self.report(.unsignedAllowed).document)
        #expect(yaml.contains("trust:\n  status: \"unsigned-allowed\"\nverdict: \"drift\"\n"))
    }

    @Test func aCheckWithoutVerdictStillWritesADocument() {
        let document = VerificationReport.untrustedDocument(lock: "env.lock", error: "env.lock: error: the lock was modified")
        #expect(JSONText.pretty(document) == """
            {
              "lock": "env.lock",
              "verdict": "untrusted",
              "error": "env.lock: error: the lock was modified"
            }

            """)
    }

    @Test func aMatchingMachineSaysMatch() {
        let passing = Evaluation(results: [RuleResult(key: "gpu.0.name", rule: Self.gpu, expected: "\"NVIDIA L4\"", found: "NVIDIA L4", verdict: .pass, note: nil)], findings: [])
        #expect(passing.verdictLine == "MATCH: 0 errors, 0 warnings, 1 passed")
        #expect(passing.text(header: "h") == "h\n\nMATCH: 0 errors, 0 warnings, 1 passed (--all lists the passes)\n")
        #expect(passing.markdown(header: "h") == "### h\n\n**MATCH: 0 errors, 0 warnings, 1 passed** (--all lists the passes)\n")
        #expect(passing.text(header: "h", all: true) == "h\n\nPASS  gpu.0.name  expected \"NVIDIA L4\"  found \"NVIDIA L4\"\n\nMATCH: 0 errors, 0 warnings, 1 passed\n")
    }
}

@testable import EnvLock
import Testing

/// `envlock audit`'s report, exactly: per image its verdict, then the failed rules, the paths
/// not read again, then totals.
@Suite struct LockAuditTests {
    static let sampler = Rule(pattern: FactPattern("job.fooocus.config.sampler")!, check: .equals("dpmpp_2m_sde_gpu"), why: "samplers differ")
    static let commit = Rule(pattern: FactPattern("job.fooocus.commit")!, check: .pin)

    static func audit() -> LockAudit {
        let lock = Lock(profile: "fooocus", rules: [sampler, commit], run: RunPolicy(), facts: [:], created: Timestamp(secondsSinceEpoch: 0), host: "h")
        let drift = Evaluation(results: [RuleResult(key: "job.fooocus.config.sampler", rule: sampler, expected: "\"dpmpp_2m_sde_gpu\"", found: "euler|a", verdict: .fail, note: nil)], findings: [])
        let report = AuditReport(
            images: [
                AuditedImage(path: "out/a.png", verdict: .drift, source: "fooocus", detail: nil, evaluation: drift, notApplicable: [:]),
                AuditedImage(path: "out/b\n.jpg", verdict: .noRecord, source: nil, detail: "no generation record", evaluation: nil, notApplicable: [:]),
            ],
            rulesNotAudited: [commit],
            skipped: [AuditSkip(path: "out/sub/up\n", reason: .loop, sameAs: "out")]
        )
        return LockAudit(lock: TrustedLock(loaded: LoadedLock(lock: lock, path: "f.lock", recordedFingerprint: lock.fingerprint), verdict: .unsignedAllowed), report: report)
    }

    @Test func textNamesEachImageAndEachFailedRule() {
        #expect(Self.audit().text() == """
            envlock audit: f.lock (profile "fooocus", UNSIGNED (accepted because of --allow-unsigned))

            DRIFT out/a.png (fooocus)
              FAIL job.fooocus.config.sampler: expected "dpmpp_2m_sde_gpu", image says "euler|a"
                  why: samplers differ
            NO-RECORD out/b\\n.jpg: no generation record
            SKIPPED out/sub/up\\n: a loop back to out, which holds it: not searched again

            not recorded in images, so not judged here (the launch-time gate checks them): job.fooocus.commit
            totals: 2 images, 0 conforms, 1 drift, 1 no-record, 0 unreadable

            """)
        #expect(!Self.audit().allConform)
    }

    @Test func markdownHasARowPerFailedRuleOrImage() {
        #expect(Self.audit().markdown() == """
            ### envlock audit: f.lock (profile "fooocus", UNSIGNED (accepted because of --allow-unsigned))

            | image | verdict | key | expected | image says | why |
            | --- | --- | --- | --- | --- | --- |
            | `out/a.png` | drift | `job.fooocus.config.sampler` | "dpmpp\\_2m\\_sde\\_gpu" | euler\\|a | samplers differ |
            | out/b\\\\n.jpg | no-record | | | | no generation record |

            - skipped out/sub/up\\\\n: a loop back to out, which holds it: not searched again

            not recorded in images, so not judged here (the launch-time gate checks them): job.fooocus.commit

            Totals: 2 images, 0 conforms, 1 drift, 1 no-record, 0 unreadable

            """)
    }

    @Test func jsonListsImagesFindingsTotalsAndWhatWasNotAudited() {
        #expect(JSONText.pretty(Self.audit().document) == """
            {
              "lock": "f.lock",
              "images": [
                {
                  "path": "out/a.png",
                  "verdict": "drift",
                  "source": "fooocus",
                  "findings": [
                    {
                      "key": "job.fooocus.config.sampler",
                      "rule": "equals \\"dpmpp_2m_sde_gpu\\"",
                      "verdict": "fail",
                      "expected": "\\"dpmpp_2m_sde_gpu\\"",
                      "found": "euler|a",
                      "why": "samplers differ"
                    }
                  ]
                },
                {
                  "path": "out/b\\n.jpg",
                  "verdict": "no-record",
                  "detail": "no generation record",
                  "findings": []
                }
              ],
              "skipped": [
                {
                  "path": "out/sub/up\\n",
                  "reason": "loop",
                  "same_as": "out"
                }
              ],
              "totals": {
                "images": "2",
                "conforms": "0",
                "drift": "1",
                "no-record": "1",
                "unreadable": "0"
              },
              "rules_not_audited": [
                "job.fooocus.commit"
              ]
            }

            """)
    }
}

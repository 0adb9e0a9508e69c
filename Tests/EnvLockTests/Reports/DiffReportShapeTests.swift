import Testing
@testable import EnvLock

/// `envlock diff`'s report, exactly: scripts parse the JSON and YAML, people read the text,
/// bug reports paste the Markdown.
@Suite struct DiffReportShapeTests {
    static let driver = FactDifference(key: "nvidia.driver", group: "nvidia", family: "nvidia", left: "535.104.05", right: "550.54.15", impact: .mayChangeResults, explanation: "newer on B", why: "kernels change with drivers")
    static let tf32 = FactDifference(key: "env.NVIDIA_TF32_OVERRIDE", group: "env", family: "env", left: nil, right: "0|1", impact: .changesResults, explanation: nil, why: "TF32 changes matmul results")
    static let host = FactDifference(key: "host.name", group: "host", family: "host", left: "w17", right: nil, impact: .noEffect, explanation: nil, why: "a name")

    static let report = DiffReport(left: "a.json", right: "this machine", differences: [tf32, driver, host])

    @Test func textRanksFoldsNoiseAndExplains() {
        #expect(Self.report.text(all: false) == """
            1 difference changes results, 1 may, 1 has no effect
            --- A: a.json
            +++ B: this machine

            [changes results]
            + env.NVIDIA_TF32_OVERRIDE: "0|1" (only in B)
                why it matters: TF32 changes matmul results

            [may change results]
            ~ nvidia.driver: "535.104.05" -> "550.54.15"
                newer on B
                why it matters: kernels change with drivers

            [no effect]
            … 1 more folded: host.* (1); --all lists them

            3 differences

            """)
        #expect(Self.report.text(all: true).contains("[no effect]\n- host.name: \"w17\" (only in A)\n    why it matters: a name\n"))
        #expect(DiffReport(left: "a", right: "b", differences: []).text(all: false) == "identical: A and B have the same facts\n--- A: a\n+++ B: b\n")
    }

    @Test func markdownTablesWhatChangesResultsAndCountsTheRest() {
        #expect(Self.report.markdown(all: false) == """
            ### envlock diff

            A: `a.json`, B: this machine

            **1 difference changes results, 1 may, 1 has no effect**

            #### Changes results

            | key | A | B | what it means |
            | --- | --- | --- | --- |
            | `env.NVIDIA_TF32_OVERRIDE` | — | 0\\|1 | TF32 changes matmul results |

            1 difference that may change results not shown (`envlock diff --all` lists them).

            1 difference with no effect not shown (`envlock diff --all` lists them).

            """)
    }

    @Test func jsonListsEveryDifferenceWithItsRankAndChange() {
        #expect(JSONText.pretty(Self.report.document) == """
            {
              "left": "a.json",
              "right": "this machine",
              "identical": false,
              "summary": {
                "changes-results": "1",
                "may-change-results": "1",
                "no-effect": "1"
              },
              "differences": [
                {
                  "key": "env.NVIDIA_TF32_OVERRIDE",
                  "group": "env",
                  "family": "env",
                  "impact": "changes-results",
                  "change": "only-right",
                  "left": null,
                  "right": "0|1",
                  "why": "TF32 changes matmul results"
                },
                {
                  "key": "nvidia.driver",
                  "group": "nvidia",
                  "family": "nvidia",
                  "impact": "may-change-results",
                  "change": "changed",
                  "left": "535.104.05",
                  "right": "550.54.15",
                  "explanation": "newer on B",
                  "why": "kernels change with drivers"
                },
                {
                  "key": "host.name",
                  "group": "host",
                  "family": "host",
                  "impact": "no-effect",
                  "change": "only-left",
                  "left": "w17",
                  "right": null,
                  "why": "a name"
                }
              ]
            }

            """)
    }
}

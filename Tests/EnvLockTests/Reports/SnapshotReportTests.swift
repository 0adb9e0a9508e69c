import Testing
@testable import EnvLock

/// `envlock probe`'s text and Markdown, exactly.
@Suite struct SnapshotReportTests {
    static let snapshot = Snapshot(
        facts: ["nvidia.driver": "550.54.15", "gpu.0.name": "NVIDIA L4|x"],
        detectors: [
            DetectorReport(name: "nvml", status: .ok, detail: "1 GPU"),
            DetectorReport(name: "site-packages", status: .failed, detail: "cannot read\nMETADATA", diagnostics: ["two torch installs"], unreadable: ["python.packages.torch": "empty METADATA"]),
        ],
        findings: [Finding(code: "torch-cuda-mismatch", message: "torch wants 12.1", keys: ["torch.cuda"])]
    )

    @Test func textHasFactsDetectorsDiagnosticsAndWarnings() {
        #expect(Self.snapshot.text == """
            Facts
              gpu.0.name     NVIDIA L4|x
              nvidia.driver  550.54.15

            Detectors
              ok      nvml           1 GPU
              failed  site-packages  cannot read\\nMETADATA
              site-packages: two torch installs
              site-packages: python.packages.torch is installed but cannot be read: empty METADATA

            Warnings
              torch-cuda-mismatch: torch wants 12.1

            """)
    }

    @Test func markdownHasAFactTableAndADetectorTable() {
        #expect(Self.snapshot.markdown == """
            ### envlock probe

            | fact | value |
            | --- | --- |
            | `gpu.0.name` | NVIDIA L4\\|x |
            | `nvidia.driver` | 550.54.15 |

            | detector | status | detail |
            | --- | --- | --- |
            | nvml | ok | 1 GPU |
            | site-packages | failed | cannot read\\\\nMETADATA; two torch installs |

            **Warnings**

            - `torch-cuda-mismatch`: torch wants 12.1

            """)
    }

    @Test func aSnapshotWithoutFindingsHasNoWarningsSection() {
        let quiet = Snapshot(facts: ["a.b": "1"], detectors: [DetectorReport(name: "x", status: .absent)])
        #expect(quiet.text == "Facts\n  a.b  1\n\nDetectors\n  absent  x\n")
    }
}

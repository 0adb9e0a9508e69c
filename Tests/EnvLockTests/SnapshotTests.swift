import Testing
@testable import EnvLock

@Test func detectorLookupByName() {
    let snapshot = Snapshot(detectors: [DetectorReport(name: "nvml", status: .absent, detail: "libnvidia-ml.so.1 not found")])
    #expect(snapshot.detector(named: "nvml")?.status == .absent)
    #expect(snapshot.detector(named: "cuda") == nil)
}

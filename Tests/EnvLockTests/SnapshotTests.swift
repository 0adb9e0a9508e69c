import Testing
@testable import EnvLock

@Test func detectorLookupByName() {
    let snapshot = Snapshot(detectors: [DetectorReport(name: "nvml", status: .absent, detail: "libnvidia-ml.so.1 not found")])
    #expect(snapshot.detector(named: "nvml")?.status == .absent)
    #expect(snapshot.detector(named: "cuda") == nil)
}

/// Facts are written in String's `<` order whichever way it is computed: by bytes for ASCII
/// keys, by `<` as soon as one key is not ASCII (here `e` + combining acute, which `<` treats
/// as `é` and bytes would put before every `é`).
@Test func factKeysSortAsStringsSortThem() {
    func sortedKeys(_ keys: [String]) -> [String] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, "value of " + $0) }).sortedByFactKey().map { entry in
            #expect(entry.value == "value of " + entry.key)
            return entry.key
        }
    }
    let ascii = ["python.packages.a-b", "python.packages.a", "python.packages.a.b", "gpu.10.name", "gpu.2.name", "Z", "_", "python.packages.\\u{e9}t\\u{e9}", ""]
    #expect(sortedKeys(ascii) == ascii.sorted())
    #expect(sortedKeys(ascii) == ["", "Z", "_", "gpu.10.name", "gpu.2.name", "python.packages.\\u{e9}t\\u{e9}", "python.packages.a", "python.packages.a-b", "python.packages.a.b"])
    let composed = ["conda.packages.e\u{301}x", "conda.packages.\u{e9}a", "conda.packages.f"]
    #expect(sortedKeys(composed) == composed.sorted())
    #expect(sortedKeys(composed) == ["conda.packages.f", "conda.packages.\u{e9}a", "conda.packages.e\u{301}x"])
}

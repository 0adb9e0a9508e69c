/// The words for differences in the GPU code of installed libraries (`cuda_code.COMPONENT.sass`,
/// `.ptx`, and `cuda_code.COMPONENT.gpu.N`, from the probe's cuda-code detector).
extension DifferenceExplanation {
    /// The explanation for a GPU code key, or nil when `key` is not one.
    static func gpuCode(_ key: String, left: String?, right: String?) -> String? {
        let segments = key.split(separator: ".", omittingEmptySubsequences: false)
        if segments.count == 4, segments[0] == "cuda_code", segments[2] == "gpu" {
            return gpuRuns(component: String(segments[1]), gpu: String(segments[3]), left, right)
        }
        if segments.count == 3, segments[0] == "cuda_code", segments[2] == "sass" || segments[2] == "ptx" {
            return codeLists(component: String(segments[1]), kind: String(segments[2]), left, right)
        }
        return nil
    }

    /// "A runs sm_86 kernels, B runs sm_80 kernels".
    static func gpuRuns(component: String, gpu: String, _ a: String?, _ b: String?) -> String? {
        func runs(_ value: String) -> String {
            if value == "none" { return "has no \(component) code GPU \(gpu) can run (its kernels fail to launch)" }
            if value.hasPrefix("ptx ") { return "JIT-compiles \(value.dropFirst(4)) PTX for GPU \(gpu) (the driver's compiler decides the kernels)" }
            return "runs \(value) kernels"
        }
        switch (a, b) {
        case (let a?, let b?): return "A \(runs(a)), B \(runs(b))"
        case (let a?, nil): return "only A reports which \(component) code GPU \(gpu) runs: A \(runs(a))"
        case (nil, let b?): return "only B reports which \(component) code GPU \(gpu) runs: B \(runs(b))"
        case (nil, nil): return nil
        }
    }

    /// "B has sm_89 that A lacks": the architectures only one side's library was built for.
    static func codeLists(component: String, kind: String, _ a: String?, _ b: String?) -> String? {
        guard let a, let b, let left = FactList.decode(a), let right = FactList.decode(b) else { return nil }
        let onlyA = left.filter { !right.contains($0) }, onlyB = right.filter { !left.contains($0) }
        var parts: [String] = []
        if !onlyA.isEmpty { parts.append("A's \(component) has \(kind.uppercased()) for \(onlyA.joined(separator: ", ")) that B's lacks") }
        if !onlyB.isEmpty { parts.append("B's \(component) has \(kind.uppercased()) for \(onlyB.joined(separator: ", ")) that A's lacks") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

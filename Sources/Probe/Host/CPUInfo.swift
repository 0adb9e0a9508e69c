/// `host.cpu.model` and `host.cpu.flags` from /proc/cpuinfo under the probe root.
public struct CPUInfoDetector: Detector {
    public let name = "cpuinfo"
    let provides = ["host.cpu."]

    /// The flags that change floating-point results or which CPU kernels oneDNN and PyTorch
    /// pick (x86 `flags`, Arm `Features`). docs/FACTS.md lists the same set.
    static let relevantFlags: Set<String> = [
        "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq",
        "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_bf16", "amx_tile", "amx_int8",
        "asimd", "asimdhp", "fphp", "sve", "sve2", "bf16", "i8mm",
    ]

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        do {
            let text = try context.readText("/proc/cpuinfo", limit: 8 << 20)
            let facts = Self.parse(text)
            if facts.isEmpty { return .failed("\(context.hostPath("/proc/cpuinfo")) names no CPU model and no flags") }
            return .ok(facts)
        } catch .notFound(let path) {
            return .absent("\(path) does not exist")
        } catch {
            return .failed(error.description)
        }
    }

    /// The model name and the sorted relevant flags of the first processor in cpuinfo text.
    public static func parse(_ text: String) -> [String: String] {
        var model: String?
        var flags: Set<String>?
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingWhitespace()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            switch key {
            case "model name", "Model Name", "cpu model":
                if model == nil { model = String(value) }
            case "flags", "Features":
                if flags == nil { flags = Set(value.split(separator: " ").map(String.init)) }
            default:
                continue
            }
            // Later processors repeat the first one's lines: on a 128-core server that is 99%
            // of the text.
            if model != nil && flags != nil { break }
        }
        var facts: [String: String] = [:]
        if let model { facts["host.cpu.model"] = model }
        if let flags { facts["host.cpu.flags"] = flags.intersection(relevantFlags).sorted().joined(separator: " ") }
        return facts
    }
}

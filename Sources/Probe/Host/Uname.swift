#if canImport(Glibc)
import Glibc
#endif

/// `host.kernel`, `host.arch` and `host.name` from uname(2): the running kernel.
struct UnameDetector: Detector {
    let name = "uname"
    let provides = ["host.kernel", "host.arch", "host.name"]
    /// uname(2) answers from the kernel's memory.
    func mayBlock(in context: HostContext) -> Bool { false }
    func source(in context: HostContext) -> DetectorSource { .runningMachine(reason: "uname describes the running kernel, not that tree") }

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        var info = utsname()
        guard uname(&info) == 0 else { return .failed("uname failed: \(String(cString: strerror(errno)))") }
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return .ok([
            "host.kernel": field(info.release),
            "host.arch": field(info.machine),
            "host.name": field(info.nodename),
        ])
    }
}

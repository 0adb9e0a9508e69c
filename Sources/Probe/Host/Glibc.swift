#if canImport(Glibc)
import Glibc
#endif

/// `host.glibc`: the version of the C library this process runs on, as `ldd --version` says it.
struct GlibcDetector: Detector {
    let name = "glibc"
    let provides = ["host.glibc"]
    /// confstr(3) answers from the C library's memory.
    func mayBlock(in context: HostContext) -> Bool { false }
    func source(in context: HostContext) -> DetectorSource { .runningMachine(reason: "the running glibc is this machine's, not that tree's") }

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        // confstr(_CS_GNU_LIBC_VERSION) answers "glibc 2.36" without any pointer casts.
        let size = confstr(Int32(_CS_GNU_LIBC_VERSION), nil, 0)
        guard size > 0 else { return .absent("the C library does not report a glibc version (not glibc)") }
        var buffer = [CChar](repeating: 0, count: size)
        _ = confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, size)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard text.hasPrefix("glibc ") else { return .failed("unexpected C library version text: \(text)") }
        return .ok(["host.glibc": String(text.dropFirst("glibc ".count))])
    }

}

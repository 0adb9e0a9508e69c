/// What the process `--pid` names runs: its program, command line and working directory, as
/// `/proc/PID/exe`, `cmdline` and `cwd` show them (read once, when `--pid` was checked).
///
/// Keys: `runtime.process.pid`, `runtime.process.executable`, `runtime.process.command` (the
/// arguments joined by spaces) and `runtime.process.cwd`.
struct RuntimeProcessDetector: Detector {
    let name = "runtime-process"
    let provides = ["runtime.process."]
    /// The process was read when --pid was checked.
    func mayBlock(in context: HostContext) -> Bool { false }

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let process = context.process else {
            return .skipped("no --pid: no running process was named")
        }
        var facts = ["runtime.process.pid": String(process.pid)]
        if let executable = process.executable { facts["runtime.process.executable"] = executable }
        if !process.arguments.isEmpty { facts["runtime.process.command"] = process.arguments.joined(separator: " ") }
        if let directory = process.workingDirectory { facts["runtime.process.cwd"] = directory }
        return .ok(facts)
    }
}

import EnvLock

// One job, kept in one file although it passes 300 lines: the nvidia-smi detector and the
// parsers for the three output forms it falls back through (CSV query, XML, plain text).

/// The driver and GPUs from the `nvidia-smi` command, the last resort when neither NVML nor
/// libcuda answered in-process (nvidia-smi may still work through its own NVML copy).
///
/// nvidia-smi can hang for many seconds on a sick GPU, so every run has the context's command
/// deadline and a timeout is reported by name.
public struct NvidiaSMIDetector: Detector {
    public let name = "nvidia-smi"
    let provides = GPUFacts.provided
    let dependencies = ["nvml", "cuda-driver"]
    /// Just above NVML's own deadline (the context's 3 s command timeout), as for cuda-driver:
    /// a slow but healthy NVML must get to answer first.
    let dependencyWait: Duration? = .milliseconds(3200)

    /// The fields asked for, in the order `parseQuery` expects them.
    public static let queryFields = ["index", "name", "driver_version", "compute_cap", "memory.total", "mig.mode.current", "uuid"]

    func source(in context: HostContext) -> DetectorSource { LiveSource.source }

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        for source in dependencies where earlier[source]?.status == .ok {
            return .skipped("\(source) already reported the GPUs")
        }
        let clock = ContinuousClock()
        let budget = context.commandBudget()
        let deadline = clock.now + budget
        var fields = Self.queryFields
        var diagnostics: [String] = []
        var table: QueryTable?
        // One retry: drivers before 510 reject `compute_cap`, and naming the field they
        // reject lets the rest of the query still answer.
        for _ in 0..<2 where table == nil {
            let arguments = ["--query-gpu=" + fields.joined(separator: ","), "--format=csv,noheader,nounits"]
            let outcome = await context.commands.run("nvidia-smi", arguments: arguments, environment: context.environment, timeout: deadline - clock.now)
            switch Self.interpret(outcome, timeout: budget) {
            case .failure(.notFound):
                return .absent("nvidia-smi not found on PATH")
            case .failure(.rejected(.invalidField(let field))) where fields.contains(field) && field != "name":
                diagnostics.append("nvidia-smi does not know the field \(field) (an older driver); asked without it")
                fields.removeAll { $0 == field }
            case .failure(let failure):
                return .failed(failure.description)
            case .success(let output):
                do {
                    table = try Self.parseQuery(output, fields: fields)
                } catch {
                    return .failed(error.description)
                }
            }
        }
        guard let table else { return .failed("nvidia-smi rejected the query twice; run nvidia-smi --query-gpu=name --format=csv to see why") }

        // The CUDA driver version appears only in the default table; ask only with time left.
        var cudaVersion: String?
        if clock.now < deadline {
            let outcome = await context.commands.run("nvidia-smi", arguments: [], environment: context.environment, timeout: deadline - clock.now)
            switch Self.interpret(outcome, timeout: budget) {
            case .success(let output):
                cudaVersion = Self.parseSummary(output).cudaVersion
                if cudaVersion == nil { diagnostics.append("nvidia-smi's table shows no \"CUDA Version\"; cuda.driver_api is left out") }
            case .failure(let failure):
                diagnostics.append("cuda.driver_api is left out: \(failure)")
            }
        }
        var (facts, factDiagnostics) = GPUFacts.facts(driver: table.driver, cudaDriverInteger: nil, devices: table.devices)
        if let cudaVersion { facts["cuda.driver_api"] = cudaVersion }
        return .ok(facts, diagnostics: diagnostics + factDiagnostics)
    }

    // MARK: Running

    /// Why a run of nvidia-smi gave no usable output.
    enum RunFailure: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound
        case timedOut(after: Duration)
        case couldNotStart(reason: String)
        case killed(signal: Int32)
        /// nvidia-smi ran and said what is wrong.
        case rejected(Complaint)

        var description: String {
            switch self {
            case .notFound: "nvidia-smi not found on PATH"
            case .timedOut(let after): "nvidia-smi did not answer within \(DurationText.seconds(after)) and was killed: the GPU or its driver is hung; check dmesg for Xid errors"
            case .couldNotStart(let reason): "nvidia-smi could not be started: \(reason)"
            case .killed(let signal): "nvidia-smi was killed by signal \(signal)"
            case .rejected(let complaint): complaint.description
            }
        }
    }

    /// The output of one run, or why there is none.
    static func interpret(_ outcome: CommandOutcome, timeout: Duration) -> Result<String, RunFailure> {
        switch outcome {
        case .notFound: return .failure(.notFound)
        case .timedOut: return .failure(.timedOut(after: timeout))
        case .failedToStart(let reason): return .failure(.couldNotStart(reason: reason))
        case .signaled(let signal): return .failure(.killed(signal: signal))
        case .exited(let status, let stdout, let stderr, _):
            let output = String(decoding: stdout, as: UTF8.self)
            // nvidia-smi prints its errors on stdout; look at both streams.
            if status == 0, complaint(in: output) == nil { return .success(output) }
            let everything = output + "\n" + String(decoding: stderr, as: UTF8.self)
            return .failure(.rejected(complaint(in: everything) ?? .other(status: status, message: firstLine(of: everything))))
        }
    }

    private static func firstLine(of text: String) -> String {
        String(text.split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) } ?? "no output")
    }

    // MARK: Error messages

    /// What nvidia-smi says when it cannot do its job.
    public enum Complaint: Sendable, Equatable, CustomStringConvertible {
        /// "Failed to initialize NVML: Driver/library version mismatch", with the 580+ line
        /// "NVML library version: 580.178" when present.
        case driverLibraryMismatch(libraryVersion: String?)
        /// "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
        case couldNotCommunicate
        /// "Failed to initialize NVML: <reason>" for any other reason.
        case nvmlInitFailed(reason: String)
        /// `Field "compute_cap" is not a valid field to query.`
        case invalidField(String)
        case other(status: Int32, message: String)

        public var description: String {
            switch self {
            case .driverLibraryMismatch(let library):
                let version = library.map { " (NVML library \($0))" } ?? ""
                return "nvidia-smi: Failed to initialize NVML: Driver/library version mismatch\(version): the driver was upgraded without a reboot; reboot or reload the nvidia kernel module"
            case .couldNotCommunicate:
                return "nvidia-smi couldn't communicate with the NVIDIA driver: the kernel module is not loaded or was built for another kernel; reinstall the driver for the running kernel or reboot"
            case .nvmlInitFailed(let reason):
                return "nvidia-smi: Failed to initialize NVML: \(reason)"
            case .invalidField(let field):
                return "nvidia-smi does not know the query field \"\(field)\"; update the NVIDIA driver"
            case .other(let status, let message):
                return "nvidia-smi exited with status \(status): \(message)"
            }
        }
    }

    /// Recognises nvidia-smi's error messages in its output; nil when there is none.
    public static func complaint(in output: String) -> Complaint? {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }
        if lines.contains(where: { $0.containsBytes("couldn't communicate with the NVIDIA driver") }) {
            return .couldNotCommunicate
        }
        if let line = lines.first(where: { $0.hasPrefix("Failed to initialize NVML:") }) {
            let reason = line.dropFirst("Failed to initialize NVML:".count).trimmingWhitespace()
            if reason == "Driver/library version mismatch" {
                let prefix = "NVML library version:"
                let library = lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count).trimmingWhitespace()) }
                return .driverLibraryMismatch(libraryVersion: library)
            }
            return .nvmlInitFailed(reason: String(reason))
        }
        if let line = lines.first(where: { $0.hasPrefix("Field \"") && $0.containsBytes("is not a valid field to query") }) {
            let field = line.dropFirst("Field \"".count).prefix { $0 != "\"" }
            return .invalidField(String(field))
        }
        return nil
    }

    // MARK: --query-gpu CSV

    /// The rows of a `--query-gpu` answer.
    public struct QueryTable: Sendable, Equatable {
        /// The driver version (every row repeats it).
        var driver: String?
        /// The GPUs, ordered by their `index` field when it was asked for.
        var devices: [GPUDevice]
    }

    /// Why `--query-gpu` output could not be read.
    public struct QueryParseError: Error, Sendable, Equatable, CustomStringConvertible {
        var line: Int
        var reason: String

        public var description: String { "nvidia-smi --query-gpu output, line \(line): \(reason); run it by hand to see what it printed" }
    }

    /// Parses `--query-gpu` CSV. `fields` lists the query's fields in order
    /// (`--format=csv,noheader`); nil means the first line is nvidia-smi's header, whose unit
    /// suffixes (`memory.total [MiB]`) are ignored. Values may carry units (`81559 MiB`) or
    /// not (`nounits`); `[N/A]` is treated as absent.
    public static func parseQuery(_ text: String, fields: [String]?) throws(QueryParseError) -> QueryTable {
        var lines = text.split(whereSeparator: \.isNewline).enumerated().filter { !$0.element.allSatisfy(\.isWhitespace) }
        let names: [String]
        if let fields {
            names = fields
        } else {
            guard !lines.isEmpty else { throw QueryParseError(line: 1, reason: "no header line") }
            names = lines.removeFirst().element.split(separator: ",").map { column in
                let trimmed = column.trimmingWhitespace()
                return String(trimmed.firstRange(ofBytes: " [").map { trimmed[..<$0.lowerBound] } ?? trimmed)
            }
        }
        var table = QueryTable(driver: nil, devices: [])
        var indexed: [(index: Int, device: GPUDevice)] = []
        for (offset, line) in lines {
            let values = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard values.count == names.count else {
                throw QueryParseError(line: offset + 1, reason: "expected \(names.count) comma-separated values, found \(values.count)")
            }
            var row: [String: Substring] = [:]
            for (name, value) in zip(names, values) where !isNotAvailable(value) {
                row[name] = value
            }
            var device = GPUDevice()
            device.name = row["name"].map(String.init)
            if let capability = row["compute_cap"] {
                guard let parsed = ComputeCapability(capability) else {
                    throw QueryParseError(line: offset + 1, reason: "compute_cap \"\(capability)\" is not MAJOR.MINOR")
                }
                device.computeCapability = parsed
            }
            if let memory = row["memory.total"] {
                let number = memory.hasSuffix(" MiB") ? memory.dropLast(4) : memory
                guard let mib = Int(number) else {
                    throw QueryParseError(line: offset + 1, reason: "memory.total \"\(memory)\" is not a number of MiB")
                }
                device.memoryMiB = mib
            }
            if let mig = row["mig.mode.current"] {
                device.migEnabled = mig == "Enabled"
            } else if names.contains("mig.mode.current") {
                device.migEnabled = false // [N/A]: the card cannot do MIG, so it is not partitioned
            }
            device.uuid = row["uuid"].map(String.init)
            if let driver = row["driver_version"] { table.driver = String(driver) }
            let index = row["index"].flatMap { Int($0) } ?? indexed.count
            indexed.append((index, device))
        }
        table.devices = indexed.sorted { $0.index < $1.index }.map(\.device)
        return table
    }

    private static func isNotAvailable(_ value: Substring) -> Bool {
        value == "[N/A]" || value == "N/A" || value.hasPrefix("[Requested functionality") || value == "[Not Supported]"
    }

    // MARK: Default table

    /// What the default `nvidia-smi` table says. Names there may be cut (`NVIDIA RTX A200...`).
    public struct Summary: Sendable, Equatable {
        var driver: String?
        /// The driver's CUDA version, `12.4`.
        var cudaVersion: String?
        var gpus: [SummaryGPU]
    }

    /// One GPU row of the default table.
    struct SummaryGPU: Sendable, Equatable {
        var index: Int
        public var name: String
        var memoryMiB: Int?
        /// `Enabled` / `Disabled`; nil where the table shows N/A.
        var migEnabled: Bool?
    }

    /// Parses the default `nvidia-smi` table (both the 79-column layout before 530 and the
    /// wide one after). Lines it does not recognise are skipped.
    public static func parseSummary(_ text: String) -> Summary {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        var summary = Summary(driver: nil, cudaVersion: nil, gpus: [])
        if let header = lines.first(where: { $0.containsBytes("Driver Version:") }) {
            summary.driver = value(after: "Driver Version:", in: header)
            summary.cudaVersion = value(after: "CUDA Version:", in: header)
        }
        // The GPU section: after the column header naming "GPU  Name" and its "|===" rule,
        // blocks of three "|" rows separated by "+---" rules, until a line outside the box.
        guard let headerIndex = lines.firstIndex(where: { $0.containsBytes("GPU  Name") }),
              let ruleIndex = lines[headerIndex...].firstIndex(where: { $0.hasPrefix("|===") }) else { return summary }
        var block: [Substring] = []
        func finishBlock() {
            defer { block = [] }
            guard block.count >= 3, let gpu = summaryGPU(block) else { return }
            summary.gpus.append(gpu)
        }
        for line in lines[(ruleIndex + 1)...] {
            if line.hasPrefix("|") {
                block.append(line)
            } else if line.hasPrefix("+") {
                finishBlock()
            } else {
                break
            }
        }
        finishBlock()
        return summary
    }

    private static func value(after label: String, in line: Substring) -> String? {
        guard let range = line.firstRange(ofBytes: label) else { return nil }
        return line[range.upperBound...].split(whereSeparator: { $0.isWhitespace || $0 == "|" }).first.map(String.init)
    }

    private static func cells(_ row: Substring) -> [Substring] {
        row.split(separator: "|").map { $0.trimmingWhitespace() }
    }

    private static func summaryGPU(_ block: [Substring]) -> SummaryGPU? {
        // Row 1, cell 1: "0  NVIDIA L4                      On" (index, name, persistence or driver model).
        let first = cells(block[0])
        guard let identity = first.first else { return nil }
        guard let indexEnd = identity.firstIndex(where: \.isWhitespace), let index = Int(identity[..<indexEnd]) else { return nil }
        // The last word is the persistence mode (On/Off) or the Windows driver model (WDDM/TCC).
        let rest = identity[indexEnd...].trimmingWhitespace()
        guard let modeStart = rest.lastIndex(where: \.isWhitespace) else { return nil }
        let name = rest[..<modeStart].trimmingWhitespace()
        // Row 2, cell 2: "1MiB /  23034MiB".
        let second = cells(block[1])
        var memory: Int?
        if second.count >= 2, let slash = second[1].firstIndex(of: "/") {
            let total = second[1][second[1].index(after: slash)...].trimmingWhitespace()
            memory = Int(total.hasSuffix("MiB") ? total.dropLast(3) : total)
        }
        // Row 3, last cell: "Enabled" / "Disabled" / "N/A".
        let third = cells(block[2])
        let mig: Bool? = switch third.last.map(String.init) {
        case "Enabled": true
        case "Disabled": false
        default: nil
        }
        return SummaryGPU(index: index, name: String(name), memoryMiB: memory, migEnabled: mig)
    }
}

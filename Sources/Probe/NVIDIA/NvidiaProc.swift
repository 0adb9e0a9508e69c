import EnvLock

/// The loaded NVIDIA kernel module, from `/proc/driver/nvidia/version` and
/// `/sys/module/nvidia/version` under `--root`.
///
/// The kernel module's version is the driver that is really running, so it still answers when
/// NVML fails (a driver upgraded without a reboot makes NVML report a mismatch, while /proc
/// keeps the old version). Jetson boards print their L4T release (`35.3.1`) instead of a
/// desktop driver version; that goes into `nvidia.l4t`, never into `nvidia.driver`.
public struct NvidiaProcDetector: Detector {
    public let name = "nvidia-proc"
    let provides = ["nvidia.driver", "nvidia.kernel_module", "nvidia.l4t"]
    /// The kernel module's banner, with its version and build.
    public static let procPath = "/proc/driver/nvidia/version"
    /// The loaded module's version alone.
    public static let sysPath = "/sys/module/nvidia/version"

    init() {}

    /// Which build of the kernel module is loaded.
    enum ModuleFlavor: String, Sendable, Equatable {
        /// NVIDIA's closed-source module ("NVIDIA UNIX x86_64 Kernel Module").
        case proprietary
        /// The open GPU kernel modules ("NVIDIA UNIX Open Kernel Module for x86_64").
        case open
    }

    /// What the module's version file says.
    public struct ModuleVersion: Sendable, Equatable {
        /// The version as printed, `535.104.05` or, on Jetson, the L4T release `35.3.1`.
        public var version: String
        /// Nil when the source does not say (`/sys/module/nvidia/version` has only the number).
        var flavor: ModuleFlavor?

        /// A module of `version`, of `flavor` when the source says.
        init(version: String, flavor: ModuleFlavor?) {
            self.version = version
            self.flavor = flavor
        }

        /// True for a Jetson (L4T) release number: desktop and datacenter drivers have had
        /// three-digit major versions since 2009, L4T releases are below 100 (32.x, 35.x, 36.x).
        var isL4T: Bool {
            guard let major = version.split(separator: ".").first.flatMap({ Int($0) }) else { return false }
            return major < 100
        }
    }

    /// Why a version file could not be understood.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        var reason: String

        public var description: String { "\(path): \(reason); the nvidia kernel module may be damaged or unusually built" }
    }

    /// Parses `/proc/driver/nvidia/version`:
    /// `NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.103.01  Thu Jan  6 12:10:04 UTC 2022` or
    /// `NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  525.60.11  Release Build  (…)`.
    public static func parseProcVersion(_ text: String, path: String = procPath) throws(ParseError) -> ModuleVersion {
        let marker = "NVRM version:"
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix(marker) }) else {
            throw ParseError(path: path, reason: "no line starts with \"\(marker)\"")
        }
        let description = line.dropFirst(marker.count)
        guard let moduleRange = description.firstRange(ofBytes: "Kernel Module") else {
            throw ParseError(path: path, reason: "the NVRM line does not name a kernel module")
        }
        let flavor: ModuleFlavor = description[..<moduleRange.lowerBound].hasSuffix("Open ") ? .open : .proprietary
        let tokens = description[moduleRange.upperBound...].split(whereSeparator: \.isWhitespace)
        guard let version = tokens.first(where: { isDottedNumber($0) }) else {
            throw ParseError(path: path, reason: "no version number follows \"Kernel Module\"")
        }
        return ModuleVersion(version: String(version), flavor: flavor)
    }

    /// Parses `/sys/module/nvidia/version`, which holds only the version (`535.104.05`).
    public static func parseSysVersion(_ text: String, path: String = sysPath) throws(ParseError) -> ModuleVersion {
        let trimmed = text.split(whereSeparator: \.isWhitespace)
        guard trimmed.count == 1, isDottedNumber(trimmed[0]) else {
            throw ParseError(path: path, reason: "expected one version number, found \"\(text.prefix(80))\"")
        }
        return ModuleVersion(version: String(trimmed[0]), flavor: nil)
    }

    /// The parsed file at `path`; nil when it does not exist, or (with a problem noted) when it
    /// cannot be read or understood.
    private static func read(_ path: String, in context: HostContext, parse: (String, String) throws(ParseError) -> ModuleVersion, problems: inout [String]) -> ModuleVersion? {
        let text: String
        do {
            text = try context.readText(path)
        } catch {
            if case .notFound = error { return nil }
            problems.append(error.description)
            return nil
        }
        do {
            return try parse(text, path)
        } catch {
            problems.append(error.description)
            return nil
        }
    }

    static func isDottedNumber(_ token: Substring) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        var problems: [String] = []
        let proc = Self.read(Self.procPath, in: context, parse: Self.parseProcVersion, problems: &problems)
        let sys = Self.read(Self.sysPath, in: context, parse: Self.parseSysVersion, problems: &problems)
        guard let module = proc ?? sys else {
            if problems.isEmpty {
                return .absent("neither \(Self.procPath) nor \(Self.sysPath) exists: the nvidia kernel module is not loaded")
            }
            return .failed(problems.joined(separator: "; "))
        }
        var diagnostics = problems
        if let proc, let sys, proc.version != sys.version {
            diagnostics.append("\(Self.procPath) says \(proc.version) but \(Self.sysPath) says \(sys.version); reboot to load one driver")
        }
        var facts: [String: String] = [:]
        facts[module.isL4T ? "nvidia.l4t" : "nvidia.driver"] = module.version
        if let flavor = proc?.flavor { facts["nvidia.kernel_module"] = flavor.rawValue }
        return .ok(facts, diagnostics: diagnostics)
    }
}

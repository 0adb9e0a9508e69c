import EnvLock

/// Why the kernel refused envlock a `/proc/PID/` file of another process, worked out from the
/// two processes' credentials, so the message names the real cause instead of "run as root".
///
/// environ, maps, mem and the cwd, exe and root links pass the kernel's ptrace access check
/// (`ptrace_may_access`, PTRACE_MODE_READ): the reader must have the process's real, effective
/// and saved user and group ids, hold every capability the process holds, and find it
/// dumpable, unless the reader has CAP_SYS_PTRACE, which containers drop by default. Root
/// without CAP_SYS_PTRACE is refused like any other user.
public enum ProcessAccessDenial: Sendable, Equatable {
    /// The process's user or group ids are not all envlock's, and envlock lacks CAP_SYS_PTRACE.
    case otherUser(process: ProcessCredentials.IDs, envlock: ProcessCredentials.IDs)
    /// The ids match, but the process holds capabilities envlock lacks (named, `CAP_NET_ADMIN`).
    case moreCapabilities([String])
    /// The ids and capabilities allow it, so the process is not dumpable (a setuid or
    /// file-capability program, one that changed user, or prctl(PR_SET_DUMPABLE, 0)) or a
    /// security module refuses; either way only CAP_SYS_PTRACE gets past.
    case notDumpable(envlockIsRoot: Bool)
    /// envlock has CAP_SYS_PTRACE and is still refused.
    case policy
    /// The credentials could not be read; the reason says why.
    case undetermined(String)

    /// How a container gets the capability: `docker exec` cannot add one.
    static let grantPtrace = "start the container with docker run --cap-add SYS_PTRACE, or in Kubernetes securityContext.capabilities.add: [\"SYS_PTRACE\"]"

    /// The cause and what to do, in words that follow "permission denied: ".
    var description: String {
        switch self {
        case .otherUser(let process, let envlock):
            let who = envlock.isRoot ? "envlock runs as root but without CAP_SYS_PTRACE (containers drop it by default)" : "envlock runs as \(envlock.userText)"
            let fix = envlock.isRoot ? "grant it CAP_SYS_PTRACE (\(Self.grantPtrace))" : "run envlock as root"
            return "the process runs as \(process.userText), \(who), and the kernel's ptrace access check lets only a process with the same user and group ids, or one with CAP_SYS_PTRACE, read it; run envlock as \(process.runAsText), or \(fix)"
        case .moreCapabilities(let names):
            return "the process holds capabilities envlock lacks (\(names.joined(separator: ", "))), and the kernel's ptrace access check lets only a process holding all of them, or one with CAP_SYS_PTRACE, read it; run envlock with the process's capabilities, or grant it CAP_SYS_PTRACE"
        case .notDumpable(let isRoot):
            let fix = isRoot ? "grant envlock CAP_SYS_PTRACE (\(Self.grantPtrace))" : "run envlock as root with CAP_SYS_PTRACE"
            return "envlock has the process's user, group and capabilities, so the process is not dumpable (a setuid or file-capability program, one that changed its user, or one that called prctl(PR_SET_DUMPABLE, 0)) or a security module (AppArmor, SELinux) refuses; only CAP_SYS_PTRACE gets past the kernel's ptrace access check: \(fix)"
        case .policy:
            return "envlock has CAP_SYS_PTRACE, so a security module (AppArmor, SELinux), a user namespace boundary or the file's mode refuses it; check the container's security profile (docker --security-opt) or run envlock in the process's own container"
        case .undetermined(let reason):
            return "the kernel's ptrace access check refused it (\(reason)); run envlock as the process's user, or as root with CAP_SYS_PTRACE"
        }
    }

    /// The cause, from the credentials of the process (`/proc/PID/status`) and envlock's own
    /// (`/proc/self/status`), following the kernel's order of checks.
    static func cause(process: ProcessCredentials, envlock: ProcessCredentials) -> ProcessAccessDenial {
        if envlock.effectiveCapabilities & ProcessCredentials.sysPtrace != 0 { return .policy }
        guard process.ids.allUsers(are: envlock.ids.filesystemUser), process.ids.allGroups(are: envlock.ids.filesystemGroup) else {
            return .otherUser(process: process.ids, envlock: envlock.ids)
        }
        let lacking = process.permittedCapabilities & ~envlock.permittedCapabilities
        if lacking != 0 { return .moreCapabilities(ProcessCredentials.capabilityNames(lacking)) }
        return .notDumpable(envlockIsRoot: envlock.ids.isRoot)
    }

    /// The cause for process `pid` whose /proc files sit in `procFolder`; envlock's own
    /// credentials come from `selfStatus`.
    static func cause(procFolder: String, selfStatus: String = "/proc/self/status") -> ProcessAccessDenial {
        let process: ProcessCredentials, envlock: ProcessCredentials
        do {
            process = try ProcessCredentials.read(procFolder + "/status")
            envlock = try ProcessCredentials.read(selfStatus)
        } catch {
            return .undetermined(error.description)
        }
        return cause(process: process, envlock: envlock)
    }
}

/// The ids and capabilities of a process, as its `/proc/PID/status` lists them.
public struct ProcessCredentials: Sendable, Equatable {
    /// Real, effective, saved and filesystem ids, in the order of the `Uid:` and `Gid:` lines.
    public struct IDs: Sendable, Equatable {
        var users: [UInt32]
        public var groups: [UInt32]

        var filesystemUser: UInt32 { users[3] }
        var filesystemGroup: UInt32 { groups[3] }
        var isRoot: Bool { users[1] == 0 }

        /// The ptrace check compares the reader's filesystem id with the real, effective and
        /// saved ids of the process.
        func allUsers(are id: UInt32) -> Bool { users[0...2].allSatisfy { $0 == id } }
        func allGroups(are id: UInt32) -> Bool { groups[0...2].allSatisfy { $0 == id } }

        /// `uid 1000`, `uid 1000 (real 0, saved 0)` when they differ, with the group when it is
        /// not the user's number.
        var userText: String {
            var text = "uid \(users[1])"
            if users[0] != users[1] || users[2] != users[1] { text += " (real \(users[0]), saved \(users[2]))" }
            if groups[0...2].contains(where: { $0 != groups[1] }) {
                text += " gid \(groups[1]) (real \(groups[0]), saved \(groups[2]))"
            } else if groups[1] != users[1] {
                text += " gid \(groups[1])"
            }
            return text
        }

        /// What to pass to `docker exec -u`, `setpriv`: the effective user and group.
        var runAsText: String { "uid \(users[1]) and gid \(groups[1])" }
    }

    var ids: IDs
    var permittedCapabilities: UInt64
    var effectiveCapabilities: UInt64

    static let sysPtrace: UInt64 = 1 << 19

    /// Why a status file could not give the credentials.
    struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    static func read(_ path: String) throws(ReadError) -> ProcessCredentials {
        let text: String
        do {
            text = try FileSystem.readText(path, limit: 64 << 10)
        } catch {
            throw ReadError(path: path, reason: error.description)
        }
        guard let credentials = parse(text) else { throw ReadError(path: path, reason: "no Uid, Gid, CapPrm and CapEff lines as the kernel writes them") }
        return credentials
    }

    /// The `Uid:`, `Gid:`, `CapPrm:` and `CapEff:` lines of a status text; nil unless each is
    /// there once in the kernel's form (four decimal ids; sixteen hex digits).
    public static func parse(_ text: String) -> ProcessCredentials? {
        var fields: [String: Substring] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            guard ["Uid", "Gid", "CapPrm", "CapEff"].contains(name) else { continue }
            // A second line of the same name is not the kernel's writing.
            guard fields[name] == nil else { return nil }
            fields[name] = line[line.index(after: colon)...]
        }
        func ids(_ name: String) -> [UInt32]? {
            guard let value = fields[name] else { return nil }
            let parts = value.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard parts.count == 4 else { return nil }
            // Digits only: UInt32("+0") would parse, the kernel never writes a sign.
            let numbers = parts.compactMap { part in part.allSatisfy({ $0 >= "0" && $0 <= "9" }) ? UInt32(part) : nil }
            return numbers.count == 4 ? numbers : nil
        }
        func mask(_ name: String) -> UInt64? {
            guard let value = fields[name]?.trimmingPrefix(while: { $0 == "\t" || $0 == " " }),
                  value.count == 16, value.allSatisfy({ $0.isASCII && $0.isHexDigit })
            else { return nil }
            return UInt64(value, radix: 16)
        }
        guard let users = ids("Uid"), let groups = ids("Gid"), let permitted = mask("CapPrm"), let effective = mask("CapEff") else { return nil }
        return ProcessCredentials(ids: IDs(users: users, groups: groups), permittedCapabilities: permitted, effectiveCapabilities: effective)
    }

    /// The kernel's names of the capabilities in `mask` (`capability(7)`), lowest first; a bit
    /// newer than this table is named by its number.
    static func capabilityNames(_ mask: UInt64) -> [String] {
        (0..<64).filter { mask & (1 << $0) != 0 }.map { bit in
            bit < capabilities.count ? "CAP_" + capabilities[bit].uppercased() : "capability \(bit)"
        }
    }

    static let capabilities = [
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
        "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
        "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
        "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
        "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
        "checkpoint_restore",
    ]
}

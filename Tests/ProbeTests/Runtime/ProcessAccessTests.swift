import Testing
@testable import Probe

/// The cause named when the kernel refuses a /proc file of the `--pid` process follows the
/// kernel's ptrace access check (`__ptrace_may_access`, `cap_ptrace_access_check`), so the
/// advice fits the case: "run as root" helps none of a container's.
@Suite struct ProcessAccessTests {
    /// A status text as Linux 6.x writes it (trimmed to the lines envlock reads and their
    /// neighbours), with a `Name:` a process may set to anything.
    static func status(uid: String = "0\t0\t0\t0", gid: String = "0\t0\t0\t0", permitted: String = "000001ffffffffff", effective: String? = nil, name: String = "python3") -> String {
        """
        Name:\t\(name)
        Umask:\t0022
        State:\tS (sleeping)
        Tgid:\t4242
        Uid:\t\(uid)
        Gid:\t\(gid)
        FDSize:\t64
        Groups:\t
        CapInh:\t0000000000000000
        CapPrm:\t\(permitted)
        CapEff:\t\(effective ?? permitted)
        CapBnd:\t000001ffffffffff
        CapAmb:\t0000000000000000
        NoNewPrivs:\t0
        """
    }

    static func credentials(_ text: String) throws -> ProcessCredentials {
        try #require(ProcessCredentials.parse(text), "\(text)")
    }

    /// Docker's default capability set: no CAP_SYS_PTRACE (bit 19), no CAP_SYS_ADMIN.
    static let dockerDefault = "00000000a80425fb"

    @Test func rootInAContainerWithoutPtraceReadingAnotherUsersJobIsTold() throws {
        let job = try Self.credentials(Self.status(uid: "1000\t1000\t1000\t1000", gid: "1000\t1000\t1000\t1000", permitted: "0000000000000000"))
        let envlock = try Self.credentials(Self.status(permitted: Self.dockerDefault))
        let cause = ProcessAccessDenial.cause(process: job, envlock: envlock)
        #expect(cause == .otherUser(process: job.ids, envlock: envlock.ids))
        #expect(cause.description.contains("the process runs as uid 1000, envlock runs as root but without CAP_SYS_PTRACE"), "\(cause.description)")
        #expect(cause.description.contains("run envlock as uid 1000 and gid 1000, or grant it CAP_SYS_PTRACE (start the container with docker run --cap-add SYS_PTRACE"), "\(cause.description)")
        #expect(!cause.description.contains("run envlock as root"))
    }

    @Test func anotherUserWithoutPrivilegeIsToldToUseThatUserOrRoot() throws {
        let job = try Self.credentials(Self.status(uid: "65534\t65534\t65534\t65534", gid: "65534\t65534\t65534\t65534", permitted: "0000000000000000"))
        let envlock = try Self.credentials(Self.status(uid: "1\t1\t1\t1", gid: "1\t1\t1\t1", permitted: "0000000000000000"))
        let cause = ProcessAccessDenial.cause(process: job, envlock: envlock)
        #expect(cause.description.contains("the process runs as uid 65534, envlock runs as uid 1,"), "\(cause.description)")
        #expect(cause.description.hasSuffix("run envlock as uid 65534 and gid 65534, or run envlock as root"), "\(cause.description)")
    }

    /// The check compares envlock's filesystem id with the process's real, effective and saved
    /// ids: a job that dropped to uid 1000 but kept saved uid 0 is another user's too.
    @Test(arguments: ["0\t1000\t0\t1000", "1000\t1000\t0\t1000", "0\t0\t1000\t0"])
    func anyDifferingRealEffectiveOrSavedIdIsAnotherUser(uids: String) throws {
        let job = try Self.credentials(Self.status(uid: uids, permitted: "0000000000000000"))
        let envlock = try Self.credentials(Self.status(uid: "1000\t1000\t1000\t1000", permitted: "0000000000000000"))
        guard case .otherUser = ProcessAccessDenial.cause(process: job, envlock: envlock) else {
            Issue.record("\(uids): \(ProcessAccessDenial.cause(process: job, envlock: envlock))")
            return
        }
        let names = ProcessAccessDenial.cause(process: job, envlock: envlock).description
        #expect(names.contains("(real ") && names.contains(", saved "), "\(names)")
    }

    @Test func aGroupDifferenceAloneIsAnotherUser() throws {
        let job = try Self.credentials(Self.status(uid: "1000\t1000\t1000\t1000", gid: "1000\t50\t1000\t50", permitted: "0000000000000000"))
        let envlock = try Self.credentials(Self.status(uid: "1000\t1000\t1000\t1000", gid: "1000\t1000\t1000\t1000", permitted: "0000000000000000"))
        let cause = ProcessAccessDenial.cause(process: job, envlock: envlock)
        #expect(cause.description.contains("uid 1000 gid 50 (real 1000, saved 1000)"), "\(cause.description)")
    }

    /// PID 1 of a container with an added capability, read by `docker exec` without it.
    @Test func aProcessWithCapabilitiesEnvlockLacksIsNamedWithThem() throws {
        let job = try Self.credentials(Self.status(permitted: "00000000a80435fb"))
        let envlock = try Self.credentials(Self.status(permitted: Self.dockerDefault))
        let cause = ProcessAccessDenial.cause(process: job, envlock: envlock)
        #expect(cause == .moreCapabilities(["CAP_NET_ADMIN"]))
        #expect(cause.description.contains("holds capabilities envlock lacks (CAP_NET_ADMIN)"))
        let newer = try Self.credentials(Self.status(permitted: "0000060000000000"))
        #expect(ProcessAccessDenial.cause(process: newer, envlock: envlock) == .moreCapabilities(["capability 41", "capability 42"]))
    }

    @Test func sameUserAndCapabilitiesMeansNotDumpable() throws {
        let job = try Self.credentials(Self.status(permitted: Self.dockerDefault))
        let envlock = try Self.credentials(Self.status(permitted: Self.dockerDefault))
        let cause = ProcessAccessDenial.cause(process: job, envlock: envlock)
        #expect(cause == .notDumpable(envlockIsRoot: true))
        #expect(cause.description.contains("PR_SET_DUMPABLE") && cause.description.contains("--cap-add SYS_PTRACE"))
    }

    /// With CAP_SYS_PTRACE in its effective set every ptrace check passes, so the refusal is
    /// a security module's or a namespace's, whatever the ids.
    @Test func withPtraceTheCauseIsPolicy() throws {
        let job = try Self.credentials(Self.status(uid: "1000\t1000\t1000\t1000", permitted: "0000000000000000"))
        let envlock = try Self.credentials(Self.status(permitted: "000001ffffffffff"))
        #expect(ProcessAccessDenial.cause(process: job, envlock: envlock) == .policy)
        // Permitted but not effective does not count: the kernel checks the effective set.
        let dormant = try Self.credentials(Self.status(permitted: "000001ffffffffff", effective: "0000000000000000"))
        #expect(ProcessAccessDenial.cause(process: job, envlock: dormant) != .policy)
    }

    /// The status text comes from another process's kernel entry; a line envlock would read
    /// twice or in another form makes the credentials unknown, never guessed.
    @Test(arguments: [
        "Uid:\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
        "Uid:\t0\t0\t0\t0\nUid:\t1\t1\t1\t1\nGid:\t0\t0\t0\t0\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
        "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapPrm:\t00000000000000\nCapEff:\t0000000000000000\n",
        "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapPrm:\t000000000000000g\nCapEff:\t0000000000000000\n",
        "Uid:\t-1\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
        "Uid:\t+0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
        "Uid:\t٣\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
        "Gid:\t0\t0\t0\t0\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
    ])
    func malformedStatusIsNotParsed(text: String) {
        #expect(ProcessCredentials.parse(text) == nil)
    }

    /// A `Name:` line shaped like an id line does not count: only the first field before the
    /// colon names a line, and the kernel escapes newlines in names.
    @Test func theProcessNameCannotForgeIds() throws {
        let text = Self.status(uid: "1000\t1000\t1000\t1000", name: "Uid:\t0\t0\t0\t0")
        #expect(try Self.credentials(text).ids.users == [1000, 1000, 1000, 1000])
    }

    @Test func thisProcessStatusParses() throws {
        let text = try FileSystem.readText("/proc/self/status")
        #expect(ProcessCredentials.parse(text) != nil, "\(text)")
    }

    @Test func unreadableCredentialsSayWhy() {
        let cause = ProcessAccessDenial.cause(procFolder: "/nonexistent/4242")
        guard case .undetermined(let reason) = cause else {
            Issue.record("\(cause)")
            return
        }
        #expect(reason.contains("/nonexistent/4242/status"))
    }
}

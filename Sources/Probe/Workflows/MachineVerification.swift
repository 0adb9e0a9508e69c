import EnvLock

/// The check before a job: `verify` and `run` read the lock, trust it, probe this machine and
/// the job, and evaluate every rule.
public enum MachineVerification {
    /// Reads the lock at `lockPath` and checks its trust (against `now`), then probes this
    /// machine as `settings` say with the job of `command` (empty: the `--pid` process's, or
    /// none), computing only the model digests the lock's rules ask for, and evaluates.
    public static func verify(
        _ lockPath: String, requirements: TrustRequirements, settings: ProbeSettings, environment: [String: String],
        command: [String] = [], progress: HashProgressHandler? = nil, now: Timestamp = .now()
    ) async throws(ProbeWorkflowError) -> VerificationReport {
        let context = try settings.context(environment: environment)
        let trusted: TrustedLock
        do { trusted = try TrustedLock.load(lockPath, requirements: requirements, now: now) } catch { throw .input(error) }
        let request = JobRequest(command: command, wanted: trusted.loaded.lock.rules, progress: progress)
        let job = try request.invocation(in: context)
        let snapshot = await MachineProbe.snapshot(context, job: job, files: request.distributionFiles(in: context))
        let evaluation = Evaluator.evaluate(trusted.loaded.lock.rules, lockedFacts: trusted.loaded.lock.facts, snapshot: snapshot)
        return VerificationReport(lock: trusted, evaluation: evaluation, host: snapshot.facts["host.name"])
    }
}

/// `run`'s decision: the verification of this machine with the job's command, and the
/// arguments that break the lock's run policy. The job starts only when neither fails.
public struct RunGate: Sendable, Equatable {
    public var report: VerificationReport
    /// What the command's arguments break in `run.require` / `run.forbid`.
    public var violations: [String]

    init(report: VerificationReport, violations: [String]) {
        self.report = report
        self.violations = violations
    }

    /// Whether the command may start.
    public var allowsStart: Bool { !report.evaluation.hasErrors && violations.isEmpty }

    /// Verifies this machine for `command` (checking the packages of the interpreter it will
    /// run, unless a Python was named) and reads its arguments against the run policy.
    public static func check(
        _ lockPath: String, requirements: TrustRequirements, settings: ProbeSettings, environment: [String: String],
        command: [String], progress: HashProgressHandler? = nil, now: Timestamp = .now()
    ) async throws(ProbeWorkflowError) -> RunGate {
        let commandSettings = settings.forCommand(command, environment: environment)
        let report = try await MachineVerification.verify(
            lockPath, requirements: requirements, settings: commandSettings,
            environment: environment, command: command, progress: progress, now: now
        )
        let context = try commandSettings.context(environment: environment)
        let job = try JobRequest(command: command).invocation(in: context)
        return RunGate(report: report, violations: report.lock.loaded.lock.run.violations(JobCommandLine.reading(job, in: context)))
    }
}

import EnvLock

/// The probe every command runs: the machine detectors, the job detectors, and the
/// cross-check findings over their facts. `Prober().probe` alone is the scheduler and returns
/// no findings; this is the complete snapshot.
public enum MachineProbe {
    /// Runs every machine detector and the job detectors for `job` (nil: each says no command
    /// was given) side by side, and adds the cross-check findings.
    public static func snapshot(_ context: HostContext, job: JobInvocation? = nil) async -> Snapshot {
        async let machine = Prober().probe(context)
        async let jobFacts = JobDetectors.probe(job, in: context)
        var snapshot = await machine
        let jobSnapshot = await jobFacts
        snapshot.facts.merge(jobSnapshot.facts) { machineValue, _ in machineValue }
        snapshot.detectors += jobSnapshot.detectors
        snapshot.findings = CrossChecks.findings(snapshot.facts)
        return snapshot
    }

    /// Probes this machine as `settings` say, with the job of `job` (nil: no job is read, not
    /// even a `--pid` process's command line).
    public static func snapshot(_ settings: ProbeSettings, environment: [String: String], job: JobRequest? = nil) async throws(ProbeWorkflowError) -> Snapshot {
        let context = try settings.context(environment: environment)
        let invocation = try job?.invocation(in: context)
        return await snapshot(context, job: invocation)
    }
}

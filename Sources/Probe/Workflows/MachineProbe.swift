import EnvLock

/// The probe every command runs: the machine detectors, the job detectors, and the
/// cross-check findings over their facts. `Prober().probe` alone is the scheduler and returns
/// no findings; this is the complete snapshot.
public enum MachineProbe {
    /// Runs every machine detector and the job detectors for `job` (nil: each says no command
    /// was given) side by side, then checks the installed files of the distributions `files`
    /// wants against their RECORD (nil or wanting none: not run), and adds the cross-check
    /// findings.
    public static func snapshot(_ context: HostContext, job: JobInvocation? = nil, files: DistributionFilesDetector? = nil) async -> Snapshot {
        async let machine = Prober().probe(context)
        async let jobFacts = JobDetectors.probe(job, in: context)
        var snapshot = await machine
        if let files, files.isWanted {
            let checked = await files.report(after: snapshot, in: context)
            snapshot.facts.merge(checked.facts) { machineValue, _ in machineValue }
            snapshot.detectors.append(checked.report)
        }
        let jobSnapshot = await jobFacts
        snapshot.facts.merge(jobSnapshot.facts) { machineValue, _ in machineValue }
        snapshot.detectors += jobSnapshot.detectors
        snapshot.findings = CrossChecks.findings(snapshot.facts)
        return snapshot
    }

    /// Probes this machine as `settings` say, with the job of `job` (nil: no job is read, not
    /// even a `--pid` process's command line), checking the installed files of the
    /// distributions whose `python.packages.NAME.files` keys `files` names.
    public static func snapshot(_ settings: ProbeSettings, environment: [String: String], job: JobRequest? = nil, files: [FactPattern] = []) async throws(ProbeWorkflowError) -> Snapshot {
        let context = try settings.context(environment: environment)
        let invocation = try job?.invocation(in: context)
        let checks = DistributionFilesDetector(wanted: files, digests: ModelDigest(cacheFolder: context.digestCacheFolder))
        return await snapshot(context, job: invocation, files: checks)
    }
}

import EnvLock

/// `envlock lock`: a profile, this machine's facts, the clock, a serial and a key make a lock.
public enum MachineLock {
    /// What came of locking: a lock to write, or a refusal because error rules fail here.
    public enum Outcome: Sendable, Equatable {
        /// The profile's error rules fail on this machine and `force` was not given.
        case refused(profile: Profile, evaluation: Evaluation)
        /// The lock (signed when a key was given), the evaluation it was made under, and the
        /// lock as a signed in-toto statement in a DSSE envelope when one was asked for.
        case locked(Lock, evaluation: Evaluation, envelope: DSSEEnvelope?)
    }

    /// Reads the profile at `profilePath` (refusing one whose `expires` has passed) and the
    /// key at `keyPath`, probes this machine as `settings` say with the job of `command`,
    /// evaluates the profile, and makes the lock: refused when an error rule fails unless
    /// `force`; `serial` overrides the profile's. `clock` is read for the expiry check and
    /// again, after the probe, for the lock's `created`. With `envelope`, the lock is also
    /// exported as an in-toto statement signed with the same key (which must be given).
    public static func lock(
        profile profilePath: String, key keyPath: String?, serial: Int?, force: Bool, envelope: Bool = false,
        settings: ProbeSettings, environment: [String: String], command: [String] = [],
        progress: HashProgressHandler? = nil, clock: () -> Timestamp = Timestamp.now
    ) async throws(ProbeWorkflowError) -> Outcome {
        let profile: Profile
        do { profile = try Profile.load(at: profilePath) } catch { throw .input(.document(error)) }
        do { try profile.checkNotExpired(path: profilePath, now: clock()) } catch { throw .input(error) }
        var signingKey: SigningKey?
        if let keyPath {
            do { signingKey = try KeyFiles.readPrivateKey(at: keyPath) } catch { throw .input(.key(error)) }
        }
        let context = try settings.context(environment: environment)
        let request = JobRequest(command: command, wanted: profile.rules, progress: progress)
        let job = try request.invocation(in: context)
        let snapshot = await MachineProbe.snapshot(context, job: job, files: request.distributionFiles(in: context))
        let evaluation = Evaluator.evaluate(profile.rules, lockedFacts: nil, snapshot: snapshot)
        if evaluation.hasErrors && !force { return .refused(profile: profile, evaluation: evaluation) }
        var lock = Lock(profile: profile, facts: snapshot.facts, created: clock(), serial: serial)
        var exported: DSSEEnvelope?
        if let signingKey {
            do {
                try lock.sign(with: signingKey)
                if envelope { exported = try lock.envelope(signedWith: signingKey) }
            } catch {
                throw .input(.signing(error))
            }
        }
        return .locked(lock, evaluation: evaluation, envelope: exported)
    }
}

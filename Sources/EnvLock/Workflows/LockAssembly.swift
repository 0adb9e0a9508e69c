extension Profile {
    /// Refuses a profile whose `expires` is not after `now`: a lock made from it would never
    /// verify. `path` is the profile file, for the message.
    public func checkNotExpired(path: String, now: Timestamp) throws(WorkflowError) {
        if let expires, expires <= now { throw .profileExpired(path: path, expires: expires) }
    }
}

extension Lock {
    /// The lock `profile` comes to on a machine with `facts`: its rules and run policy, pins
    /// recording this machine's values, created at `created`; `serial` overrides the
    /// profile's. Unsigned until `sign(with:)`.
    public init(profile: Profile, facts: [String: String], created: Timestamp, serial: Int? = nil) {
        self.init(
            profile: profile.name,
            description: profile.description,
            rules: profile.rules,
            run: profile.run,
            facts: Evaluator.factsToLock(for: profile.rules, from: facts),
            created: created,
            host: facts["host.name"] ?? "unknown",
            expires: profile.expires,
            serial: serial ?? profile.serial
        )
    }
}

import EnvLock

extension NvidiaRequireCUDA {
    /// What `require-cuda --check` / `--from-environment` decided on this machine.
    public struct MachineCheck: Sendable, Equatable {
        /// The expressions checked: those given, then the environment's; empty when there was
        /// nothing to check.
        public var expressions: [String]
        public var verdict: Verdict
    }

    /// Checks `given` expressions and, with `fromEnvironment`, the `NVIDIA_REQUIRE_*`
    /// variables of `environment`, on this machine probed as `settings` say, as
    /// nvidia-container-cli evaluates them.
    public static func checkMachine(_ given: [String], fromEnvironment: Bool, settings: ProbeSettings, environment: [String: String]) async throws(ProbeWorkflowError) -> MachineCheck {
        let expressions = given + requirements(inEnvironment: fromEnvironment ? environment : [:]).map(\.expression)
        let snapshot = try await MachineProbe.snapshot(settings, environment: environment)
        return MachineCheck(expressions: expressions, verdict: check(expressions, on: Machine(facts: snapshot.facts)))
    }
}

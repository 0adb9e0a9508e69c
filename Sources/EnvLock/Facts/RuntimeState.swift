/// Whether a probed process (`--pid`) has loaded torch or CUDA yet: the `runtime.state` fact.
public enum RuntimeState {
    public static let key = "runtime.state"
    /// The process has mapped torch or CUDA libraries; the `runtime.` facts describe them.
    public static let loaded = "loaded"
    /// The process has mapped none yet (still starting): the `runtime.` facts are not known yet.
    public static let notLoadedYet = "not-loaded-yet"

    /// A rule on a `runtime.` library fact that a process still starting cannot show yet:
    /// such a result is a warning, not a mismatch.
    static func isPending(_ result: RuleResult, facts: [String: String]) -> Bool {
        facts[key] == notLoadedYet && result.found == nil && result.key.hasPrefix("runtime.")
            && result.key != key && !result.key.hasPrefix("runtime.process.")
    }

    static let pendingNote = "the process has not loaded torch or any CUDA library yet (still starting): check again once it has"
}

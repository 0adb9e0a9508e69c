extension Fleet {
    /// Surveys `inputs` (snapshot files, folders of them, `-`), with each group judged
    /// against the lock at `lockPath` when one is named. A lock that cannot be read stops the
    /// survey before any snapshot is read; its signature is not checked (verify does that).
    public static func survey(_ inputs: [String], lockPath: String?) async throws(DocumentError) -> FleetReport {
        let lock = try lockPath.map { path throws(DocumentError) in try LoadedLock.load(at: path) }
        return await survey(inputs, lock: lock)
    }
}

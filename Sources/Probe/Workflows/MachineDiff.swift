import EnvLock

extension DiffReport {
    /// What `diff` calls this machine when B is not given.
    static let thisMachine = "this machine"

    /// Compares the snapshots or locks named by `left` and `right` (`-`: a snapshot on
    /// standard input); without `right`, compares `left` with this machine probed as
    /// `settings` say. A document that cannot be read stops the comparison, A's first.
    public static func compare(_ left: String, _ right: String?, settings: ProbeSettings, environment: [String: String]) async throws(ProbeWorkflowError) -> DiffReport {
        let leftDocument: FactsDocument
        do { leftDocument = try FactsDocument.load(argument: left) } catch { throw .input(.document(error)) }
        var rightDocument = FactsDocument(facts: [:])
        if let right {
            do { rightDocument = try FactsDocument.load(argument: right) } catch { throw .input(.document(error)) }
        } else {
            // The files A's distributions were checked for are checked here too, so that a
            // `modified` on either side shows.
            let fileChecks = leftDocument.facts.keys.filter(DistributionFilesDetector.isFilesKey).sorted().compactMap(FactPattern.init)
            rightDocument.facts = try await MachineProbe.snapshot(settings, environment: environment, files: fileChecks).facts
        }
        return DiffReport(left: name(left), leftDocument, right: right.map(name) ?? thisMachine, rightDocument)
    }

    /// How a side is named in the report: its path, or `standard input` for `-`.
    static func name(_ argument: String) -> String {
        argument == Fleet.standardInputArgument ? DocumentFile.standardInputName : argument
    }
}

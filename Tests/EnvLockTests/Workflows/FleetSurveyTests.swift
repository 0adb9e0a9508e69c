import Testing
@testable import EnvLock

@Suite struct FleetSurveyTests {
    /// A lock that cannot be read stops the survey: groups judged against nothing would all "match".
    @Test func anUnreadableLockStopsTheSurvey() async throws {
        try await withScratchFolderAsync { folder in
            await #expect(throws: DocumentError.self) { try await Fleet.survey([folder], lockPath: folder + "/missing.lock") }
            let report = try await Fleet.survey([folder], lockPath: nil)
            #expect(report.lockPath == nil)
            #expect(report.groups.isEmpty)
        }
    }
}

@testable import EnvLock
import Testing
@testable import Probe

@Suite struct MachineRequirementCheckTests {
    /// Expressions given come first, then the container's; a machine without a driver meets none.
    @Test func givenAndEnvironmentExpressionsAreCheckedOnTheProbedMachine() async throws {
        let tree = PythonTree()
        tree.folder("image")
        let settings = ProbeSettings(root: tree.at("image"), useCaches: false)
        let environment = ["NVIDIA_REQUIRE_CUDA": "cuda>=12.1"]
        let both = try await NvidiaRequireCUDA.checkMachine(["driver>=535"], fromEnvironment: true, settings: settings, environment: environment)
        #expect(both.expressions == ["driver>=535", "cuda>=12.1"])
        #expect(both.verdict != .satisfied)
        let givenOnly = try await NvidiaRequireCUDA.checkMachine(["driver>=535"], fromEnvironment: false, settings: settings, environment: environment)
        #expect(givenOnly.expressions == ["driver>=535"])
        let nothing = try await NvidiaRequireCUDA.checkMachine([], fromEnvironment: true, settings: settings, environment: [:])
        #expect(nothing.expressions.isEmpty)
    }
}

@testable import EnvLock
import Testing
@testable import Probe

/// A dependent that declares its own `dependencyWait` sees a slow dependency's outcome that
/// the prober's default wait would have given up on.
@Suite struct DependencyWaitTests {
    struct Slow: Detector {
        let name = "slow"
        let provides = ["slow."]
        func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
            try? await Task.sleep(for: .seconds(3))
            return .ok(["slow.value": "1"])
        }
    }

    struct Dependent: Detector {
        let name: String
        let provides = ["dependent."]
        let dependencies = ["slow"]
        let dependencyWait: Duration?
        func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
            .ok(["dependent.\(name).saw": earlier["slow"] == nil ? "nothing" : "slow"])
        }
    }

    @Test func ownWaitOutlastsTheProbersDefault() async {
        let prober = Prober(
            detectors: [Slow(), Dependent(name: "patient", dependencyWait: .milliseconds(5500)), Dependent(name: "default", dependencyWait: nil)],
            deadline: .seconds(6), dependencyWait: .milliseconds(50)
        )
        let snapshot = await prober.probe(pythonContext())
        #expect(snapshot.facts["dependent.patient.saw"] == "slow")
        #expect(snapshot.facts["dependent.default.saw"] == "nothing")
    }

    @Test func pythonDependentsWaitLongerThanAnInterpreterMayTake() {
        let dependents: [any Detector] = [SitePackagesDetector(), TorchBuildDetector(), TorchvisionBuildDetector(), XFormersBuildDetector(), CUDAWheelsDetector(), CondaDetector()]
        for detector in dependents {
            #expect(detector.dependencyWait == PythonDetector.dependentsWait)
        }
        #expect(PythonDetector.dependentsWait > HostContext(environment: [:], commands: ScriptedCommandRunner.forbidden).commandTimeout)
    }
}

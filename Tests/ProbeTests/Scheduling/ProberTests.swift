#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing
@testable import Probe

/// A detector with scripted behaviour.
struct ScriptedDetector: Detector {
    var name: String
    var provides: [String] = []
    var dependencies: [String] = []
    var dependencyWait: Duration? = nil
    var blocks = true
    var delay: Duration = .zero
    var outcome: @Sendable ([String: DetectorOutcome]) -> DetectorOutcome

    func mayBlock(in context: HostContext) -> Bool { blocks }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        if delay > .zero {
            // A hung source: ignores cancellation, as a blocked C call would.
            let end = ContinuousClock.now + delay
            while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        }
        return outcome(earlier)
    }
}

struct NoCommands: CommandRunner {
    func run(_ command: String, arguments: [String], environment: [String: String], timeout: Duration) async -> CommandOutcome {
        .notFound(command: command)
    }
}

let testContext = HostContext(environment: [:], commands: NoCommands())

@Suite struct ProberTests {
    @Test func aHangingDetectorIsReportedFailedAndTheProbeStillReturns() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "fast", outcome: { _ in .ok(["a.b": "1"]) }),
            ScriptedDetector(name: "hung", delay: .seconds(30), outcome: { _ in .ok(["c.d": "2"]) }),
        ], deadline: .milliseconds(300))
        let start = ContinuousClock.now
        let snapshot = await prober.probe(testContext)
        // Far below the 30 s the detector hangs; loose because the whole suite shares 2 cores.
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(snapshot.facts == ["a.b": "1"])
        #expect(snapshot.detector(named: "hung")?.status == .failed)
        #expect(snapshot.detector(named: "hung")?.detail?.contains("did not finish within 0.3 s") == true)
    }

    /// The job's facts are probed without a deadline: a first hash of a large checkpoint
    /// must not be cut short, and no command's budget is shortened by a probe deadline.
    @Test func withoutADeadlineTheProbeWaitsForEveryDetector() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "fast", outcome: { _ in .ok(["a.b": "1"]) }),
            ScriptedDetector(name: "slow", delay: .milliseconds(700), outcome: { _ in .ok(["c.d": "2"]) }),
        ], deadline: nil)
        let snapshot = await prober.probe(testContext)
        #expect(snapshot.facts == ["a.b": "1", "c.d": "2"])
        #expect(snapshot.detector(named: "slow")?.status == .ok)
    }

    /// Detectors blocked in a system call (as on a hung NFS mount) outnumber the cores; the
    /// deadline still fires because a blocked call holds only its own thread (`DetectorThreads`).
    @Test func detectorsBlockedInSystemCallsCannotStallTheDeadline() async {
        var blocked: [any Detector] = []
        for index in 0..<6 {
            blocked.append(ScriptedDetector(name: "blocked-\(index)", outcome: { _ in
                var ends: [Int32] = [0, 0]
                _ = pipe(&ends)
                var byte: UInt8 = 0
                _ = read(ends[0], &byte, 1)   // no writer ever writes: blocks for good
                return .ok([:])
            }))
        }
        let prober = Prober(detectors: blocked + [ScriptedDetector(name: "fast", outcome: { _ in .ok(["a.b": "1"]) })], deadline: .milliseconds(500))
        let start = ContinuousClock.now
        let snapshot = await prober.probe(testContext)
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(snapshot.facts == ["a.b": "1"])
        #expect(snapshot.detectors.filter { $0.status == .failed }.count == 6)
    }

    @Test func fallbacksSeeTheirDependenciesOutcomes() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "primary", delay: .milliseconds(100), outcome: { _ in .failed("init error 18") }),
            ScriptedDetector(name: "fallback", dependencies: ["primary"], outcome: { earlier in
                earlier["primary"]?.status == .ok ? .skipped("primary answered") : .ok(["gpu.count": "1"])
            }),
        ])
        let snapshot = await prober.probe(testContext)
        #expect(snapshot.facts["gpu.count"] == "1")
        #expect(snapshot.detectors.map(\.name) == ["primary", "fallback"])
    }

    @Test func aFallbackStartsAnywayWhenItsDependencyHangs() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "primary", delay: .seconds(30), outcome: { _ in .ok([:]) }),
            ScriptedDetector(name: "fallback", dependencies: ["primary"], outcome: { earlier in
                .ok(["seen": earlier["primary"] == nil ? "nothing" : "primary"])
            }),
        ], deadline: .seconds(1), dependencyWait: .milliseconds(200))
        let snapshot = await prober.probe(testContext)
        #expect(snapshot.facts["seen"] == "nothing")
        #expect(snapshot.detector(named: "primary")?.status == .failed)
    }

    /// One timer thread serves every wait: a wait added later with an earlier end (the second
    /// fallback's) still ends first, not when the timer's earlier sleep would have.
    @Test func eachFallbackStartsAfterItsOwnWait() async {
        let start = ContinuousClock.now
        let elapsed = { @Sendable () -> String in
            let (seconds, attoseconds) = (ContinuousClock.now - start).components
            return String(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        }
        let prober = Prober(detectors: [
            ScriptedDetector(name: "primary", delay: .seconds(30), outcome: { _ in .ok([:]) }),
            ScriptedDetector(name: "late", dependencies: ["primary"], dependencyWait: .milliseconds(900), outcome: { _ in .ok(["late.ms": elapsed()]) }),
            ScriptedDetector(name: "early", dependencies: ["primary"], dependencyWait: .milliseconds(100), outcome: { _ in .ok(["early.ms": elapsed()]) }),
        ], deadline: .seconds(3))
        let snapshot = await prober.probe(testContext)
        let early = Int(snapshot.facts["early.ms"] ?? "")
        let late = Int(snapshot.facts["late.ms"] ?? "")
        #expect(early != nil && late != nil)
        #expect((early ?? .max) < (late ?? 0))
        #expect((late ?? 0) >= 900)
    }

    /// Detectors that only look at memory run on the probing task, and their facts merge in
    /// `detectors` order as any other's, also while threaded detectors hang.
    @Test func detectorsThatCannotBlockRunWithoutAThreadAndMergeInOrder() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "memory", blocks: false, outcome: { _ in .ok(["a.b": "memory"]) }),
            ScriptedDetector(name: "hung", delay: .seconds(30), outcome: { _ in .ok([:]) }),
            ScriptedDetector(name: "file", outcome: { _ in .ok(["a.b": "file", "c.d": "1"]) }),
        ], deadline: .milliseconds(500))
        let snapshot = await prober.probe(testContext)
        #expect(snapshot.facts == ["a.b": "memory", "c.d": "1"])
        #expect(snapshot.detectors.map(\.name) == ["memory", "hung", "file"])
        #expect(snapshot.detector(named: "hung")?.status == .failed)
    }

    @Test func theFirstDetectorWinsAndDisagreementsAreDiagnosed() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "nvml", outcome: { _ in .ok(["nvidia.driver": "535.104.05"]) }),
            ScriptedDetector(name: "proc", outcome: { _ in .ok(["nvidia.driver": "535.86.05", "nvidia.kernel_module": "open"]) }),
        ])
        let snapshot = await prober.probe(testContext)
        #expect(snapshot.facts["nvidia.driver"] == "535.104.05")
        #expect(snapshot.facts["nvidia.kernel_module"] == "open")
        #expect(snapshot.detector(named: "proc")?.diagnostics == ["nvidia.driver = \"535.86.05\" here, but nvml reported \"535.104.05\", which was kept"])
    }

    @Test func disagreementsAreDiagnosedInKeyOrder() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "first", outcome: { _ in .ok(["b.x": "1", "a.y": "1", "c.z": "1", "a.b": "1"]) }),
            ScriptedDetector(name: "second", outcome: { _ in .ok(["c.z": "2", "a.b": "2", "b.x": "2", "a.y": "1", "d.w": "2"]) }),
        ])
        let snapshot = await prober.probe(testContext)
        #expect(snapshot.facts == ["a.b": "1", "a.y": "1", "b.x": "1", "c.z": "1", "d.w": "2"])
        #expect(snapshot.detector(named: "second")?.diagnostics == ["a.b", "b.x", "c.z"].map {
            "\($0) = \"2\" here, but first reported \"1\", which was kept"
        })
    }

    @Test func gpuFactsComeFromOneSourceOnly() async {
        let prober = Prober(detectors: [
            ScriptedDetector(name: "nvml", outcome: { _ in .failed("count failed", facts: ["gpu.0.name": "NVIDIA L4"]) }),
            ScriptedDetector(name: "cuda-driver", outcome: { _ in .ok(["gpu.0.name": "NVIDIA A30", "gpu.0.uuid": "GPU-a30", "gpu.count": "2", "cuda.driver_api": "12.2"]) }),
        ])
        let snapshot = await prober.probe(testContext)
        #expect(snapshot.facts == ["gpu.0.name": "NVIDIA L4", "cuda.driver_api": "12.2"])
        #expect(snapshot.detector(named: "cuda-driver")?.diagnostics.first?.contains("3 gpu.* facts were set aside") == true)
    }

    @Test func detectorNamesAreUnique() {
        let names = Detectors.all.map(\.name)
        #expect(Set(names).count == names.count)
    }
}

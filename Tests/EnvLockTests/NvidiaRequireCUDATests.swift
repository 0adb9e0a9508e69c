import Testing
@testable import EnvLock

/// The requirement language as libnvidia-container's src/cli/dsl.c and configure.c evaluate it.
@Suite struct NvidiaRequireCUDATests {
    typealias R = NvidiaRequireCUDA

    /// dsl_compare_version, case by case: numbers compare numerically, trailing zeros do not count.
    @Test(arguments: [
        ("12.2", R.Comparator.greaterEqual, "12.1", true), ("12.0", .greaterEqual, "12.1", false),
        ("12.10", .greater, "12.9", true), ("12.1", .equal, "12.1.0", true), ("12.1.0.0", .equal, "12.1", true),
        ("12.1", .less, "12.1.1", true), ("12.1.1", .lessEqual, "12.1", false), ("12.1", .notEqual, "12.1.0", false),
        ("535.104.05", .greaterEqual, "535.104.5", true), ("535.104.05", .less, "536", true),
        ("470.57.02", .greaterEqual, "470", true), ("470.57.02", .less, "471", true),
        ("8.9", .equal, "8.9", true), ("8.6", .equal, "8.9", false), ("9.0", .greater, "8.9", true),
        ("12.1", .equal, "12.01", true), ("12.1", .lessEqual, "12.1", true), ("12.1", .greaterEqual, "12.1.00", true),
    ])
    func versionsCompareAsDslCompareVersionDoes(left: String, comparator: R.Comparator, right: String, expected: Bool) {
        #expect(R.compareVersion(left, comparator, right) == expected)
    }

    @Test(arguments: ["12.1-rc", "v12", ".5", "12.1 "])
    func aValueThatIsNotDigitsAndDotsIsInvalid(value: String) {
        #expect(R.compareVersion(value, .equal, "12.1") == nil)
        #expect(R.compareVersion("12.1", .equal, value) == nil)
    }

    static let node535 = R.Machine(cuda: "12.2", driver: "535.104.05", gpus: [.init(arch: "8.9")])
    static let node470 = R.Machine(cuda: "11.4", driver: "470.57.02", gpus: [.init(arch: "8.6")])
    /// The head of what nvidia/cuda:12.1.0 images set (cuda>=12.1, or a forward-compatible branch by brand).
    static let cuda121Image = "cuda>=12.1 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471 brand=tesla,driver>=525,driver<526"

    @Test func spaceIsOrAndCommaIsAnd() {
        #expect(R.check(["cuda>=12.1"], on: Self.node535) == .satisfied)
        #expect(R.check(["cuda>=12.1"], on: Self.node470) == .unsatisfied("cuda >= 12.1"))
        #expect(R.check(["cuda>=12.4 driver>=535"], on: Self.node535) == .satisfied, "either alternative")
        #expect(R.check(["cuda>=12.1,driver>=550"], on: Self.node535) == .unsatisfied("driver >= 550"), "both conditions")
        #expect(R.check(["cuda>=12.1,arch=8.9"], on: Self.node535) == .satisfied)
        #expect(R.check(["cuda>=12.1,arch=8.9"], on: Self.node470) == .unsatisfied("cuda >= 12.1"), "the first failing condition of the last alternative")
        #expect(R.check(["cuda>=12.1", "arch=8.0"], on: Self.node535) == .unsatisfied("arch = 8.0"), "separate variables are all required")
        #expect(R.check(["CUDA>=12.1,Driver>535"], on: Self.node535) == .satisfied, "names ignore case")
        #expect(R.check(["  cuda>=12.1  ", ""], on: Self.node535) == .satisfied, "empty alternatives are skipped")
    }

    @Test func everyVisibleGPUMustMeetArchAndNoGPUMeansArchHolds() {
        let mixed = R.Machine(cuda: "12.2", driver: "535.104.05", gpus: [.init(arch: "8.9"), .init(arch: "8.0")])
        #expect(R.check(["arch>=8.6"], on: mixed) == .unsatisfied("arch >= 8.6"))
        #expect(R.check(["arch=8.9 arch=8.0"], on: mixed) == .satisfied)
        let noGPU = R.Machine(cuda: "12.2", driver: "535.104.05", gpus: [])
        #expect(R.check(["arch=9.0,brand=tesla"], on: noGPU) == .satisfied)
    }

    @Test func brandsCompareWithoutCaseAndOnlyEqualOrNot() {
        let tesla = R.Machine(cuda: "11.4", driver: "470.57.02", gpus: [.init(arch: "8.0", brand: "Tesla")])
        #expect(R.check([Self.cuda121Image], on: tesla) == .satisfied, "forward compatibility on a datacenter 470 driver")
        let geforce = R.Machine(cuda: "11.4", driver: "470.57.02", gpus: [.init(arch: "8.6", brand: "GeForce")])
        #expect(R.check([Self.cuda121Image], on: geforce) == .unsatisfied("brand = tesla"), "the last alternative's failing condition, as dsl.c reports it")
        #expect(R.check(["brand!=geforce"], on: geforce) == .unsatisfied("brand != geforce"))
        if case .invalid = R.check(["brand>tesla"], on: tesla) {} else { Issue.record("brand takes only = and !=") }
    }

    @Test func aBrandEnvlockCannotSeeDecidesNothing() {
        #expect(R.check([Self.cuda121Image], on: Self.node535) == .satisfied)
        #expect(R.check([Self.cuda121Image], on: Self.node470) == .unknown("brand = tesla cannot be checked here"))
    }

    @Test(arguments: ["cuda>>12.1", "cuda=>12.1", "cuda>=", ">=12.1", "cuda 12.1", "gpu>=1", "cuda>=12.1-rc1", "cuda==12.1"])
    func malformedConditionsAreInvalidExpressions(expression: String) {
        if case .invalid = R.check([expression], on: Self.node535) {} else { Issue.record("\(expression) should be invalid") }
    }

    @Test func aLoneBangReadsAsNotEqualAsStrncmpMakesIt() {
        #expect(R.check(["cuda!12.2"], on: Self.node535) == .unsatisfied("cuda != 12.2"))
    }

    @Test func anUnreadableDriverCannotTell() {
        let unknown = R.Machine(cuda: nil, driver: nil, gpus: [])
        #expect(R.check(["cuda>=12.1"], on: unknown) == .unknown("cuda >= 12.1 cannot be checked here"))
    }

    @Test func theImagesEnvironmentIsCollectedAsTheToolkitDoes() {
        let environment = ["NVIDIA_REQUIRE_CUDA": "cuda>=12.1", "NVIDIA_REQUIRE_ARCH": "arch>=8.0", "NVIDIA_REQUIRE_JETPACK": "csv-mounts=all", "PATH": "/bin"]
        #expect(R.requirements(inEnvironment: environment).map(\.expression) == ["arch>=8.0", "cuda>=12.1"])
        #expect(R.requirements(inEnvironment: environment.merging(["NVIDIA_DISABLE_REQUIRE": "true"]) { $1 }).isEmpty)
        #expect(R.requirements(inEnvironment: environment.merging(["NVIDIA_DISABLE_REQUIRE": "no"]) { $1 }).count == 2)
    }

    /// The lock the Fooocus profile makes on an L4: cuda.driver_api >=12.1 and the pinned
    /// compute capability become conditions; the warning pin on the driver does not.
    static func fooocusLock() throws -> Lock {
        let profile = try Profile.load(at: SharedData.packageRoot + "/profiles/fooocus-torch2.2.0-cu121.yaml")
        let facts = ["cuda.driver_api": "12.2", "nvidia.driver": "535.104.05", "gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.mig": "disabled"]
        return Lock(profile: profile.name, rules: profile.rules, run: profile.run, facts: facts, created: Timestamp(parsing: "2026-12-01T00:00:00Z")!, host: "golden")
    }

    @Test func theFooocusLockComesToCudaAtLeast121OnItsArchitecture() throws {
        let derivation = R.derive(from: try Self.fooocusLock())
        #expect(derivation.expression == "cuda>=12.1,arch=8.9")
        #expect(derivation.exact)
        #expect(derivation.notes.contains("nvidia.driver is a warning rule: left to envlock, which warns where the runtime would refuse"))
        #expect(derivation.notes.contains("gpu.*.name is checked only by envlock (the runtime knows no such condition)"))
        let old = R.Machine(cuda: "12.0", driver: "525.60.13", gpus: [.init(arch: "8.9")])
        #expect(R.check([derivation.expression], on: old) == .unsatisfied("cuda >= 12.1"), "a driver older than 12.1 is refused")
        #expect(R.check([derivation.expression], on: R.Machine(cuda: "12.2", driver: "535.104.05", gpus: [.init(arch: "8.0")])) == .unsatisfied("arch = 8.9"))
        #expect(R.check([derivation.expression], on: Self.node535) == .satisfied)
    }

    @Test(arguments: [
        ("cuda.driver_api: \"~=12.1\"", "cuda>=12.1,cuda<13", true),
        ("cuda.driver_api: \"==12.*\"", "cuda>=12,cuda<13", true),
        ("cuda.driver_api: \">=12.1,!=12.3\"", "cuda>=12.1,cuda!=12.3", true),
        ("cuda.driver_api: \"===12.1\"", "cuda=12.1", false),
        ("nvidia.driver: {one_of: [\"535.104.05\", \"550.54.15\"]}", "driver=535.104.05 driver=550.54.15", true),
        ("gpu.*.compute_capability: {one_of: [\"8.0\", \"9.0\"]}\n  cuda.driver_api: \">=12.1\"", "cuda>=12.1,arch=8.0 cuda>=12.1,arch=9.0", true),
        ("gpu.0.compute_capability: {equals: \"8.9\"}", "arch=8.9", false),
        ("cuda.driver_api: \">=12.1rc1\"", "", false),
        ("nvidia.driver: {absent: true}", "", false),
    ])
    func rulesBecomeTheNearestExpression(rules: String, expected: String, exact: Bool) throws {
        let profile = try Profile.load(Array("envlock: 1\nname: t\nrules:\n  \(rules)\n".utf8), path: "t.yaml")
        let lock = Lock(profile: "t", rules: profile.rules, run: profile.run, facts: [:], created: Timestamp(parsing: "2026-12-01T00:00:00Z")!, host: "h")
        let derivation = R.derive(from: lock)
        #expect(derivation.expression == expected)
        #expect(derivation.exact == exact, "\(derivation.notes)")
    }
}

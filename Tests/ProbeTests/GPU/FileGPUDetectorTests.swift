import Testing
@testable import Probe

// The file sources (kernel module, CUDA toolkit, cuDNN) on temporary trees used as --root,
// filled from the real fixtures.

// MARK: nvidia-proc

@Test func procReportsDriverAndOpenKernelModule() async throws {
    let tree = try GPUTestTree()
    try tree.write("/proc/driver/nvidia/version", try realFixture("proc-driver-version/ubuntu24.04-open-kernel-module_565.57.01.txt"))
    try tree.write("/sys/module/nvidia/version", "565.57.01\n")
    let outcome = await NvidiaProcDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["nvidia.driver": "565.57.01", "nvidia.kernel_module": "open"]))
}

@Test func procReportsProprietaryKernelModule() async throws {
    let tree = try GPUTestTree()
    try tree.write("/proc/driver/nvidia/version", try realFixture("proc-driver-version/truenas-proprietary_580.173.02.txt"))
    let outcome = await NvidiaProcDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["nvidia.driver": "580.173.02", "nvidia.kernel_module": "proprietary"]))
}

@Test func jetsonReportsL4TReleaseNotADriverVersion() async throws {
    let tree = try GPUTestTree()
    try tree.write("/proc/driver/nvidia/version", try realFixture("proc-driver-version/jetson-orin-nx-aarch64_35.3.1.txt"))
    let outcome = await NvidiaProcDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["nvidia.l4t": "35.3.1", "nvidia.kernel_module": "open"]))
}

@Test func sysModuleVersionAloneGivesTheDriver() async throws {
    let tree = try GPUTestTree()
    try tree.write("/sys/module/nvidia/version", "535.104.05\n")
    let outcome = await NvidiaProcDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["nvidia.driver": "535.104.05"]))
}

@Test func procAndSysDisagreeingIsDiagnosed() async throws {
    let tree = try GPUTestTree()
    try tree.write("/proc/driver/nvidia/version", try realFixture("proc-driver-version/centos7_470.103.01.txt"))
    try tree.write("/sys/module/nvidia/version", "470.82.01\n")
    let outcome = await NvidiaProcDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.facts["nvidia.driver"] == "470.103.01")
    #expect(outcome.diagnostics.count == 1)
}

@Test func noKernelModuleIsAbsent() async throws {
    let tree = try GPUTestTree()
    let outcome = await NvidiaProcDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.status == .absent)
}

@Test func unreadableProcFileFails() async throws {
    let tree = try GPUTestTree()
    try tree.write("/proc/driver/nvidia/version", "garbage\n")
    let outcome = await NvidiaProcDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains("/proc/driver/nvidia/version") == true)
}

// MARK: cuda-toolkit

@Test func toolkitFromVersionJSON() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/local/cuda/version.json", try realFixture("cuda-version-json/windows-cuda-12.8.2_driver-572.61_version.json"))
    try tree.write("/usr/local/cuda/version.txt", "CUDA Version 11.0.207\n")
    let outcome = await CUDAToolkitDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["cuda.toolkit": "12.8.2"]))
}

@Test func toolkitFromVersionText() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/local/cuda/version.txt", try realFixture("cuda-version-json/linux-cuda-11.0.207_version.txt"))
    let outcome = await CUDAToolkitDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["cuda.toolkit": "11.0.207"]))
}

@Test func toolkitUnderForeignRootDoesNotRunNVCC() async throws {
    let tree = try GPUTestTree()
    let nvcc = GPUScriptedCommands(["nvcc": ["--version": GPUScriptedCommands.printed(try realFixture("nvcc/nvcc_12.6_V12.6.20.txt"))]])
    let outcome = await CUDAToolkitDetector().detect(in: tree.context(commands: nvcc), earlier: [:])
    #expect(outcome.status == .absent)
    #expect(outcome.detail?.contains("nvcc is not run from another tree") == true)
}

private let noSystemToolkit = !FileSystem.exists(CUDAToolkitDetector.versionJSON) && !FileSystem.exists(CUDAToolkitDetector.versionText) && !FileSystem.exists("/usr/local/cuda/bin/nvcc")

@Test(.enabled(if: noSystemToolkit, "this machine has /usr/local/cuda, which the detector reads first"))
func toolkitFromNVCCOnThisMachine() async throws {
    let nvcc = GPUScriptedCommands(["nvcc": ["--version": GPUScriptedCommands.printed(try realFixture("nvcc/nvcc_12.6_V12.6.20.txt"))]])
    let context = HostContext(root: "/", environment: [:], commands: nvcc)
    let outcome = await CUDAToolkitDetector().detect(in: context, earlier: [:])
    #expect(outcome == .ok(["cuda.toolkit": "12.6.20"]))
}

@Test(.enabled(if: noSystemToolkit, "this machine has /usr/local/cuda"))
func toolkitAbsentWithoutAnySource() async throws {
    let context = HostContext(root: "/", environment: [:], commands: GPUScriptedCommands())
    let outcome = await CUDAToolkitDetector().detect(in: context, earlier: [:])
    #expect(outcome.status == .absent)
}

@Test func brokenVersionJSONFails() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/local/cuda/version.json", "{}")
    let outcome = await CUDAToolkitDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains("no \"cuda\" object") == true)
}

// MARK: cudnn-system

@Test func cudnnFromHeaderInUsrInclude() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/include/cudnn_version.h", try realFixture("cudnn-header/cudnn_version_8.9.1.h"))
    let outcome = await CuDNNDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["cudnn.system": "8.9.1"]))
}

@Test func cudnnFromHeaderInCUDAInclude() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/local/cuda/include/cudnn_version.h", try realFixture("cudnn-header/cudnn_version_9.6.0_windows-crlf.h"))
    let outcome = await CuDNNDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["cudnn.system": "9.6.0"]))
}

@Test func cudnnFromLibraryFileNamesPicksTheNewest() async throws {
    let tree = try GPUTestTree()
    try tree.touch("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.7")
    try tree.touch("/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0")
    try tree.touch("/usr/lib/x86_64-linux-gnu/libcudnn.so.9")
    let outcome = await CuDNNDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.facts == ["cudnn.system": "9.1.0"])
    #expect(outcome.diagnostics.count == 1)
}

@Test func cudnnAbsentWithoutHeaderOrLibrary() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/include/cudnn.h", "#include \"cudnn_version.h\"\n")
    let outcome = await CuDNNDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.status == .absent)
}

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
    #expect(outcome.status == .ok)
    #expect(outcome.facts == ["cuda.toolkit": "12.8.2"])
    #expect(outcome.detail?.hasPrefix("toolkit in /usr/local/cuda (from the default folder") == true)
}

@Test func toolkitFromVersionText() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/local/cuda/version.txt", try realFixture("cuda-version-json/linux-cuda-11.0.207_version.txt"))
    let outcome = await CUDAToolkitDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts == ["cuda.toolkit": "11.0.207"])
}

@Test func toolkitUnderForeignRootDoesNotRunNVCC() async throws {
    let tree = try GPUTestTree()
    try tree.makeExecutable("/usr/local/cuda/bin/nvcc")
    let nvcc = GPUScriptedCommands(["nvcc": ["--version": GPUScriptedCommands.printed(try realFixture("nvcc/nvcc_12.6_V12.6.20.txt"))]])
    let outcome = await CUDAToolkitDetector().detect(in: tree.context(commands: nvcc), earlier: [:])
    #expect(outcome.status == .absent)
    #expect(outcome.detail?.contains("nvcc is not run from another tree") == true)
}

/// A tree with three toolkits, one for each way the environment can name a folder, and an
/// environment naming the ones in `names` (by their folder in the tree).
private struct ThreeToolkits: ~Copyable {
    let tree: GPUTestTree

    init() throws {
        let made = try GPUTestTree()
        try made.write("/home-toolkit/version.json", try realFixture("cuda-version-json/windows-cuda-12.8.2_driver-572.61_version.json"))
        try made.write("/path-toolkit/version.txt", "CUDA Version 11.0.207\n")
        try made.write("/nvcc-toolkit/version.txt", "CUDA Version 12.1.105\n")
        try made.makeExecutable("/nvcc-toolkit/bin/nvcc")
        tree = made
    }

    func context(_ names: [String: String]) -> HostContext {
        let environment = names.mapValues { $0.isEmpty ? "" : tree.root + $0 }
        return HostContext(root: "/", environment: environment, libraries: FolderLibraryLoader(folder: tree.root + "/no-libraries"), commands: GPUScriptedCommands())
    }
}

@Test(arguments: [
    (["CUDA_HOME": "/home-toolkit", "CUDA_PATH": "/path-toolkit", "PATH": "/nvcc-toolkit/bin"], "12.8.2", "/home-toolkit (from $CUDA_HOME"),
    (["CUDA_HOME": "", "CUDA_PATH": "/path-toolkit", "PATH": "/nvcc-toolkit/bin"], "11.0.207", "/path-toolkit (from $CUDA_PATH"),
    (["PATH": "/nvcc-toolkit/bin"], "12.1.105", "/nvcc-toolkit (from nvcc on PATH"),
])
func toolkitIsFoundWhereTorchCppExtensionLooks(environment: [String: String], version: String, folder: String) async throws {
    let toolkits = try ThreeToolkits()
    let outcome = await CUDAToolkitDetector().detect(in: toolkits.context(environment), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts == ["cuda.toolkit": version])
    #expect(outcome.detail?.contains(toolkits.tree.root + folder) == true, "\(outcome.detail ?? "")")
}

@Test func toolkitFromTheNVCCOnPath() async throws {
    let tree = try GPUTestTree()
    try tree.makeExecutable("/opt/cuda-12.6/bin/nvcc")
    let nvcc = GPUScriptedCommands(["nvcc": ["--version": GPUScriptedCommands.printed(try realFixture("nvcc/nvcc_12.6_V12.6.20.txt"))]])
    let context = HostContext(root: "/", environment: ["PATH": tree.root + "/opt/cuda-12.6/bin"], commands: nvcc)
    let outcome = await CUDAToolkitDetector().detect(in: context, earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts == ["cuda.toolkit": "12.6.20"])
    #expect(outcome.detail?.contains("\(tree.root)/opt/cuda-12.6 (from nvcc on PATH (\(tree.root)/opt/cuda-12.6/bin/nvcc)") == true, "\(outcome.detail ?? "")")
}

@Test func toolkitNamedByCUDAHomeThatIsMissingFails() async throws {
    let toolkits = try ThreeToolkits()
    let outcome = await CUDAToolkitDetector().detect(in: toolkits.context(["CUDA_HOME": "/moved-away", "PATH": "/nvcc-toolkit/bin"]), earlier: [:])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains("$CUDA_HOME names \(toolkits.tree.root)/moved-away, which does not exist") == true, "\(outcome.detail ?? "")")
}

@Test func toolkitUnderForeignRootIgnoresTheEnvironment() async throws {
    let toolkits = try ThreeToolkits()
    try toolkits.tree.write("/usr/local/cuda/version.txt", "CUDA Version 11.8.89\n")
    let environment = ["CUDA_HOME": toolkits.tree.root + "/home-toolkit", "CUDA_PATH": toolkits.tree.root + "/path-toolkit", "PATH": toolkits.tree.root + "/nvcc-toolkit/bin"]
    let context = HostContext(root: toolkits.tree.root, environment: environment, libraries: FolderLibraryLoader(folder: toolkits.tree.root + "/no-libraries"), commands: GPUScriptedCommands())
    let outcome = await CUDAToolkitDetector().detect(in: context, earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts == ["cuda.toolkit": "11.8.89"])
}

private let noSystemToolkit = !FileSystem.exists("/usr/local/cuda")

@Test(.enabled(if: noSystemToolkit, "this machine has /usr/local/cuda"))
func toolkitAbsentWithoutAnySource() async throws {
    let tree = try GPUTestTree()
    let context = HostContext(root: "/", environment: ["PATH": tree.root], commands: GPUScriptedCommands())
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
    let outcome = await CuDNNSystemDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["cudnn.system": "8.9.1"]))
}

@Test func cudnnFromHeaderInCUDAInclude() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/local/cuda/include/cudnn_version.h", try realFixture("cudnn-header/cudnn_version_9.6.0_windows-crlf.h"))
    let outcome = await CuDNNSystemDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome == .ok(["cudnn.system": "9.6.0"]))
}

@Test func cudnnFromLibraryFileNamesPicksTheNewest() async throws {
    let tree = try GPUTestTree()
    try tree.touch("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.7")
    try tree.touch("/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0")
    try tree.touch("/usr/lib/x86_64-linux-gnu/libcudnn.so.9")
    let outcome = await CuDNNSystemDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.facts == ["cudnn.system": "9.1.0"])
    #expect(outcome.diagnostics.count == 1)
}

/// Only names starting with `libcudnn.so.` are looked at, in sorted order: of two names with
/// the same numeric version the first in that order wins, in any folder order on disk.
@Test func cudnnLibraryTieGoesToTheFirstNameAndOtherFilesAreIgnored() async throws {
    let tree = try GPUTestTree()
    for name in ["libcudnn.so.9.1.0", "libcudnn_ops.so.9.1.0", "libcudnn.so.9.01.0", "libc.so.6", "libcudnn.so.9", "libcudnn.so.x.y.z"] {
        try tree.touch("/usr/lib/x86_64-linux-gnu/" + name)
    }
    try tree.touch("/usr/lib64/libcudnn.so.8.9.7")
    let outcome = await CuDNNSystemDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.facts == ["cudnn.system": "9.01.0"])
    #expect(outcome.diagnostics == ["several cuDNN libraries are installed (9.01.0, 8.9.7, 9.1.0); reporting the newest, /usr/lib/x86_64-linux-gnu/libcudnn.so.9.01.0"])
}

@Test func cudnnAbsentWithoutHeaderOrLibrary() async throws {
    let tree = try GPUTestTree()
    try tree.write("/usr/include/cudnn.h", "#include \"cudnn_version.h\"\n")
    let outcome = await CuDNNSystemDetector().detect(in: tree.context(), earlier: [:])
    #expect(outcome.status == .absent)
}

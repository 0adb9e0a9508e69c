import Testing
@testable import Probe

// The nvidia-smi detector with scripted command outcomes built from the real outputs.

private let query = "--query-gpu="
private func thisMachine(_ commands: GPUScriptedCommands) -> HostContext {
    HostContext(root: "/", environment: ["PATH": "/usr/bin"], libraries: FolderLibraryLoader(folder: "/nonexistent"), commands: commands)
}

@Test func nvidiaSMIIsSkippedWhenNVMLOrLibcudaAnswered() async {
    let context = thisMachine(GPUScriptedCommands())
    #expect(await NvidiaSMIDetector().detect(in: context, earlier: ["nvml": .ok([:])]) == .skipped("nvml already reported the GPUs"))
    #expect(await NvidiaSMIDetector().detect(in: context, earlier: ["nvml": .failed("x"), "cuda-driver": .ok([:])]) == .skipped("cuda-driver already reported the GPUs"))
}

@Test func nvidiaSMINotOnPathIsAbsent() async {
    let outcome = await NvidiaSMIDetector().detect(in: thisMachine(GPUScriptedCommands()), earlier: [:])
    #expect(outcome == .absent("nvidia-smi not found on PATH"))
}

@Test func nvidiaSMITimeoutIsAFailureNamingIt() async {
    let commands = GPUScriptedCommands(["nvidia-smi": [query: .timedOut(after: .seconds(3))]])
    let outcome = await NvidiaSMIDetector().detect(in: thisMachine(commands), earlier: [:])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.hasPrefix("nvidia-smi did not answer within 3 s") == true)
}

@Test func nvidiaSMIReportsTheGPUsAndTheCUDAVersionFromItsTable() async throws {
    let commands = GPUScriptedCommands(["nvidia-smi": [
        query: GPUScriptedCommands.printed("0, NVIDIA L4, 550.90.07, 8.9, 23034, [N/A], GPU-1\n"),
        "": GPUScriptedCommands.printed(try realFixture("nvidia-smi-text/l4_550.90.07.txt")),
    ]])
    let outcome = await NvidiaSMIDetector().detect(in: thisMachine(commands), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts == [
        "nvidia.driver": "550.90.07", "cuda.driver_api": "12.4", "gpu.count": "1",
        "gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada",
        "gpu.0.memory_mib": "23034", "gpu.0.mig": "disabled", "gpu.0.uuid": "GPU-1",
        // Derived from the compute capability; nvidia-smi reports no SM count, so no threshold.
        "gpu.0.max_threads_per_sm": "1536",
    ])
}

@Test(arguments: [
    ("error-nvml-driver-library-version-mismatch_580.txt", Int32(18), "Driver/library version mismatch (NVML library 580.178)"),
    ("error-nvml-driver-library-version-mismatch_centos7.txt", Int32(18), "Driver/library version mismatch: the driver was upgraded without a reboot"),
    ("error-couldnt-communicate-with-driver.txt", Int32(9), "couldn't communicate with the NVIDIA driver"),
])
func nvidiaSMIErrorsBecomeClearFailures(_ file: String, _ status: Int32, _ expected: String) async throws {
    let commands = GPUScriptedCommands(["nvidia-smi": [query: GPUScriptedCommands.printed(try realFixture("nvidia-smi-text/" + file), status: status)]])
    let outcome = await NvidiaSMIDetector().detect(in: thisMachine(commands), earlier: [:])
    #expect(outcome.status == .failed)
    #expect(outcome.detail?.contains(expected) == true, "\(outcome.detail ?? "")")
}

@Test func nvidiaSMIOfAnOldDriverIsAskedAgainWithoutComputeCapability() async throws {
    let commands = GPUScriptedCommands(["nvidia-smi": [
        query + "index,name,driver_version,compute_cap": GPUScriptedCommands.printed("Field \"compute_cap\" is not a valid field to query.\n", status: 2),
        query + "index,name,driver_version,memory.total": GPUScriptedCommands.printed("0, Quadro RTX 8000, 470.63.01, 48601, [N/A], GPU-q\n"),
        "": GPUScriptedCommands.printed(try realFixture("nvidia-smi-text/10x-quadro-rtx-8000_470.63.01.txt")),
    ]])
    let outcome = await NvidiaSMIDetector().detect(in: thisMachine(commands), earlier: [:])
    #expect(outcome.status == .ok)
    #expect(outcome.facts["gpu.0.name"] == "Quadro RTX 8000")
    #expect(outcome.facts["gpu.0.compute_capability"] == nil)
    #expect(outcome.facts["cuda.driver_api"] == "11.4")
    #expect(outcome.diagnostics.contains { $0.contains("compute_cap") })
}

import Testing
@testable import Probe

// Every parser runs on every relevant real file in ../shared/fixtures/real (see PROVENANCE.md
// there), with the expected values written out per file. A test per folder checks that the
// table names every file, so a fixture added later cannot be skipped silently.

// MARK: /proc/driver/nvidia/version

struct ProcVersionCase: CustomTestStringConvertible, Sendable {
    var file: String
    var version: String
    var flavor: NvidiaProcDetector.ModuleFlavor
    var isL4T: Bool
    var testDescription: String { file }
}

let procVersionCases = [
    ProcVersionCase(file: "arch-open-kernel-module_525.60.11.txt", version: "525.60.11", flavor: .open, isL4T: false),
    ProcVersionCase(file: "centos7_470.103.01.txt", version: "470.103.01", flavor: .proprietary, isL4T: false),
    ProcVersionCase(file: "jetson-orin-nx-aarch64_35.3.1.txt", version: "35.3.1", flavor: .open, isL4T: true),
    ProcVersionCase(file: "truenas-proprietary_580.173.02.txt", version: "580.173.02", flavor: .proprietary, isL4T: false),
    ProcVersionCase(file: "ubuntu24.04-open-kernel-module_565.57.01.txt", version: "565.57.01", flavor: .open, isL4T: false),
]

@Test(arguments: procVersionCases)
func procDriverVersionFile(_ expected: ProcVersionCase) throws {
    let module = try NvidiaProcDetector.parseProcVersion(try realFixture("proc-driver-version/" + expected.file))
    #expect(module.version == expected.version)
    #expect(module.flavor == expected.flavor)
    #expect(module.isL4T == expected.isL4T)
}

@Test func procDriverVersionTableCoversEveryFixture() throws {
    #expect(try realFixtureNames("proc-driver-version") == procVersionCases.map(\.file).sorted())
}

@Test func procDriverVersionWithoutNVRMLineIsAnError() {
    #expect(throws: NvidiaProcDetector.ParseError.self) {
        try NvidiaProcDetector.parseProcVersion("GCC version:  gcc version 12.2.0 (GCC)\n")
    }
}

@Test func sysModuleVersionHoldsOnlyTheNumber() throws {
    #expect(try NvidiaProcDetector.parseSysVersion("535.104.05\n").version == "535.104.05")
    #expect(throws: NvidiaProcDetector.ParseError.self) { try NvidiaProcDetector.parseSysVersion("not a version\n") }
}

// MARK: nvidia-smi default table and error outputs

struct SMITextCase: CustomTestStringConvertible, Sendable {
    var file: String
    var driver: String?
    var cuda: String?
    var names: [String]
    var memoryMiB: Int?
    var mig: Bool?
    var complaint: NvidiaSMIDetector.Complaint?
    var testDescription: String { file }
}

let smiTextCases = [
    SMITextCase(file: "10x-quadro-rtx-8000_470.63.01.txt", driver: "470.63.01", cuda: "11.4", names: Array(repeating: "Quadro RTX 8000", count: 10), memoryMiB: 48601, mig: nil),
    SMITextCase(file: "4x-a100-sxm4-80gb_555.42.02.txt", driver: "555.42.02", cuda: "12.5", names: Array(repeating: "NVIDIA A100-SXM4-80GB", count: 4), memoryMiB: 81920, mig: false),
    SMITextCase(file: "8x-h100-80gb-hbm3_565.57.01.txt", driver: "565.57.01", cuda: "12.7", names: Array(repeating: "NVIDIA H100 80GB HBM3", count: 8), memoryMiB: 81559, mig: false),
    SMITextCase(file: "a10g-aws-bottlerocket_470.256.02_partial.txt", driver: "470.256.02", cuda: "11.4", names: ["NVIDIA A10G"], memoryMiB: 22731, mig: nil),
    SMITextCase(file: "error-couldnt-communicate-with-driver.txt", driver: nil, cuda: nil, names: [], memoryMiB: nil, mig: nil, complaint: .couldNotCommunicate),
    SMITextCase(file: "error-nvml-driver-library-version-mismatch_580.txt", driver: nil, cuda: nil, names: [], memoryMiB: nil, mig: nil, complaint: .driverLibraryMismatch(libraryVersion: "580.178")),
    SMITextCase(file: "error-nvml-driver-library-version-mismatch_centos7.txt", driver: nil, cuda: nil, names: [], memoryMiB: nil, mig: nil, complaint: .driverLibraryMismatch(libraryVersion: nil)),
    SMITextCase(file: "h100-80gb-hbm3-mig_590.48.01.txt", driver: "590.48.01", cuda: "13.1", names: ["NVIDIA H100 80GB HBM3"], memoryMiB: 81559, mig: true),
    SMITextCase(file: "l4_550.90.07.txt", driver: "550.90.07", cuda: "12.4", names: ["NVIDIA L4"], memoryMiB: 23034, mig: nil),
    SMITextCase(file: "rtx-a2000-laptop_525.147.05.txt", driver: "525.147.05", cuda: "12.0", names: ["NVIDIA RTX A200..."], memoryMiB: 8192, mig: nil),
    SMITextCase(file: "rtx-a2000-laptop_560.28.03.txt", driver: "560.28.03", cuda: "12.6", names: ["NVIDIA RTX A2000 8GB Lap..."], memoryMiB: 8192, mig: nil),
    SMITextCase(file: "tesla-t4-exclusive-process_580.126.09_partial.txt", driver: "580.126.09", cuda: "13.0", names: ["Tesla T4"], memoryMiB: 15360, mig: nil),
    SMITextCase(file: "windows-rtx-2080-super-wddm_591.86.txt", driver: "591.86", cuda: "13.1", names: ["NVIDIA GeForce RTX 2080 ..."], memoryMiB: 8192, mig: nil),
]

@Test(arguments: smiTextCases)
func nvidiaSMITextFile(_ expected: SMITextCase) throws {
    let text = try realFixture("nvidia-smi-text/" + expected.file)
    let summary = NvidiaSMIDetector.parseSummary(text)
    #expect(summary.driver == expected.driver)
    #expect(summary.cudaVersion == expected.cuda)
    #expect(summary.gpus.map(\.name) == expected.names)
    #expect(summary.gpus.map(\.index) == Array(0..<expected.names.count))
    #expect(summary.gpus.allSatisfy { $0.memoryMiB == expected.memoryMiB })
    #expect(summary.gpus.allSatisfy { $0.migEnabled == expected.mig })
    #expect(NvidiaSMIDetector.complaint(in: text) == expected.complaint)
}

@Test func nvidiaSMITextTableCoversEveryFixture() throws {
    #expect(try realFixtureNames("nvidia-smi-text") == smiTextCases.map(\.file).sorted())
}

@Test func nvidiaSMIComplaintsSayWhatToDo() {
    #expect(NvidiaSMIDetector.Complaint.driverLibraryMismatch(libraryVersion: "580.178").description.contains("reboot"))
    #expect(NvidiaSMIDetector.Complaint.couldNotCommunicate.description.contains("couldn't communicate with the NVIDIA driver"))
    #expect(NvidiaSMIDetector.complaint(in: "Field \"compute_cap\" is not a valid field to query.\n") == .invalidField("compute_cap"))
}

// MARK: nvidia-smi --query-gpu CSV

struct SMICSVCase: CustomTestStringConvertible, Sendable {
    var file: String
    var driver: String?
    var device: GPUDevice
    var testDescription: String { file }
}

let smiCSVCases = [
    SMICSVCase(
        file: "h100-80gb-hbm3-mig_590.48.01_query-gpu-all-fields.csv", driver: "590.48.01",
        device: GPUDevice(name: "NVIDIA H100 80GB HBM3", computeCapability: ComputeCapability(major: 9, minor: 0), memoryMiB: 81559, migEnabled: true, uuid: "GPU-00000000-0000-0000-0000-000000000000")),
    SMICSVCase(
        file: "l40s_595.80_query-gpu-all-fields.csv", driver: "595.80",
        device: GPUDevice(name: "NVIDIA L40S", computeCapability: ComputeCapability(major: 8, minor: 9), memoryMiB: 46068, migEnabled: false, uuid: "GPU-00000000-0000-0000-0000-000000000000")),
    SMICSVCase(
        file: "tesla-p100_query-gpu.csv", driver: nil,
        device: GPUDevice(name: "Tesla P100-PCIE-16GB", uuid: "GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6")),
]

@Test(arguments: smiCSVCases)
func nvidiaSMICSVFile(_ expected: SMICSVCase) throws {
    let table = try NvidiaSMIDetector.parseQuery(try realFixture("nvidia-smi-csv/" + expected.file), fields: nil)
    #expect(table.driver == expected.driver)
    #expect(table.devices == [expected.device])
}

@Test func nvidiaSMICSVTableCoversEveryFixture() throws {
    #expect(try realFixtureNames("nvidia-smi-csv") == smiCSVCases.map(\.file).sorted())
}

@Test func nvidiaSMIQueryWithoutHeaderFollowsTheAskedFieldsAndIndexOrder() throws {
    let output = """
        1, NVIDIA A30, 535.104.05, 8.0, 24576, Disabled, GPU-a30
        0, NVIDIA L4, 535.104.05, 8.9, 23034, [N/A], GPU-l4

        """
    let table = try NvidiaSMIDetector.parseQuery(output, fields: NvidiaSMIDetector.queryFields)
    #expect(table.driver == "535.104.05")
    #expect(table.devices.map(\.name) == ["NVIDIA L4", "NVIDIA A30"])
    #expect(table.devices.map(\.migEnabled) == [false, false])
    #expect(table.devices[1].computeCapability == ComputeCapability(major: 8, minor: 0))
}

@Test func nvidiaSMIQueryWithMissingValuesNamesTheLine() {
    #expect(throws: NvidiaSMIDetector.QueryParseError(line: 1, reason: "expected 7 comma-separated values, found 2")) {
        try NvidiaSMIDetector.parseQuery("0, NVIDIA L4\n", fields: NvidiaSMIDetector.queryFields)
    }
}

// MARK: CUDA toolkit version sources

struct ToolkitCase: CustomTestStringConvertible, Sendable {
    var file: String
    var version: String
    var testDescription: String { file }
}

let cudaVersionFileCases = [
    ToolkitCase(file: "linux-cuda-11.0.207_version.txt", version: "11.0.207"),
    ToolkitCase(file: "windows-cuda-12.6.3_driver-561.17_version.json", version: "12.6.3"),
    ToolkitCase(file: "windows-cuda-12.8.2_driver-572.61_version.json", version: "12.8.2"),
]

@Test(arguments: cudaVersionFileCases)
func cudaVersionFile(_ expected: ToolkitCase) throws {
    let text = try realFixture("cuda-version-json/" + expected.file)
    let version = expected.file.hasSuffix(".json")
        ? try CUDAToolkitDetector.parseVersionJSON(text)
        : try CUDAToolkitDetector.parseVersionText(text)
    #expect(version == expected.version)
}

@Test func cudaVersionFileTableCoversEveryFixture() throws {
    #expect(try realFixtureNames("cuda-version-json") == cudaVersionFileCases.map(\.file).sorted())
}

@Test func cudaVersionJSONWithoutCudaObjectIsAnError() {
    #expect(throws: CUDAToolkitDetector.ParseError.self) {
        try CUDAToolkitDetector.parseVersionJSON(#"{ "cuda_cudart" : { "version" : "12.8.90" } }"#)
    }
}

let nvccCases = [
    ToolkitCase(file: "nvcc_10.2_V10.2.89_pre-11-format.txt", version: "10.2.89"),
    ToolkitCase(file: "nvcc_11.8_V11.8.89.txt", version: "11.8.89"),
    ToolkitCase(file: "nvcc_12.6_V12.6.20.txt", version: "12.6.20"),
    ToolkitCase(file: "nvcc_13.0_V13.0.88.txt", version: "13.0.88"),
]

@Test(arguments: nvccCases)
func nvccVersionOutput(_ expected: ToolkitCase) throws {
    #expect(try CUDAToolkitDetector.parseNVCCVersion(try realFixture("nvcc/" + expected.file)) == expected.version)
}

@Test func nvccTableCoversEveryFixture() throws {
    #expect(try realFixtureNames("nvcc") == nvccCases.map(\.file).sorted())
}

// MARK: cuDNN

let cudnnHeaderCases = [
    ToolkitCase(file: "cudnn_version_8.1.1.h", version: "8.1.1"),
    ToolkitCase(file: "cudnn_version_8.9.1.h", version: "8.9.1"),
    ToolkitCase(file: "cudnn_version_9.6.0_windows-crlf.h", version: "9.6.0"),
]

@Test(arguments: cudnnHeaderCases)
func cudnnHeaderFile(_ expected: ToolkitCase) throws {
    #expect(try CuDNNSystemDetector.parseHeader(try realFixture("cudnn-header/" + expected.file), path: expected.file) == expected.version)
}

@Test func cudnnHeaderTableCoversEveryFixture() throws {
    #expect(try realFixtureNames("cudnn-header") == cudnnHeaderCases.map(\.file).sorted())
}

@Test(arguments: [
    ("libcudnn.so.9.1.0", "9.1.0"), ("libcudnn.so.8.9.7", "8.9.7"),
    ("libcudnn.so.9", nil), ("libcudnn.so", nil), ("libcudnn_ops.so.9.1.0", nil), ("libcudnn.so.9.1.0.bak", nil),
] as [(String, String?)])
func cudnnLibraryFileName(_ name: String, _ version: String?) {
    #expect(CuDNNSystemDetector.libraryVersion(fileName: name) == version)
}

// MARK: Compute capability and CUDA version formats

@Test(arguments: [
    ("3.7", "Kepler"), ("5.2", "Maxwell"), ("6.0", "Pascal"), ("6.1", "Pascal"), ("7.0", "Volta"), ("7.2", "Volta"),
    ("7.5", "Turing"), ("8.0", "Ampere"), ("8.6", "Ampere"), ("8.7", "Ampere"), ("8.9", "Ada"), ("9.0", "Hopper"),
    ("10.0", "Blackwell"), ("10.3", "Blackwell"), ("11.0", "Blackwell"), ("12.0", "Blackwell"), ("12.1", "Blackwell"),
] as [(String, String)])
func architectureFromComputeCapability(_ capability: String, _ architecture: String) throws {
    let parsed = try #require(ComputeCapability(capability))
    #expect(parsed.architecture?.rawValue == architecture)
    #expect(parsed.description == capability)
}

@Test func unknownComputeCapabilityHasNoArchitectureAndIsReported() {
    let capability = ComputeCapability(major: 13, minor: 0)
    #expect(capability.architecture == nil)
    let (facts, diagnostics) = GPUFacts.facts(driver: nil, cudaDriverInteger: nil, devices: [GPUDevice(computeCapability: capability)])
    #expect(facts["gpu.0.compute_capability"] == "13.0")
    #expect(facts["gpu.0.arch"] == nil)
    #expect(diagnostics.count == 1)
}

@Test(arguments: [(12020, "12.2"), (11080, "11.8"), (12040, "12.4"), (13010, "13.1"), (10020, "10.2"), (12090, "12.9")])
func cudaDriverIntegerBecomesMajorMinor(_ value: Int, _ text: String) {
    #expect(GPUFacts.cudaVersion(fromDriverInteger: value) == text)
}

import Testing
@testable import Probe

/// The real version.py and cpp_lib.json files of torch, torchvision and xformers builds
/// (../shared/fixtures/real, see PROVENANCE.md), read byte for byte.
@Suite struct BuildFilesTests {
    static let torchFolder = SharedData.realFixtures + "/torch-version-py/"
    static let xformersFolder = SharedData.realFixtures + "/xformers/"

    @Test(arguments: [
        ("torch-2.2.1+cu121_linux-venv_version.py", "2.2.1+cu121", "12.1", "6c8c5ad5eaf47a62fafbb4a2747198cbffbf1ff0"),
        ("torch-2.5.1+cu124_linux-venv_version.py", "2.5.1+cu124", "12.4", "a8d6afb511a69687bbb2b7e88a3cf67917e1697e"),
        ("torch-2.2.2+cpu_windows-venv_version.py", "2.2.2+cpu", "None", "39901f229520a5256505ec24782f716ee7ddc843"),
        ("torch-1.13.1_cu116-legacy-format_version.py", "1.13.1", "11.6", "49444c3e546bf240bed24a101e747422d1f8a0ee"),
        ("torch-2.10.0a0+gite67e3d9_source-build-cu13.0_version.py", "2.10.0a0+gite67e3d9", "13.0", "e67e3d95f3ab863c8b44a6b16ce9f25d40b0d517"),
    ])
    func torchVersionFiles(file: String, version: String, cuda: String, git: String) {
        let outcome = TorchBuildDetector.outcome(versionModule: readText(Self.torchFolder + file), path: file)
        #expect(outcome.status == .ok)
        #expect(outcome.facts == ["torch.version": version, "torch.cuda": cuda, "torch.hip": "None", "torch.git": git, "torch.debug": "False"])
        #expect(outcome.diagnostics.isEmpty)
    }

    @Test func torchvisionTakesItsCUDAFromTheLocalTag() {
        // Its version.py computes `cuda` at import time; the wheel's tag says +cu124.
        let outcome = TorchvisionBuildDetector.outcome(versionModule: readText(Self.torchFolder + "torchvision-0.20.1+cu124_linux-venv_version.py"), path: "version.py")
        #expect(outcome.facts == ["torchvision.version": "0.20.1+cu124", "torchvision.cuda": "12.4"])
        #expect(outcome.diagnostics.isEmpty)
    }

    @Test(arguments: [
        ("__version__ = '0.17.0+cpu'\n", "None"),
        ("__version__ = '0.4.0'\ncuda = '9.2'\n", "9.2"),
    ])
    func torchvisionCUDAOtherForms(text: String, cuda: String) {
        #expect(TorchvisionBuildDetector.outcome(versionModule: text, path: "v").facts["torchvision.cuda"] == cuda)
    }

    @Test func torchvisionWithoutATagSaysWhyCUDAIsMissing() {
        let outcome = TorchvisionBuildDetector.outcome(versionModule: "__version__ = '0.17.0'\nfrom torchvision.extension import _check_cuda_version\nif _check_cuda_version() > 0:\n    cuda = _check_cuda_version()\n", path: "v")
        #expect(outcome.facts == ["torchvision.version": "0.17.0"])
        #expect(outcome.diagnostics.count == 1)
    }

    @Test func torchVersionWithoutVersionFails() {
        let outcome = TorchBuildDetector.outcome(versionModule: "cuda = '12.1'\n", path: "/x/torch/version.py")
        #expect(outcome.status == .failed)
        #expect(outcome.detail?.contains("/x/torch/version.py") == true)
    }

    @Test(arguments: [
        ("xformers-0.0.24_pypi-wheel-cp310-manylinux2014_cpp_lib.json", "2.2.0+cu121", "3.10.13", "5.0+PTX 6.0 6.1 7.0 7.5 8.0+PTX 9.0"),
        ("xformers-0.0.25.post1_windows-venv_cpp_lib.json", "2.2.2+cu121", "3.11.8", "5.0+PTX 6.0 6.1 7.0 7.5 8.0+PTX 9.0"),
        ("xformers-0.0.24+042abc8a.d20241208_local-build-windows_cpp_lib.json", "2.1.2+cu121", "3.10.5", "8.6"),
    ])
    func xformersBuildFiles(file: String, torch: String, python: String, archList: String) throws {
        let facts = try XFormersBuildDetector.buildFacts(cppLibJSON: readBytes(Self.xformersFolder + file), path: file)
        #expect(facts == ["xformers.build.torch": torch, "xformers.build.cuda": "12.1", "xformers.build.python": python, "xformers.build.arch_list": archList])
    }

    @Test(arguments: [
        ("xformers-0.0.25.post1_windows-venv_version.py", "0.0.25.post1"),
        ("xformers-0.0.24+042abc8a.d20241208_local-build-windows_version.py", "0.0.24+042abc8a.d20241208"),
    ])
    func xformersVersionFiles(file: String, version: String) {
        #expect(PythonVersionModule.assignments(readText(Self.xformersFolder + file))["__version__"] == .string(version))
    }

    @Test func brokenCppLibJSONSaysWhere() {
        let error = #expect(throws: XFormersBuildDetector.BuildInfoError.self) {
            try XFormersBuildDetector.buildFacts(cppLibJSON: Array(#"{"version": {}"#.utf8), path: "/p/cpp_lib.json")
        }
        #expect(error?.path == "/p/cpp_lib.json")
        #expect(error?.description.contains("unterminated object") == true)
    }

    @Test func versionModuleAssignments() {
        let text = "from typing import Optional\n\n__all__ = ['a']\nx: Optional[str] = \"q\"  # note\ny = None\nz = 12\nif cond:\n    x = 'later'\nx = 'again'\nw == 3\n"
        let values = PythonVersionModule.assignments(text)
        #expect(values["x"] == .string("q"))
        #expect(values["y"] == PythonLiteral.none)
        #expect(values["z"] == .integer("12"))
        #expect(values["w"] == nil)
        #expect(values["__all__"] == .expression("['a']"))
    }
}

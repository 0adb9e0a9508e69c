import Testing
@testable import Probe

@Suite struct CondaTests {
    /// A conda-meta record shaped as conda writes them (sorted keys, indented, a file list).
    static func record(name: String, version: String, build: String) -> String {
        """
        {
          "build": "\(build)",
          "build_number": 0,
          "channel": "https://conda.anaconda.org/conda-forge/linux-64",
          "depends": ["libgcc-ng >=12", "name-not-this 1.0"],
          "files": ["lib/libx.so", "info/name"],
          "fn": "\(name)-\(version)-\(build).conda",
          "license": "BSD-3-Clause",
          "name": "\(name)",
          "paths_data": {"paths": [{"_path": "lib/libx.so", "path_type": "hardlink", "sha256": "00", "size_in_bytes": 10}], "paths_version": 1},
          "requested_spec": "",
          "size": 1234,
          "version": "\(version)"
        }
        """
    }

    @Test func recordsOfTheInterpretersPrefix() async {
        let tree = PythonTree()
        tree.write("env/conda-meta/python-3.11.7-hab00c5b_1_cpython.json", Self.record(name: "python", version: "3.11.7", build: "hab00c5b_1_cpython"))
        tree.write("env/conda-meta/pytorch-cuda-12.1-ha16c6d3_5.json", Self.record(name: "pytorch-cuda", version: "12.1", build: "ha16c6d3_5"))
        tree.write("env/conda-meta/cudnn-8.9.2.26-cuda12_0.json", Self.record(name: "cudnn", version: "8.9.2.26", build: "cuda12_0"))
        tree.write("env/conda-meta/ruamel.yaml-0.17.21-py311h5eee18b_0.json", Self.record(name: "ruamel.yaml", version: "0.17.21", build: "py311h5eee18b_0"))
        tree.write("env/conda-meta/history", "==> 2024-01-01 <==\n")
        tree.write("env/conda-meta/broken-1.0-0.json", #"{"name": "broken", "#)
        let python = DetectorOutcome.ok(["python.prefix": tree.at("env"), "python.base_prefix": tree.at("env")])
        let outcome = await CondaDetector().detect(in: pythonContext(), earlier: ["python": python])
        #expect(outcome.status == .ok)
        #expect(outcome.facts == [
            "conda.packages.python": "3.11.7", "conda.packages.pytorch-cuda": "12.1", "conda.packages.cudnn": "8.9.2.26",
            "conda.packages.ruamel-yaml": "0.17.21",
        ])
        #expect(outcome.diagnostics.count == 1)
        #expect(outcome.diagnostics.first?.hasPrefix(tree.at("env/conda-meta/broken-1.0-0.json")) == true)
    }

    @Test func condaPrefixVariableWithoutAPython() async {
        let tree = PythonTree()
        tree.write("env/conda-meta/cudatoolkit-11.8.0-h6a678d5_0.json", Self.record(name: "cudatoolkit", version: "11.8.0", build: "h6a678d5_0"))
        let outcome = await CondaDetector().detect(in: pythonContext(environment: ["CONDA_PREFIX": tree.at("env")]), earlier: ["python": .absent("no Python")])
        #expect(outcome.facts == ["conda.packages.cudatoolkit": "11.8.0"])
    }

    @Test func notACondaEnvironment() async {
        let python = DetectorOutcome.ok(["python.prefix": PythonTree().path])
        let outcome = await CondaDetector().detect(in: pythonContext(), earlier: ["python": python])
        #expect(outcome.status == .absent)
    }
}

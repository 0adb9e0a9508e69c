import EnvLock

/// The xformers build: `xformers.version` from `xformers/version.py`, and from the
/// `xformers/cpp_lib.json` that xformers' build writes beside its C++ extension:
/// `xformers.build.torch` (the torch it was compiled against), `xformers.build.cuda` (`1201`
/// becomes `12.1`), `xformers.build.python` and `xformers.build.arch_list` (its
/// TORCH_CUDA_ARCH_LIST). JSON null becomes `None`. Nothing is imported.
struct XFormersBuildDetector: SysPathDetector {
    let name = "xformers-build"
    let provides = ["xformers."]
    let dependencies = ["python"]

    init() {}

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let folder = PythonInstallation.packageFolder("xformers", on: sysPath, in: context) else {
            return .absent("xformers is not installed: no xformers/__init__.py on sys.path")
        }
        var facts: [String: String] = [:]
        var diagnostics: [String] = []
        let versionPath = PythonPath.join(folder, "version.py")
        do {
            if case .string(let version) = PythonVersionModule.assignments(try context.readText(versionPath, limit: 1 << 20))["__version__"] {
                facts["xformers.version"] = version
            } else {
                diagnostics.append("\(versionPath): no __version__ string; xformers.version is left out")
            }
        } catch {
            diagnostics.append("\(error.description): xformers.version is left out")
        }
        let buildPath = PythonPath.join(folder, "cpp_lib.json")
        do {
            let bytes = try context.readBytes(buildPath, limit: 1 << 20)
            do {
                facts.merge(try Self.buildFacts(cppLibJSON: bytes, path: buildPath)) { first, _ in first }
            } catch {
                diagnostics.append(error.description)
            }
        } catch {
            if case .notFound = error {
                diagnostics.append("\(buildPath) is missing: this xformers was installed without its C++/CUDA extensions (a source install that did not compile them), so it runs without its kernels")
            } else {
                diagnostics.append("\(error.description): xformers.build.* is left out")
            }
        }
        if facts.isEmpty { return .failed("xformers is installed in \(folder) but neither version.py nor cpp_lib.json could be read", diagnostics: diagnostics) }
        return .ok(facts, diagnostics: diagnostics)
    }

    /// Why cpp_lib.json could not be used.
    struct BuildInfoError: Error, Equatable, CustomStringConvertible {
        var path: String
        var reason: String

        var description: String { "\(path): \(reason); xformers.build.* is left out, reinstall xformers" }
    }

    /// The `xformers.build.*` facts of a cpp_lib.json document.
    static func buildFacts(cppLibJSON bytes: [UInt8], path: String) throws(BuildInfoError) -> [String: String] {
        let document: MinimalJSON.Value
        do {
            document = try MinimalJSON.parse(bytes)
        } catch {
            throw BuildInfoError(path: path, reason: error.description)
        }
        guard let version = document["version"], case .object = version else {
            throw BuildInfoError(path: path, reason: "no \"version\" object")
        }
        var facts: [String: String] = [:]
        switch version["cuda"] {
        case .number(let text)?:
            guard let value = Int(text) else { throw BuildInfoError(path: path, reason: "\"cuda\" is \(text), not an integer such as 1201") }
            facts["xformers.build.cuda"] = CUDAVersionText.fromInteger(value)
        case .string(let text)?: facts["xformers.build.cuda"] = text
        case .null?: facts["xformers.build.cuda"] = "None"
        default: break
        }
        facts["xformers.build.torch"] = text(version["torch"])
        facts["xformers.build.python"] = text(version["python"])
        if case .string(let hip)? = version["hip"] { facts["xformers.build.hip"] = hip }
        facts["xformers.build.arch_list"] = text(document["env"]?["TORCH_CUDA_ARCH_LIST"])
        return facts
    }

    static func text(_ value: MinimalJSON.Value?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number(let text)?: text
        case .null?: "None"
        case .bool(let flag)?: flag ? "True" : "False"
        default: nil
        }
    }
}

import EnvLock
/// The CUDA toolkit that extensions such as xformers are compiled with, found as
/// `torch.utils.cpp_extension` finds it: `$CUDA_HOME`, else `$CUDA_PATH`, else the folder above
/// the `bin` of the first `nvcc` on `PATH`, else `/usr/local/cuda`. In that folder the version
/// comes from `version.json`, the older `version.txt`, or `bin/nvcc --version`.
///
/// `cuda.toolkit` is the version as the first source found states it: `12.8.2` from
/// version.json (the toolkit release), `11.0.207` from version.txt, `12.6.20` from nvcc's
/// `V12.6.20`; the outcome's detail names the folder and why it was chosen. Under a foreign
/// `--root` the environment describes this machine, not that tree, so only
/// `/usr/local/cuda` under the root is read, and nvcc is not run: envlock does not execute
/// programs from another tree.
public struct CUDAToolkitDetector: Detector {
    public let name = "cuda-toolkit"
    let provides = ["cuda.toolkit"]
    /// The folder used when nothing in the environment names one.
    public static let defaultFolder = "/usr/local/cuda"
    /// The toolkit's release manifest (CUDA 11.1 and later).
    public static let versionJSON = "/usr/local/cuda/version.json"
    /// The toolkit's version file before CUDA 11.1.
    public static let versionText = "/usr/local/cuda/version.txt"

    init() {}

    /// Why a folder was taken as the toolkit.
    enum FolderOrigin: Sendable, Equatable, CustomStringConvertible {
        case cudaHome
        case cudaPath
        /// The nvcc found on `PATH`.
        case nvccOnPath(String)
        case defaultFolder

        var description: String {
            switch self {
            case .cudaHome: "$CUDA_HOME"
            case .cudaPath: "$CUDA_PATH"
            case .nvccOnPath(let nvcc): "nvcc on PATH (\(nvcc))"
            case .defaultFolder: "the default folder"
            }
        }
    }

    /// The toolkit folder torch's cpp_extension would use, and why; nil when it would find none.
    static func toolkitFolder(in context: HostContext) -> (folder: String, origin: FolderOrigin)? {
        if context.environmentDescribesRoot {
            if let home = context.environment["CUDA_HOME"], !home.isEmpty { return (home, .cudaHome) }
            if let path = context.environment["CUDA_PATH"], !path.isEmpty { return (path, .cudaPath) }
            if let nvcc = context.findCommand("nvcc", searchPath: context.environment["PATH"], rule: .executable) {
                return (PythonPath.dirname(PythonPath.dirname(nvcc)), .nvccOnPath(nvcc))
            }
        }
        return context.exists(defaultFolder) ? (defaultFolder, .defaultFolder) : nil
    }

    /// Why a toolkit version source could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        var source: String
        var reason: String

        public var description: String { "\(source): \(reason); the CUDA toolkit installation may be damaged" }
    }

    /// The toolkit release from `version.json`: the `version` member of the top-level `cuda`
    /// object (`"cuda" : { "name" : "CUDA SDK", "version" : "12.8.2" }`).
    public static func parseVersionJSON(_ text: String, source: String = versionJSON) throws(ParseError) -> String {
        let document: MinimalJSON.Value
        do throws(MinimalJSON.SyntaxError) {
            document = try MinimalJSON.parse(Array(text.utf8))
        } catch {
            throw ParseError(source: source, reason: error.description)
        }
        guard let object = document["cuda"], case .object = object else {
            throw ParseError(source: source, reason: "no \"cuda\" object")
        }
        guard case .string(let version) = object["version"] else {
            throw ParseError(source: source, reason: "the \"cuda\" object has no \"version\" string")
        }
        return version
    }

    /// The version from `version.txt` (toolkits before 11.1): `CUDA Version 11.0.207`.
    public static func parseVersionText(_ text: String, source: String = versionText) throws(ParseError) -> String {
        let prefix = "CUDA Version "
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix(prefix) }),
              let version = line.dropFirst(prefix.count).split(whereSeparator: \.isWhitespace).first,
              NvidiaProcDetector.isDottedNumber(version) else {
            throw ParseError(source: source, reason: "no line \"CUDA Version X.Y.Z\"")
        }
        return String(version)
    }

    /// The version from `nvcc --version`: `V12.6.20` from
    /// `Cuda compilation tools, release 12.6, V12.6.20`, or `12.6` where the V part is missing.
    public static func parseNVCCVersion(_ text: String) throws(ParseError) -> String {
        let marker = "Cuda compilation tools, release "
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.containsBytes(marker) }),
              let range = line.firstRange(ofBytes: marker) else {
            throw ParseError(source: "nvcc --version", reason: "no line \"Cuda compilation tools, release …\"")
        }
        let parts = line[range.upperBound...].split(separator: ",").map { $0.trimmingWhitespace() }
        if parts.count >= 2, parts[1].hasPrefix("V"), NvidiaProcDetector.isDottedNumber(parts[1].dropFirst()) {
            return String(parts[1].dropFirst())
        }
        guard let release = parts.first, NvidiaProcDetector.isDottedNumber(release) else {
            throw ParseError(source: "nvcc --version", reason: "the release \"\(parts.first ?? "")\" is not a version")
        }
        return String(release)
    }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let (folder, origin) = Self.toolkitFolder(in: context) else {
            if !context.environmentDescribesRoot {
                return .absent("no \(Self.defaultFolder) under --root \(context.root) (the environment and nvcc are not used for another tree)")
            }
            return .absent("no CUDA toolkit: $CUDA_HOME and $CUDA_PATH unset, no nvcc on PATH, no \(Self.defaultFolder)")
        }
        let chosen = "\(folder) (from \(origin), as torch.utils.cpp_extension chooses)"
        func found(_ version: String, _ problems: [String]) -> DetectorOutcome {
            DetectorOutcome(status: .ok, detail: "toolkit in \(chosen)", facts: ["cuda.toolkit": version], diagnostics: problems)
        }
        if origin != .defaultFolder && !context.exists(folder) {
            return .failed("\(origin) names \(folder), which does not exist; extensions built here would fail to find CUDA: point it at the toolkit or unset it")
        }
        var problems: [String] = []
        let versionFiles: [(String, (String, String) throws -> String)] = [
            (PythonPath.join(folder, "version.json"), Self.parseVersionJSON), (PythonPath.join(folder, "version.txt"), Self.parseVersionText),
        ]
        for (path, parse) in versionFiles {
            do {
                return found(try parse(try context.readText(path), path), problems)
            } catch let error as FileReadError {
                if case .notFound = error {} else { problems.append(error.description) }
            } catch {
                problems.append("\(error)")
            }
        }
        let nvcc = PythonPath.join(folder, "bin/nvcc")
        if !context.canRunPrograms || !context.exists(nvcc) {
            let reason = !context.canRunPrograms
                ? "no version.json or version.txt in \(context.hostPath(folder)) (nvcc is not run from another tree)"
                : "no version.json, version.txt or bin/nvcc in \(chosen)"
            if !problems.isEmpty { return .failed(problems.joined(separator: "; ")) }
            return origin == .defaultFolder ? .absent(reason) : .failed(reason + "; the CUDA toolkit installation may be damaged")
        }
        let outcome = await context.commands.run(nvcc, arguments: ["--version"], environment: context.environment, timeout: context.commandTimeout)
        switch outcome {
        case .exited(0, let stdout, _, _):
            do {
                return found(try Self.parseNVCCVersion(String(decoding: stdout, as: UTF8.self)), problems)
            } catch {
                problems.append(error.description)
            }
        case .notFound:
            problems.append("\(nvcc) could not be run")
        case .exited(let status, let stdout, let stderr, _):
            let output = String(decoding: stdout + stderr, as: UTF8.self).split(whereSeparator: \.isNewline).first ?? "no output"
            problems.append("\(nvcc) --version exited with status \(status): \(output)")
        case .timedOut(let after):
            problems.append("\(nvcc) --version did not answer within \(DurationText.seconds(after))")
        case .signaled(let signal):
            problems.append("\(nvcc) --version was killed by signal \(signal)")
        case .failedToStart(let reason):
            problems.append("\(nvcc) could not be started: \(reason)")
        }
        return .failed(problems.joined(separator: "; "))
    }
}

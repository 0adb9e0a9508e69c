import EnvLock

/// The packages of the conda environment the interpreter belongs to:
/// `conda.packages.<name>` = `version` of each `conda-meta/*.json` record (a dot in the name
/// becomes `-`: `conda.packages.ruamel-yaml`).
///
/// The environment is the first of the interpreter's prefix, its base prefix (a venv made
/// from a conda Python) and `$CONDA_PREFIX` that has a `conda-meta` folder. Only the `name`
/// and `version` members are read from each record; the rest (the file list) is skipped.
struct CondaDetector: Detector {
    let name = "conda"
    let provides = ["conda.packages."]
    let dependencies = ["python"]
    let dependencyWait: Duration? = PythonDetector.dependentsWait

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        var prefixes: [String] = []
        if let facts = earlier["python"]?.facts {
            if let prefix = facts["python.prefix"] { prefixes.append(prefix) }
            if let base = facts["python.base_prefix"] { prefixes.append(base) }
        }
        if let conda = context.environment["CONDA_PREFIX"], !conda.isEmpty { prefixes.append(conda) }
        guard let prefix = prefixes.first(where: { context.isDirectory(PythonPath.join($0, "conda-meta")) }) else {
            return .absent("not a conda environment: no conda-meta folder in the interpreter's prefix or $CONDA_PREFIX")
        }
        let folder = PythonPath.join(prefix, "conda-meta")
        let names: [String]
        do {
            names = try context.listDirectory(folder)
        } catch {
            return .failed("\(error.description): the conda environment's packages could not be listed")
        }
        var facts: [String: String] = [:]
        var diagnostics: [String] = []
        for file in names where file.hasSuffix(".json") {
            let path = PythonPath.join(folder, file)
            do {
                let record = try Self.record(try context.readBytes(path, limit: 256 << 20), path: path)
                let key = "conda.packages." + Self.keySegment(record.name)
                if let existing = facts[key] {
                    diagnostics.append("\(path): a second record for \(record.name) (\(record.version)); \(existing) was kept. conda's metadata is inconsistent: run `conda list` to check")
                    continue
                }
                facts[key] = record.version
            } catch let error as RecordError {
                diagnostics.append(error.description)
            } catch let error as FileReadError {
                diagnostics.append("\(error.description): this conda package is left out")
            } catch {
                diagnostics.append("\(path): \(error)")
            }
        }
        var outcome = DetectorOutcome.ok(facts, diagnostics: diagnostics)
        outcome.detail = "conda environment \(prefix)"
        return outcome
    }

    /// A conda package name as one fact key segment: dots (`ruamel.yaml`) become `-`, since a
    /// dot separates key segments; whitespace, never valid in a conda name, becomes `-` too.
    static func keySegment(_ name: String) -> String {
        String(name.map { $0 == "." || $0.isWhitespace ? "-" : $0 })
    }

    /// Why a conda-meta record could not be used.
    struct RecordError: Error, Equatable, CustomStringConvertible {
        var path: String
        var reason: String

        var description: String { "\(path): \(reason); this conda package is left out" }
    }

    /// The `name` and `version` of one conda-meta record.
    static func record(_ bytes: [UInt8], path: String) throws(RecordError) -> (name: String, version: String) {
        let members: [String: String]
        do {
            members = try MinimalJSON.topLevelStrings(bytes, keys: ["name", "version"])
        } catch {
            throw RecordError(path: path, reason: error.description)
        }
        guard let name = members["name"], !name.isEmpty else { throw RecordError(path: path, reason: "no \"name\" string") }
        guard let version = members["version"], !version.isEmpty else { throw RecordError(path: path, reason: "no \"version\" string") }
        return (name, version)
    }
}

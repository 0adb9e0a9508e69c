import EnvLock

/// The Hugging Face hub cache diffusers and transformers load models from: which commit each
/// cached repository's refs name, and whether the hub may download (`HF_HUB_OFFLINE`).
///
/// Layout, as huggingface_hub writes it (src/huggingface_hub/file_download.py,
/// `repo_folder_name` and `_cache_commit_hash_for_specific_revision`; constants.py for the
/// folders): `<cache>/models--ORG--NAME/refs/<ref>` holds the 40-hex commit the ref resolved
/// to, with no newline; `snapshots/<commit>/…` holds the files of that commit. Nothing is
/// hashed: a ref file is a few bytes, and the files a snapshot links to are only counted as
/// present or missing.
///
/// Facts: `hf.models.ORG/NAME.REF` (also `hf.datasets.…`, `hf.spaces.…`) = the commit, with
/// `.` and `%` in the repository and ref written as `%2E` and `%25`, so that a key keeps one
/// dotted segment per part (`stabilityai/stable-diffusion-xl-base-1%2E0.main`); `hf.offline`
/// = `true`/`false` as huggingface_hub reads `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`);
/// `hf.cache` = the folder read.
public struct HuggingFaceCacheDetector: Detector {
    public let name = "huggingface-cache"
    let provides = ["hf."]

    /// The cache a container running as root uses when nothing in its environment names one;
    /// the only one read under a foreign `--root`, whose environment envlock cannot see.
    static let rootHomeCache = "/root/.cache/huggingface/hub"
    /// The repository kinds huggingface_hub caches, as their folder prefixes (`models--`).
    static let repositoryKinds = ["models", "datasets", "spaces"]
    /// Refs nest (`refs/refs/pr/1` for the revision `refs/pr/1`); deeper is not a hub cache.
    static let maxRefDepth = 4

    init() {}

    /// The cache folder huggingface_hub uses and the variable that chose it: `$HF_HUB_CACHE`,
    /// the legacy `$HUGGINGFACE_HUB_CACHE`, `$HF_HOME/hub`, `$XDG_CACHE_HOME/huggingface/hub`,
    /// `~/.cache/huggingface/hub` (constants.py). Nil when no variable, not even HOME, is set.
    static func cacheFolder(environment: [String: String]) -> (folder: String, origin: String)? {
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return expandHome(text, home: environment["HOME"])
        }
        if let folder = value("HF_HUB_CACHE") { return (folder, "$HF_HUB_CACHE") }
        if let folder = value("HUGGINGFACE_HUB_CACHE") { return (folder, "$HUGGINGFACE_HUB_CACHE") }
        if let home = value("HF_HOME") { return (PythonPath.join(home, "hub"), "$HF_HOME/hub") }
        if let cache = value("XDG_CACHE_HOME") { return (PythonPath.join(cache, "huggingface/hub"), "$XDG_CACHE_HOME/huggingface/hub") }
        if let home = value("HOME") { return (PythonPath.join(home, ".cache/huggingface/hub"), "~/.cache/huggingface/hub") }
        return nil
    }

    /// `~` and `~/…` with `home`, as Python's `os.path.expanduser` does when HOME is set.
    static func expandHome(_ path: String, home: String?) -> String {
        guard let home, path == "~" || path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }

    /// huggingface_hub's `_is_true`: 1, ON, YES or TRUE in any case.
    static func isTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "ON", "YES", "TRUE"].contains(value.uppercased())
    }

    /// The kind and repository id of a cache folder name: `models--stabilityai--sdxl` is
    /// (`models`, `stabilityai/sdxl`). Nil for other entries (`.locks`, `CACHEDIR.TAG`).
    /// A repository id never holds `--` (huggingface_hub's `validate_repo_id`), so the split is exact.
    public static func parseRepositoryFolder(_ name: String) -> (kind: String, id: String)? {
        let parts = name.split(separator: "--", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, repositoryKinds.contains(parts[0]),
              parts.dropFirst().allSatisfy({ !$0.isEmpty }) else { return nil }
        return (parts[0], parts.dropFirst().joined(separator: "/"))
    }

    /// Why the text of a ref file is not a commit, or nil when it is one (40 lowercase hex
    /// digits, exactly as huggingface_hub writes it; it compares the text byte for byte).
    public static func refProblem(_ text: String) -> String? {
        let isCommit = text.utf8.count == 40 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        return isCommit ? nil : "does not hold a 40-hex commit (huggingface_hub would not find its snapshot)"
    }

    /// `.`, `%`, `*` and bytes a fact key cannot hold, written as `%XX`, so each part of
    /// `hf.KIND.REPO.REF` stays one dotted segment that no pattern `*` misreads.
    static func keySegment(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "*") || byte <= 0x20 || byte >= 0x7F {
                let hex = Array("0123456789ABCDEF")
                result += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            } else {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return result
    }

    /// The fact key of one ref: `hf.models.stabilityai/stable-diffusion-xl-base-1%2E0.main`.
    public static func factKey(kind: String, id: String, ref: String) -> String {
        "hf.\(kind).\(keySegment(id)).\(keySegment(ref))"
    }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        var facts: [String: String] = [:]
        let folder: String
        let origin: String
        if !context.environmentDescribesRoot {
            (folder, origin) = (Self.rootHomeCache, "the default for root (the environment is not that tree's)")
        } else {
            facts["hf.offline"] = String(Self.isTrue(context.environment["HF_HUB_OFFLINE"] ?? context.environment["TRANSFORMERS_OFFLINE"]))
            guard let found = Self.cacheFolder(environment: context.environment) else {
                return DetectorOutcome(status: .ok, detail: "no Hugging Face cache folder: HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME and HOME are unset", facts: facts)
            }
            (folder, origin) = found
        }
        let entries: [String]
        do {
            entries = try context.listDirectory(folder)
        } catch {
            if case .notFound = error {
                return DetectorOutcome(status: .ok, detail: "no Hugging Face cache at \(folder) (\(origin)): nothing is cached", facts: facts)
            }
            return .failed("the Hugging Face cache \(folder) (\(origin)) cannot be listed: \(error)", facts: facts)
        }
        facts["hf.cache"] = folder
        var outcome = DetectorOutcome(status: .ok, detail: "cache \(folder) (\(origin))")
        for entry in entries {
            guard let (kind, id) = Self.parseRepositoryFolder(entry) else { continue }
            let repository = PythonPath.join(folder, entry)
            readRefs(PythonPath.join(repository, "refs"), prefix: "", depth: 0, repository: repository, kind: kind, id: id, context, into: &outcome)
        }
        outcome.facts.merge(facts) { found, _ in found }
        return outcome
    }

    /// Every ref file under `refsFolder`, nested refs included, into `outcome`.
    private func readRefs(_ refsFolder: String, prefix: String, depth: Int, repository: String, kind: String, id: String, _ context: HostContext, into outcome: inout DetectorOutcome) {
        let names: [String]
        do {
            names = try context.listDirectory(refsFolder)
        } catch {
            // A repository fetched only by commit hash has no refs folder: nothing to report.
            if case .notFound = error, depth == 0 { return }
            outcome.diagnostics.append("\(refsFolder): cannot be listed: \(error)")
            return
        }
        for name in names where !name.hasSuffix(".tmp") {
            let ref = prefix + name
            let path = PythonPath.join(refsFolder, name)
            let key = Self.factKey(kind: kind, id: id, ref: ref)
            let text: String
            do {
                text = try context.readText(path, limit: 4096)
            } catch {
                if case .notRegularFile = error, depth < Self.maxRefDepth {
                    readRefs(path, prefix: ref + "/", depth: depth + 1, repository: repository, kind: kind, id: id, context, into: &outcome)
                } else {
                    outcome.unreadable[key] = error.description
                }
                continue
            }
            if let problem = Self.refProblem(text) {
                outcome.unreadable[key] = "\(path) \(problem)"
                continue
            }
            outcome.facts[key] = text
            if !context.exists(PythonPath.join(repository, "snapshots/" + text)) {
                outcome.diagnostics.append("\(id) \(ref) names commit \(text), but \(repository)/snapshots/\(text) is missing: the files would be downloaded again")
            }
        }
    }
}

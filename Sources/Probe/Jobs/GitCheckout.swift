#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// Whether an app's git checkout holds exactly the code of its commit, read from `.git` alone
/// (no git is run), for `job.fooocus.tree` and `job.comfyui.tree`:
///
/// 1. the index against HEAD: the tree `git write-tree` would write from the index must be the
///    commit's tree (a staged change fails here; the differing paths are named by walking
///    both trees where their ids differ);
/// 2. each tracked file against the index: stat data equal to what git recorded (mtime,
///    ctime, inode, size, type) is trusted unless the entry is racily clean (modified in the
///    same second as, or after, the index was written: git's racy-git rule), otherwise the
///    file is re-hashed as a blob (links: their target) and compared with its id;
/// 3. untracked Python code where Python imports it: `.py`, `.pyc` (outside `__pycache__`)
///    and `.so` files and links in the app's code folders (every top-level folder the commit
///    has `.py` files in), and at the top, which is `sys.path[0]`, also packages (a folder with
///    `__init__.py`), since they shadow installed ones. `.gitignore` is not read: an ignored
///    file is imported all the same;
/// 4. bytecode in `__pycache__` of tracked sources (in the code folders and at the top),
///    compared with its source by the job's interpreter (`BytecodeCheck`): Python runs it
///    instead of the source while its header matches.
///
/// Decisions where git's files could mislead (fail closed: "unverifiable", never "clean"):
/// a split or sparse index and any other extension git requires readers to understand, an
/// index without its checksum, a submodule (its code is another checkout's), a commit that is
/// not in the repository's own objects. assume-unchanged and skip-worktree flags are ignored:
/// those files are checked like any other, since Python imports what is on disk. A folder of
/// a tracked path that is a link is not followed: the file counts as modified, as git counts
/// it as deleted. The executable bit is not compared (it does not change what Python runs),
/// and files git would convert (autocrlf, filters) compare as modified: a false "modified",
/// never a false "clean".
enum GitCheckout {
    enum Outcome: Equatable {
        case clean
        /// The differing paths, sorted, each with a note unless its content was edited.
        case modified([String])
        case unverifiable(String)
    }

    /// Tracked files larger than this are not re-hashed; the checkout is then unverifiable.
    static let maximumFileSize = 1 << 30
    /// How many modified paths the fact names before it counts the rest.
    static let namedPaths = 10

    /// Verifies `checkout` (an absolute path read through `context`); `notCode` names
    /// top-level folders whose untracked files are reported by other facts (ComfyUI's
    /// custom_nodes).
    /// Steps 1 to 4; `diagnostics` receives why the bytecode verdicts could not be remembered.
    static func verify(_ checkout: String, commit: String, notCode: Set<String> = [], interpreter: BytecodeCheck.Interpreter?, in context: HostContext, diagnostics: inout [String]) async -> Outcome {
        let started = DistributionDigestCache.now()
        var bytecode: [(pyc: String, source: String)] = []
        let outcome = verifyFiles(checkout, commit: commit, notCode: notCode, bytecode: &bytecode, in: context)
        if case .unverifiable = outcome { return outcome }
        // Bytecode of tracked sources: Python runs it instead of the source while its header
        // matches, so it is compared with the source as for installed distributions
        // (`BytecodeCheck`), its verdicts remembered beside the digest cache.
        let cache = context.digestCacheFolder.map { DistributionDigestCache(cacheFolder: $0, distInfo: context.hostPath(checkout)) }
        var entry = DistributionDigestCache.Entry()
        if let cache {
            let (bytes, note) = cache.load()
            if let note { diagnostics.append(note) }
            if let bytes {
                if let parsed = DistributionDigestCache.parse(bytes, distInfo: cache.distInfo) { entry = parsed } else { diagnostics.append(cache.malformedNote) }
            }
        }
        let compared: BytecodeCheck.Comparison
        switch await BytecodeCheck.compare(bytecode, in: checkout, remembered: entry.bytecode, interpreter: interpreter,
                                           withoutInterpreter: "which interpreter runs the job is not known", started: started, context: context) {
        case .success(let done): compared = done
        case .failure(let failure): return .unverifiable(failure.text)
        }
        if let cache, compared.asked > 0 || compared.known.count != entry.bytecode.count,
           let problem = cache.save(DistributionDigestCache.Entry(bytecode: compared.known)) {
            // Only costs the next run the comparison again.
            diagnostics.append(problem)
        }
        guard !compared.differing.isEmpty else { return outcome }
        var paths: [String] = []
        if case .modified(let found) = outcome { paths = found }
        paths += compared.differing.map { "\($0) (bytecode Python would run instead of its source, and its code differs)" }
        return .modified(paths.sorted())
    }

    /// Steps 1 to 3; `bytecode` receives the `__pycache__` files of tracked sources.
    static func verifyFiles(_ checkout: String, commit: String, notCode: Set<String>, bytecode: inout [(pyc: String, source: String)], in context: HostContext) -> Outcome {
        do throws(GitHeadError) {
            guard let (gitDirectory, commonDirectory) = try GitHead.directories(of: checkout, in: context) else {
                return notACheckout(checkout)
            }
            let hash = try hashKind(commonDirectory, in: context)
            guard commit.utf8.count == hash.length * 2, let commitID = GitObjects.bytes(fromHex: commit.utf8) else {
                return .unverifiable("HEAD's commit \(commit) is not a \(hash == .sha1 ? "SHA-1" : "SHA-256") id, as the repository's object format wants")
            }
            let indexPath = gitDirectory + "/index"
            let index: GitIndex
            let indexModified: (seconds: Int, nanoseconds: Int)
            let indexBytes: [UInt8]
            do throws(FileReadError) {
                // The index's mtime before its bytes: an index rewritten in between is then
                // newer than the time its racily-clean entries are measured against.
                let opened = try context.openRegularFile(indexPath)
                close(opened.descriptor)
                indexModified = (opened.status.mtimeSeconds, opened.status.mtimeNanoseconds)
                indexBytes = try context.readBytes(indexPath, limit: 1 << 30)
            } catch {
                return .unverifiable("cannot read the index: \(error)")
            }
            do throws(GitIndex.Problem) {
                index = try GitIndex.parse(indexBytes, hash: hash)
            } catch {
                return .unverifiable(error.reason)
            }
            let objects = GitObjects(folder: commonDirectory + "/objects", hash: hash, context: context)
            var modified: [String: String] = [:]
            try compareWithCommit(index, commitID: commitID, objects: objects, into: &modified)
            if let reason = try compareWithFiles(index, checkout: checkout, indexModified: indexModified, hash: hash, context: context, into: &modified) {
                return .unverifiable(reason)
            }
            try untracked(checkout, index: index, notCode: notCode, context: context, into: &modified, bytecode: &bytecode)
            if modified.isEmpty { return .clean }
            return .modified(modified.keys.sorted().map { path in modified[path]!.isEmpty ? path : "\(path) (\(modified[path]!))" })
        } catch {
            return .unverifiable(error.reason)
        }
    }

    /// The repository's object format, from its `config` (a repository without one is SHA-1).
    static func hashKind(_ commonDirectory: String, in context: HostContext) throws(GitHeadError) -> GitHashKind {
        let text: String
        do throws(FileReadError) {
            text = try context.readText(commonDirectory + "/config", limit: 1 << 20)
        } catch {
            if case .notFound = error { return .sha1 }
            throw GitHeadError("cannot read the repository's config: \(error)")
        }
        return try GitHashKind.parseConfig(text)
    }

    /// Step 1: the index's tree against the commit's; unmerged and intent-to-add entries are
    /// modifications of their own.
    static func compareWithCommit(_ index: GitIndex, commitID: [UInt8], objects: GitObjects, into modified: inout [String: String]) throws(GitHeadError) {
        let hex = Hex.encode(commitID)
        guard let commit = try objects.read(commitID) else {
            throw GitHeadError("HEAD's commit \(hex) is not in the repository's own objects (a partial clone, or objects borrowed through objects/info/alternates), so its tree cannot be read")
        }
        guard commit.type == .commit, let tree = GitObjects.tree(ofCommit: commit.body, hash: objects.hash) else {
            throw GitHeadError("\(hex) is not a readable commit")
        }
        var merged: [GitIndex.Entry] = []
        for entry in index.entries {
            if entry.stage != 0 {
                modified[entry.path] = "unmerged"
            } else if entry.intentToAdd {
                modified[entry.path] = "added with --intent-to-add"
            } else {
                merged.append(entry)
            }
        }
        let folders = GitTree.folders(of: merged, hash: objects.hash)
        try stagedChanges("", headTree: tree, folders: folders, objects: objects, into: &modified)
    }

    /// The paths under `folder` whose staged entry differs from the commit's tree `headTree`,
    /// walking only into subtrees whose ids differ.
    static func stagedChanges(_ folder: String, headTree: [UInt8], folders: [String: GitTree.Folder], objects: GitObjects, into modified: inout [String: String]) throws(GitHeadError) {
        guard folders[folder]?.id != headTree else { return }
        guard let stored = try objects.read(headTree), stored.type == .tree, let headEntries = GitTree.parse(stored.body, hash: objects.hash) else {
            throw GitHeadError("the commit's tree \(Hex.encode(headTree)) is missing or damaged")
        }
        var staged: [String: GitTree.Entry] = [:]
        for entry in folders[folder]?.entries ?? [] { staged[entry.name] = entry }
        let prefix = folder.isEmpty ? "" : folder + "/"
        for entry in headEntries {
            let path = prefix + entry.name
            guard let mine = staged.removeValue(forKey: entry.name) else {
                if modified[path] == nil { modified[path + (entry.isTree ? "/" : "")] = "deleted from the index" }
                continue
            }
            if mine.isTree && entry.isTree {
                try stagedChanges(path, headTree: entry.id, folders: folders, objects: objects, into: &modified)
            } else if mine != entry {
                modified[path] = "staged"
            }
        }
        for entry in staged.values where modified[prefix + entry.name] == nil {
            modified[prefix + entry.name + (entry.isTree ? "/" : "")] = "staged, not in the commit"
        }
    }

    /// Step 2: each merged entry against the file on disk; the reason when one cannot be decided.
    static func compareWithFiles(_ index: GitIndex, checkout: String, indexModified: (seconds: Int, nanoseconds: Int), hash: GitHashKind, context: HostContext, into modified: inout [String: String]) throws(GitHeadError) -> String? {
        var checkedFolders: [String: String] = [:]
        for entry in index.entries where entry.stage == 0 && !entry.intentToAdd {
            if entry.mode == GitIndex.submoduleMode {
                return "\(entry.path) is a submodule, whose code is another checkout: envlock does not verify submodules"
            }
            if let problem = try leadingFolderProblem(entry.path, checkout: checkout, context: context, checked: &checkedFolders) {
                modified[entry.path] = problem
                continue
            }
            let path = checkout + "/" + entry.path
            let status: FileStatus
            do throws(POSIXFailure) {
                status = try context.linkStatus(path)
            } catch {
                if error.isMissing { modified[entry.path] = "deleted"; continue }
                return "cannot inspect \(context.hostPath(path)): \(error.reason)"
            }
            let isLink = entry.mode == GitIndex.linkMode
            guard isLink ? status.isSymbolicLink : status.isRegularFile else {
                modified[entry.path] = "replaced by \(status.isDirectory ? "a folder" : status.isSymbolicLink ? "a link" : "another kind of file")"
                continue
            }
            if matchesStat(entry, status, indexModified: indexModified) { continue }
            let content: [UInt8]
            do throws(FileReadError) {
                content = isLink ? Array(try context.linkTarget(path).utf8) : try context.readBytes(path, limit: maximumFileSize)
            } catch {
                return "cannot read \(error)"
            }
            // A staged path keeps that note: its file may also differ from the index.
            if hash.objectID(type: "blob", content) != entry.id, modified[entry.path] == nil { modified[entry.path] = "" }
        }
        return nil
    }

    /// Why `path`'s folder is not a real folder of the checkout (it or a folder above it is a
    /// link, a file, or missing), or nil when it is. `checked` remembers each folder's answer
    /// ("" for a real folder), so each is inspected once.
    static func leadingFolderProblem(_ path: String, checkout: String, context: HostContext, checked: inout [String: String]) throws(GitHeadError) -> String? {
        let folder = PythonPath.dirname(path)
        if folder.isEmpty { return nil }
        if let known = checked[folder] { return known.isEmpty ? nil : known }
        var problem = try leadingFolderProblem(folder, checkout: checkout, context: context, checked: &checked) ?? ""
        if problem.isEmpty {
            do throws(POSIXFailure) {
                let status = try context.linkStatus(checkout + "/" + folder)
                problem = status.isDirectory ? "" : status.isSymbolicLink ? "its folder \(folder) is a link, which git does not follow" : "its folder \(folder) is not a folder"
            } catch {
                guard error.isMissing else {
                    throw GitHeadError("cannot inspect \(context.hostPath(checkout + "/" + folder)): \(error.reason)")
                }
                problem = "deleted"
            }
        }
        checked[folder] = problem
        return problem.isEmpty ? nil : problem
    }

    /// Whether the file's stat data are those git recorded, and recorded safely: an entry
    /// whose mtime is not before the index's own second may have changed again within the
    /// timestamp's resolution after git hashed it (racily clean), so it is re-hashed.
    static func matchesStat(_ entry: GitIndex.Entry, _ status: FileStatus, indexModified: (seconds: Int, nanoseconds: Int)) -> Bool {
        guard Int(entry.mtimeSeconds) < indexModified.seconds else { return false }
        return entry.size == UInt32(truncatingIfNeeded: status.size)
            && entry.mtimeSeconds == UInt32(truncatingIfNeeded: status.mtimeSeconds)
            && entry.mtimeNanoseconds == UInt32(truncatingIfNeeded: status.mtimeNanoseconds)
            && entry.ctimeSeconds == UInt32(truncatingIfNeeded: status.ctimeSeconds)
            && entry.ctimeNanoseconds == UInt32(truncatingIfNeeded: status.ctimeNanoseconds)
            && entry.inode == UInt32(truncatingIfNeeded: status.inode)
    }

    /// Files Python imports from a path ending so.
    static func isCode(_ name: String) -> Bool {
        name.hasSuffix(".py") || name.hasSuffix(".pyc") || name.hasSuffix(".so")
    }

    /// Step 3: untracked code at the top and in the code folders.
    static func untracked(_ checkout: String, index: GitIndex, notCode: Set<String>, context: HostContext, into modified: inout [String: String], bytecode: inout [(pyc: String, source: String)]) throws(GitHeadError) {
        var tracked = Set<String>()
        var trackedFolders = Set<String>()
        var codeFolders = Set<String>()
        for entry in index.entries {
            tracked.insert(entry.path)
            var folder = PythonPath.dirname(entry.path)
            if entry.path.hasSuffix(".py"), let top = entry.path.split(separator: "/").first, !folder.isEmpty, !notCode.contains(String(top)) {
                codeFolders.insert(String(top))
            }
            while !folder.isEmpty, trackedFolders.insert(folder).inserted { folder = PythonPath.dirname(folder) }
        }
        func note(_ path: String, _ what: String) {
            if modified[path] == nil { modified[path] = what }
        }
        /// The `.pyc` files in `folder`/__pycache__ (relative to the checkout) whose source is
        /// tracked; a link there is noted, since Python would read through it.
        func compiled(in folder: String) throws(GitHeadError) {
            let cacheFolder = folder.isEmpty ? "__pycache__" : folder + "/__pycache__"
            for entry in try listing(checkout + "/" + cacheFolder, context: context) where entry.name.hasSuffix(".pyc") {
                let path = cacheFolder + "/" + entry.name
                guard let source = BytecodeCheck.sourceOfBytecode(path), tracked.contains(source) else { continue }
                switch try kind(of: entry, in: checkout + "/" + cacheFolder, context: context) {
                case .regularFile: bytecode.append((path, source))
                case .symbolicLink: note(path, "untracked link")
                case .directory, .other, .unknown: note(path, "not a regular file")
                }
            }
        }
        for entry in try listing(checkout, context: context) where entry.name != ".git" && !tracked.contains(entry.name) {
            if entry.name == "__pycache__", try kind(of: entry, in: checkout, context: context) == .directory {
                try compiled(in: "")
                continue
            }
            switch try kind(of: entry, in: checkout, context: context) {
            case .regularFile, .other: if isCode(entry.name) { note(entry.name, "untracked") }
            case .symbolicLink: if isCode(entry.name) || !entry.name.contains(".") { note(entry.name, "untracked link") }
            case .directory:
                guard !trackedFolders.contains(entry.name), !notCode.contains(entry.name) else { continue }
                if context.exists(checkout + "/" + entry.name + "/__init__.py") { note(entry.name + "/", "untracked package") }
            case .unknown: break
            }
        }
        var pending = codeFolders.sorted()
        while let folder = pending.popLast() {
            for entry in try listing(checkout + "/" + folder, context: context) {
                if entry.name == "__pycache__", try kind(of: entry, in: checkout + "/" + folder, context: context) == .directory {
                    try compiled(in: folder)
                    continue
                }
                let path = folder + "/" + entry.name
                guard !tracked.contains(path) else { continue }
                switch try kind(of: entry, in: checkout + "/" + folder, context: context) {
                case .directory: pending.append(path)
                case .symbolicLink: note(path, "untracked link")
                case .regularFile, .other, .unknown: if isCode(entry.name) { note(path, "untracked") }
                }
            }
        }
    }

    static func listing(_ folder: String, context: HostContext) throws(GitHeadError) -> [DirectoryEntry] {
        do throws(FileReadError) {
            return try context.entries(of: folder)
        } catch {
            throw GitHeadError("cannot list \(error)")
        }
    }

    /// The entry's type, from `readdir` or, where it did not say, `lstat`.
    static func kind(of entry: DirectoryEntry, in folder: String, context: HostContext) throws(GitHeadError) -> DirectoryEntry.Kind {
        guard entry.kind == .unknown else { return entry.kind }
        do throws(POSIXFailure) {
            let status = try context.linkStatus(folder + "/" + entry.name)
            return status.isDirectory ? .directory : status.isSymbolicLink ? .symbolicLink : status.isRegularFile ? .regularFile : .other
        } catch {
            throw GitHeadError("cannot inspect \(context.hostPath(folder + "/" + entry.name)): \(error.reason)")
        }
    }

    /// The interpreter that runs `launch`, as the kernel finds it, keyed by its standard
    /// library's folder; nil when envlock cannot say which (the tree is then unverifiable as
    /// soon as it holds bytecode to compare).
    static func interpreter(for launch: JobInvocation.Launch, job: JobInvocation, in context: HostContext) -> BytecodeCheck.Interpreter? {
        guard case .success(let invoked) = JobArgparse.interpreter(for: launch, job: job, in: context),
              case .success(let library) = JobArgparse.standardLibrary(of: invoked, ignoringEnvironment: launch.interpreterHas("E") || launch.interpreterHas("I"), job: job, in: context)
        else { return nil }
        return BytecodeCheck.Interpreter(executable: invoked, key: "stdlib " + library.folder)
    }

    static func notACheckout(_ checkout: String) -> Outcome {
        .unverifiable("\(checkout) is not a git checkout, so its files cannot be compared with a commit: install the app with git clone")
    }

    /// Records `outcome` as the fact `key`: `clean`, or `modified (N files): [the first ten]`
    /// and a count of the rest; unverifiable, as an undetermined key, which fails every rule on it.
    static func record(_ outcome: Outcome, as key: String, facts: inout [String: String], unreadable: inout [String: String]) {
        switch outcome {
        case .clean: facts[key] = "clean"
        case .modified(let paths):
            let more = paths.count > namedPaths ? " and \(paths.count - namedPaths) more" : ""
            facts[key] = "modified (\(paths.count) file\(paths.count == 1 ? "" : "s")): " + FactList.encode(Array(paths.prefix(namedPaths))) + more
        case .unverifiable(let reason):
            unreadable[key] = "undetermined: the checkout cannot be verified against its commit: \(reason)"
        }
    }
}

import EnvLock

/// The commit a git checkout has checked out, read from its `.git` files without running git
/// (git's own layout: `.git` is a folder, or a file `gitdir: PATH` for worktrees and
/// submodules; `HEAD` holds a commit or `ref: refs/heads/NAME`; a ref is a loose file under
/// the git dir, or under the common dir named by `commondir`, or a line of `packed-refs`).
/// Why a checkout's git files could not be read, in words.
struct GitHeadError: Error, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

enum GitHead {
    enum Outcome: Equatable {
        case commit(String)
        /// The folder is not a git checkout.
        case notACheckout
        case unreadable(String)
    }

    /// The folders of `checkout`'s repository: its own git dir (HEAD, the index) and the
    /// common dir (objects, refs, config) it shares with the other worktrees; nil when the
    /// folder is not a git checkout.
    static func directories(of checkout: String, in context: HostContext) throws(GitHeadError) -> (git: String, common: String)? {
        var gitDirectory = checkout + "/.git"
        if !context.exists(gitDirectory) { return nil }
        func read(_ path: String) throws(GitHeadError) -> String {
            do throws(FileReadError) {
                return try context.readText(path, limit: 4096)
            } catch {
                throw GitHeadError("\(error)")
            }
        }
        if !context.isDirectory(gitDirectory) {
            guard let target = parseGitDirPointer(try read(gitDirectory)) else { throw GitHeadError("\(gitDirectory): not a 'gitdir:' file") }
            gitDirectory = target.hasPrefix("/") ? target : checkout + "/" + target
        }
        var common = gitDirectory
        if context.exists(gitDirectory + "/commondir") {
            let named = String(try read(gitDirectory + "/commondir").trimmingWhitespace())
            common = named.hasPrefix("/") ? named : gitDirectory + "/" + named
        }
        return (gitDirectory, common)
    }

    /// The commit checked out in `checkout` (an absolute path read through `context`).
    static func commit(of checkout: String, in context: HostContext) -> Outcome {
        do {
            guard let (gitDirectory, commonDirectory) = try directories(of: checkout, in: context) else { return .notACheckout }
            let head = try context.readText(gitDirectory + "/HEAD", limit: 4096)
            switch parseHead(head) {
            case .commit(let commit): return .commit(commit)
            case .unreadable(let reason): return .unreadable("\(gitDirectory)/HEAD: \(reason)")
            case .notACheckout: return .notACheckout
            case .ref(let ref):
                let directories = commonDirectory == gitDirectory ? [gitDirectory] : [gitDirectory, commonDirectory]
                for directory in directories {
                    if context.exists(directory + "/" + ref) {
                        let text = String(try context.readText(directory + "/" + ref, limit: 4096).trimmingWhitespace())
                        guard isCommit(text) else { return .unreadable("\(directory)/\(ref): not a commit id") }
                        return .commit(text)
                    }
                    if context.exists(directory + "/packed-refs"),
                       let commit = packedRef(ref, in: try context.readText(directory + "/packed-refs")) {
                        return .commit(commit)
                    }
                }
                return .unreadable("HEAD names \(ref), which has no commit (an unborn branch?)")
            }
        } catch let error as GitHeadError {
            return .unreadable(error.reason)
        } catch {
            return .unreadable("\(error)")
        }
    }

    enum Head: Equatable {
        case commit(String)
        case ref(String)
        case unreadable(String)
        case notACheckout
    }

    static func parseHead(_ text: String) -> Head {
        let line = String(text.trimmingWhitespace())
        if line.hasPrefix("ref: ") {
            let ref = String(line.dropFirst(5))
            guard ref.hasPrefix("refs/"), !ref.containsBytes("..") else { return .unreadable("unexpected ref '\(ref)'") }
            return .ref(ref)
        }
        return isCommit(line) ? .commit(line) : .unreadable("neither a commit id nor a ref")
    }

    static func parseGitDirPointer(_ text: String) -> String? {
        let line = String(text.trimmingWhitespace())
        guard line.hasPrefix("gitdir: ") else { return nil }
        return String(line.dropFirst(8))
    }

    /// The commit of `ref` in a `packed-refs` file (`<commit> <ref>` lines; `^` lines peel tags).
    static func packedRef(_ ref: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("^") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[1] == ref, isCommit(String(parts[0])) { return String(parts[0]) }
        }
        return nil
    }

    /// SHA-1 (40) or SHA-256 (64) lowercase hex.
    static func isCommit(_ text: String) -> Bool {
        (text.utf8.count == 40 || text.utf8.count == 64) && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

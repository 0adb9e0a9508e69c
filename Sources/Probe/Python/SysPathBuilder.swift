import EnvLock

/// Builds `sys.path` the way `site.py` does: site folders in order, each followed by the
/// path lines of its `.pth` files (sorted by name), skipping entries already present and
/// path lines naming nothing. `import` lines in .pth files are not executed: those that may
/// change sys.path are collected in `unknowable`, because then only the interpreter can tell
/// what sys.path is.
struct SysPathBuilder {
    let context: HostContext
    var path: [String] = []
    var known: Set<String> = []
    var diagnostics: [String] = []
    /// Why the computed sys.path may not be the one Python builds: `.pth` lines that Python
    /// executes, and `sitecustomize`/`usercustomize` modules that it imports at start-up.
    var unknowable: [String] = []

    init(context: HostContext) {
        self.context = context
    }

    /// A fixed entry (PYTHONPATH, the standard library): kept even if it does not exist, as
    /// Python keeps it.
    mutating func addFixed(_ entry: String) {
        let normalized = PythonPath.normalize(entry)
        if known.insert(normalized).inserted { path.append(normalized) }
    }

    /// `site.addsitedir`: the folder, then its `.pth` files' path lines. Does nothing when the
    /// folder does not exist (site.py checks `isdir` first).
    mutating func addSiteDirectory(_ folder: String) {
        let normalized = PythonPath.normalize(folder)
        guard context.isDirectory(normalized) else { return }
        if known.insert(normalized).inserted { path.append(normalized) }
        let names: [String]
        do {
            // site.py: `.pth` files not starting with a dot, in sorted order.
            names = try context.entries(of: normalized) { name in
                name.first != 0x2E && PythonFiles.hasSuffix(name, ".pth")
            }.map(\.name).sorted()
        } catch {
            diagnostics.append("\(error.description): its .pth files were not read")
            return
        }
        for name in names {
            let pthPath = PythonPath.join(normalized, name)
            let text: String
            do {
                text = try context.readText(pthPath, limit: 1 << 20)
            } catch {
                diagnostics.append("\(error.description): .pth file not read, entries it adds to sys.path may be missing")
                continue
            }
            for line in PthFile.sysPathChangingLines(text) {
                unknowable.append("\(pthPath) has a line Python executes at start-up: \(UntrustedText.quoted(String(line.prefix(120))))")
            }
            for line in PthFile.pathLines(text) {
                let entry = PythonPath.normalize(PythonPath.join(normalized, line))
                if !known.contains(entry) && context.exists(entry) {
                    known.insert(entry)
                    path.append(entry)
                }
            }
        }
    }

    /// Adds to `unknowable` the start-up modules site.py imports from the finished sys.path:
    /// `sitecustomize` and `usercustomize` may change sys.path like an executed `.pth` line.
    mutating func noteStartupModules() {
        for module in ["sitecustomize", "usercustomize"] {
            for entry in path {
                let file = PythonPath.join(entry, module + ".py")
                if context.exists(file) || context.isDirectory(PythonPath.join(entry, module)) {
                    unknowable.append("\(file) is imported by Python at start-up")
                    break
                }
            }
        }
    }

    /// Why this sys.path cannot be trusted without asking the interpreter, or nil.
    var unknowableReason: String? {
        guard let first = unknowable.first else { return nil }
        let more = unknowable.count > 1 ? " (and \(unknowable.count - 1) more)" : ""
        return first + more + ", which may change sys.path"
    }
}

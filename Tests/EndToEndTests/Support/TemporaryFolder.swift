#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under /tmp for one test, with small file helpers.
struct TemporaryFolder {
    let path: String

    init() {
        do {
            path = try TestFiles.scratchFolder()
        } catch {
            preconditionFailure("\(error)")
        }
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` (a path under the folder; missing parent folders are made).
    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o644) -> String {
        writeFile(file(name), text, mode: mode)
    }

    func read(_ name: String) -> String {
        readFile(file(name))
    }
}

/// Writes `text` to `target` with exactly `mode`, making missing parent folders.
@discardableResult
func writeFile(_ target: String, _ text: String, mode: mode_t = 0o644) -> String {
    do {
        try TestFiles.write(Array(text.utf8), to: target, mode: mode)
    } catch {
        preconditionFailure("\(error)")
    }
    return target
}

/// `mkdir -p`.
func makeFolders(_ path: String) {
    TestFiles.makeFolders(path)
}

/// The contents of a file as text ("" when missing: tests compare it with what they expect).
func readFile(_ path: String) -> String {
    (try? TestFiles.text(path)) ?? ""
}

func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}

/// The names in a folder, sorted, without `.` and `..`.
func listFolder(_ path: String) throws -> [String] {
    try TestFiles.names(in: path)
}

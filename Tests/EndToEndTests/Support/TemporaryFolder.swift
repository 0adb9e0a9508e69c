#if canImport(Glibc)
import Glibc
#endif
import Testing

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

/// The argparse.py files of CPython 3.11 that envlock's argparse port is proven against and
/// this machine has: pyenv's 3.11.7, Debian's 3.11.2 (the system python3.11).
func provenPython311() -> (interpreter: String, argparse: String)? {
    let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
    let candidates = [("\(home)/.pyenv/versions/3.11.7/bin/python3.11", "\(home)/.pyenv/versions/3.11.7/lib/python3.11/argparse.py"),
                      ("/usr/bin/python3.11", "/usr/lib/python3.11/argparse.py")]
    guard let found = candidates.first(where: { access($0.0, X_OK) == 0 && access($0.1, R_OK) == 0 }) else {
        Issue.record("no CPython 3.11 on this machine (looked for \(candidates.map(\.0))); the job tests need one")
        return nil
    }
    return (found.0, found.1)
}

/// A real CPython 3.11 as `folder/usr/bin/python3` (a link), for jobs started as `python3`
/// with that folder first on PATH: envlock reads their options with that interpreter's
/// argparse, and the job really runs.
func linkProvenPython(in folder: TemporaryFolder) -> String {
    makeFolders(folder.file("usr/bin"))
    if let python = provenPython311() {
        #expect(symlink(python.interpreter, folder.file("usr/bin/python3")) == 0)
    }
    return folder.file("usr/bin")
}

/// A CPython 3.11 standard library under `folder`'s `usr/` as a probe root would hold one:
/// `usr/bin/python3` (a link to a stand-in `python3.11`: an ELF header, nothing to run), the
/// stdlib landmark `os.py`, and the proven argparse.py copied from this machine, so a job run
/// with `python3` under `--root` has its options read.
func installProvenPython(in folder: TemporaryFolder) {
    guard let python = provenPython311() else { return }
    makeFolders(folder.file("usr/bin"))
    folder.write("usr/bin/python3.11", "\u{7F}ELF stand-in", mode: 0o755)
    #expect(symlink("python3.11", folder.file("usr/bin/python3")) == 0)
    folder.write("usr/lib/python3.11/os.py", "")
    folder.write("usr/lib/python3.11/argparse.py", readFile(python.argparse))
}

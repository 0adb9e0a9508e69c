#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under /tmp for one test, with small file helpers.
struct TemporaryFolder {
    let path: String

    init() {
        var template = Array("/tmp/envlock-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: created!)
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

/// Writes `text` to `target`, making missing parent folders.
@discardableResult
func writeFile(_ target: String, _ text: String, mode: mode_t = 0o644) -> String {
    makeFolders(String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)]))
    let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC, mode)
    precondition(descriptor >= 0, "cannot create \(target)")
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    fchmod(descriptor, mode)
    close(descriptor)
    return target
}

/// `mkdir -p`.
func makeFolders(_ path: String) {
    var prefix = ""
    for part in path.split(separator: "/") {
        prefix += "/" + part
        mkdir(prefix, 0o755)
    }
}

/// The contents of a file as text ("" when missing).
func readFile(_ path: String) -> String {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return "" }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}

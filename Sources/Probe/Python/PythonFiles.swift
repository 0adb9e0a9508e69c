#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// Lexical path arithmetic as Python's `os.path` does it on POSIX (no filesystem access).
enum PythonPath {
    /// `os.path.dirname`: everything before the last `/`, without trailing slashes.
    static func dirname(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        var head = String(path[..<slash])
        if head.isEmpty { return "/" }
        while head.count > 1 && head.hasSuffix("/") { head.removeLast() }
        return head
    }

    /// `os.path.basename`.
    static func basename(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[path.utf8.index(after: slash)...])
    }

    /// `os.path.join` of two parts.
    static func join(_ base: String, _ part: String) -> String {
        if part.hasPrefix("/") || base.isEmpty { return part }
        return base.hasSuffix("/") ? base + part : base + "/" + part
    }

    /// `os.path.normpath`: removes `.`, `..` and doubled slashes.
    static func normalize(_ path: String) -> String {
        // Most paths (every line of torch's RECORD) are normal already; one pass over the
        // bytes says so without splitting and joining.
        isNormal(path) ? path : normalizeComponents(path)
    }

    /// `normalize`, component by component.
    static func normalizeComponents(_ path: String) -> String {
        let isAbsolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !isAbsolute {
                    parts.append(part)
                }
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if isAbsolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Whether `normalize` would return `path` unchanged: not empty, no empty, `.` or `..`
    /// component, no trailing slash (`/` itself is normal).
    static func isNormal(_ path: String) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var length = 0, dots = 0, index = 0
        for byte in path.utf8 {
            if byte == slash {
                // An empty component is allowed only before the leading slash.
                if length == 0 && index != 0 { return false }
                if length > 0 && dots == length && length <= 2 { return false }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == dot { dots += 1 }
            }
            index += 1
        }
        if index == 0 { return false }
        if length == 0 { return index == 1 }
        return !(dots == length && length <= 2)
    }

    /// `os.path.abspath` in a process whose working folder is `workingDirectory` (for
    /// detectors, `HostContext.workingDirectory`).
    static func absolute(_ path: String, from workingDirectory: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        return normalize(join(workingDirectory, path))
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Name matching for the Python detectors' folder listings (`HostContext.entries(of:where:)`),
/// on the raw bytes of a name, which matters in a site-packages of thousands of entries.
enum PythonFiles {
    /// Whether `name` ends with `suffix`, byte for byte.
    static func hasSuffix(_ name: UnsafeRawBufferPointer, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard name.count >= count else { return false }
        let offset = name.count - count
        for index in 0..<count where name[offset + index] != suffix.utf8Start[index] {
            return false
        }
        return true
    }

    /// Whether `name` ends with `suffix`, ASCII letters compared without case (`suffix` is lowercase).
    static func hasSuffixIgnoringCase(_ name: UnsafeRawBufferPointer, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard name.count >= count else { return false }
        let offset = name.count - count
        for index in 0..<count {
            var byte = name[offset + index]
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if byte != suffix.utf8Start[index] { return false }
        }
        return true
    }
}

/// Reads the Name and Version of METADATA / PKG-INFO files, one after another, through one
/// reused buffer; it reads only as far as `PythonMetadata.HeaderScanner` needs.
struct MetadataHeaderReader: ~Copyable {
    private let buffer: UnsafeMutableRawBufferPointer
    static let chunk = 4096
    /// A header larger than this is not a header.
    static let limit = 1 << 20

    init() {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk * 4, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The header of the file `name` in the folder `folder` under the probe root of `context`;
    /// `opened` is that folder from `HostContext.openFolder`, or nil.
    ///
    /// The file is not checked before it is read: a folder, FIFO or device where METADATA should
    /// be fails to read, reads empty or runs past the limit, and only then does `fstat` say
    /// what it is. A regular file with a Name and a Version, nearly every one, costs no `fstat`.
    func header(_ name: String, in folder: String, opened: Int32?, context: HostContext) throws(FileReadError) -> PythonMetadata.Header {
        let fd = try context.openForReading(name, in: folder, opened: opened)
        defer { close(fd) }
        func path() -> String { context.shownPath(name, in: folder, opened: opened) }
        func isNotRegularFile() -> Bool {
            do throws(POSIXFailure) {
                return !(try POSIXFile.status(of: fd)).isRegularFile
            } catch {
                // fstat of an open descriptor fails only on a broken kernel; the reason found
                // by reading then stands.
                return false
            }
        }
        /// `error`, unless the file is not a regular file: that is then the reason.
        func checked(_ error: FileReadError) -> FileReadError { isNotRegularFile() ? .notRegularFile(path: path()) : error }
        var scanner = PythonMetadata.HeaderScanner()
        var pending = 0
        var storage = buffer
        var grown: UnsafeMutableRawBufferPointer?
        defer { grown?.deallocate() }
        while !scanner.isComplete {
            if pending == storage.count {
                guard storage.count < Self.limit else { throw checked(.tooLarge(path: path(), limit: Self.limit)) }
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 4, alignment: 16)
                larger.copyMemory(from: UnsafeRawBufferPointer(storage))
                grown?.deallocate()
                grown = larger
                storage = larger
            }
            let count: Int
            do throws(POSIXFailure) {
                count = try POSIXFile.readSome(fd, into: UnsafeMutableRawBufferPointer(rebasing: storage[pending..<min(pending + Self.chunk, storage.count)]))
            } catch {
                throw checked(FileSystem.error(error.errno, path()))
            }
            pending += count
            let consumed = scanner.consume(UnsafeRawBufferPointer(rebasing: storage[0..<pending]), isEndOfFile: count == 0)
            // Once the scanner is complete, what follows is never read.
            if !scanner.isComplete && consumed > 0 && consumed < pending {
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + consumed, byteCount: pending - consumed)
            }
            pending -= consumed
        }
        let header = scanner.header
        if header.name == nil || header.version == nil, isNotRegularFile() { throw .notRegularFile(path: path()) }
        return header
    }
}

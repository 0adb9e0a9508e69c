// Pure parsers for the files a Python installation is described by: here METADATA / PKG-INFO
// headers; beside it pyvenv.cfg (PyVenvConfig.swift), .pth files (PthFile.swift) and the
// `version.py` modules torch, torchvision and xformers generate (PythonVersionModule.swift).
// None of them touches the filesystem; the detectors read the bytes and hand them here, so
// that tests feed real files byte for byte.

/// Distribution names and the METADATA / PKG-INFO header fields envlock reads.
enum PythonMetadata {
    /// The project name that a `*.dist-info` / `*.egg-info` folder name carries, as
    /// importlib.metadata reads it: the part before the first `-` of the name without its suffix.
    static func nameFromMetadataFolder(_ folder: String) -> String {
        let stem = folder.utf8.lastIndex(of: UInt8(ascii: ".")).map { String(folder[..<$0]) } ?? folder
        return stem.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? stem
    }

    /// The fields of a METADATA or PKG-INFO header that envlock uses.
    struct Header: Sendable, Equatable {
        /// The first `Name:` field, as written.
        public var name: String?
        /// The first `Version:` field, as written (importlib.metadata does not normalize it).
        public var version: String?
        /// Whether a line read (up to both fields, or the end of the header) is not valid UTF-8.
        var hasInvalidUTF8: Bool

        /// A header with these fields.
        init(name: String? = nil, version: String? = nil, hasInvalidUTF8: Bool = false) {
            self.name = name
            self.version = version
            self.hasInvalidUTF8 = hasInvalidUTF8
        }
    }

    /// Incremental reader of an RFC 822 header block, fed the file from its start.
    ///
    /// It stops at the first blank line, at the first line that is not a header (as Python's
    /// email parser does), or as soon as both `Name` and `Version` are known: the first
    /// occurrence of a field is the one `email.message.Message[...]` returns, so nothing later
    /// can change the answer. That is what lets the probe read a few hundred bytes of each
    /// METADATA file instead of the whole long description.
    struct HeaderScanner: Sendable {
        /// What has been read so far.
        private(set) var header = Header()
        /// True once the answer cannot change, whatever follows.
        private(set) var isComplete = false

        /// A scanner at the start of a file.
        init() {}

        /// Consumes the complete lines at the start of `bytes` and returns how many bytes it
        /// consumed; the caller keeps the rest and appends more. With `isEndOfFile`, a last
        /// line without a newline is consumed too.
        mutating func consume(_ bytes: UnsafeRawBufferPointer, isEndOfFile: Bool) -> Int {
            var lineStart = 0
            while !isComplete && lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
                let hasNewline = lineEnd < bytes.count
                if !hasNewline && !isEndOfFile { break }
                var contentEnd = lineEnd
                if contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                take(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<contentEnd]))
                lineStart = hasNewline ? lineEnd + 1 : lineEnd
            }
            if isEndOfFile { isComplete = true }
            return lineStart
        }

        /// Reads a whole header at once (tests and small files).
        static func scan(_ bytes: [UInt8]) -> Header {
            var scanner = HeaderScanner()
            _ = bytes.withUnsafeBytes { scanner.consume($0, isEndOfFile: true) }
            return scanner.header
        }

        private mutating func take(_ line: UnsafeRawBufferPointer) {
            if line.isEmpty {
                isComplete = true
                return
            }
            // importlib.metadata decodes the whole file and fails on any invalid byte; envlock
            // checks every line it reads.
            if !header.hasInvalidUTF8 && line.contains(where: { $0 >= 0x80 }) && String(validating: line, as: UTF8.self) == nil {
                header.hasInvalidUTF8 = true
            }
            let first = line[0]
            // A continuation line belongs to the previous field; neither Name nor Version is
            // ever folded, so it is skipped.
            if first == 0x20 || first == 0x09 { return }
            if line.count >= 5 && line[0] == 0x46 && line[1] == 0x72 && line[2] == 0x6F && line[3] == 0x6D && line[4] == 0x20 { return }
            var colon = 0
            while colon < line.count {
                let byte = line[colon]
                if byte == 0x3A { break }
                // Python's email parser ends the header block at a line that is not `name: value`.
                if byte < 0x21 || byte > 0x7E {
                    isComplete = true
                    return
                }
                colon += 1
            }
            if colon == line.count {
                isComplete = true
                return
            }
            let field = UnsafeRawBufferPointer(rebasing: line[0..<colon])
            let isName = Self.equalsIgnoringCase(field, "name")
            let isVersion = !isName && Self.equalsIgnoringCase(field, "version")
            guard (isName && header.name == nil) || (isVersion && header.version == nil) else { return }
            var valueStart = colon + 1
            while valueStart < line.count && (line[valueStart] == 0x20 || line[valueStart] == 0x09) { valueStart += 1 }
            let raw = UnsafeRawBufferPointer(rebasing: line[valueStart...])
            let value = String(decoding: raw, as: UTF8.self)
            if isName { header.name = value } else { header.version = value }
            if header.name != nil && header.version != nil { isComplete = true }
        }

        private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
            guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
            let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
            for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] {
                return false
            }
            return true
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and a trailing carriage return.
    func trimmingPythonSpaces() -> SubSequence {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return slice
    }
}

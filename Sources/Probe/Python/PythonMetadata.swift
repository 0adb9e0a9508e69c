// Pure parsers for the files a Python installation is described by: METADATA / PKG-INFO
// headers, pyvenv.cfg, .pth files, and the `version.py` modules that torch, torchvision and
// xformers generate at build time. None of them touches the filesystem; the detectors read
// the bytes and hand them here, so that tests feed real files byte for byte.

/// Distribution names and the METADATA / PKG-INFO header fields envlock reads.
public enum PythonMetadata {
    /// The project name that a `*.dist-info` / `*.egg-info` folder name carries, as
    /// importlib.metadata reads it: the part before the first `-` of the name without its suffix.
    public static func nameFromMetadataFolder(_ folder: String) -> String {
        let stem = folder.utf8.lastIndex(of: UInt8(ascii: ".")).map { String(folder[..<$0]) } ?? folder
        return stem.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? stem
    }

    /// The fields of a METADATA or PKG-INFO header that envlock uses.
    public struct Header: Sendable, Equatable {
        /// The first `Name:` field, as written.
        public var name: String?
        /// The first `Version:` field, as written (importlib.metadata does not normalize it).
        public var version: String?
        /// Whether a line read (up to both fields, or the end of the header) is not valid UTF-8.
        public var hasInvalidUTF8: Bool

        /// A header with these fields.
        public init(name: String? = nil, version: String? = nil, hasInvalidUTF8: Bool = false) {
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
    public struct HeaderScanner: Sendable {
        /// What has been read so far.
        public private(set) var header = Header()
        /// True once the answer cannot change, whatever follows.
        public private(set) var isComplete = false

        /// A scanner at the start of a file.
        public init() {}

        /// Consumes the complete lines at the start of `bytes` and returns how many bytes it
        /// consumed; the caller keeps the rest and appends more. With `isEndOfFile`, a last
        /// line without a newline is consumed too.
        public mutating func consume(_ bytes: UnsafeRawBufferPointer, isEndOfFile: Bool) -> Int {
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
        public static func scan(_ bytes: [UInt8]) -> Header {
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

/// The `pyvenv.cfg` of a virtual environment, read as `site.py` reads it.
public struct PyVenvConfig: Sendable, Equatable {
    /// `home`: the folder of the interpreter the environment was made from.
    public var home: String?
    /// `include-system-site-packages`; `site.py` treats a missing key as true.
    public var includeSystemSitePackages: Bool
    /// `version` (venv) or `version_info` (virtualenv), cut to `X.Y.Z[suffix]`.
    public var version: String?
    /// `implementation` (virtualenv writes it, lowercased here); nil for venv.
    public var implementation: String?
    /// `executable` (venv since 3.11): the base interpreter's real path.
    public var baseExecutable: String?

    /// A configuration with these values; the defaults are what site.py assumes for a missing key.
    public init(home: String? = nil, includeSystemSitePackages: Bool = true, version: String? = nil, implementation: String? = nil, baseExecutable: String? = nil) {
        self.home = home
        self.includeSystemSitePackages = includeSystemSitePackages
        self.version = version
        self.implementation = implementation
        self.baseExecutable = baseExecutable
    }

    /// Parses `key = value` lines; keys are case-insensitive, other lines are ignored (as in site.py).
    public static func parse(_ text: String) -> PyVenvConfig {
        var config = PyVenvConfig()
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            guard let equals = rawLine.firstIndex(of: "=") else { continue }
            let key = rawLine[..<equals].trimmingPythonSpaces().lowercased()
            let value = String(rawLine[rawLine.index(after: equals)...].trimmingPythonSpaces())
            switch key {
            case "home": config.home = value
            case "include-system-site-packages": config.includeSystemSitePackages = value.lowercased() == "true"
            case "version": config.version = value
            case "version_info": if config.version == nil { config.version = Self.releaseVersion(fromVersionInfo: value) }
            case "implementation": config.implementation = value.lowercased()
            case "executable": config.baseExecutable = value
            default: break
            }
        }
        return config
    }

    /// `3.11.7` from virtualenv's `3.11.7.final.0`, `3.13.0rc1` from `3.13.0.candidate.1`.
    static func releaseVersion(fromVersionInfo info: String) -> String {
        let parts = info.split(separator: ".")
        guard parts.count >= 5 else { return info }
        let release = parts[0..<3].joined(separator: ".")
        switch parts[3] {
        case "final": return release
        case "alpha": return release + "a" + parts[4]
        case "beta": return release + "b" + parts[4]
        case "candidate": return release + "rc" + parts[4]
        default: return info
        }
    }

    /// `3.11` from `3.11.7`: the `pythonX.Y` folder name part.
    public var majorMinor: String? {
        guard let version else { return nil }
        let parts = version.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        let minor = parts[1].prefix(while: { $0.isNumber })
        guard !minor.isEmpty else { return nil }
        return "\(parts[0]).\(minor)"
    }
}

/// The lines of a `.pth` file that `site.py` adds to `sys.path`.
public enum PthFile {
    /// Path lines, in order, without comments, blank lines and `import` lines (which site.py
    /// executes; envlock never runs them). Each is relative to the site folder unless absolute.
    public static func pathLines(_ text: String) -> [String] {
        var lines: [String] = []
        for rawLine in splitLines(text) {
            if rawLine.hasPrefix("#") { continue }
            if rawLine.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if isExecutable(rawLine) { continue }
            var line = Substring(rawLine)
            while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
            lines.append(String(line))
        }
        return lines
    }

    /// The lines site.py executes at every interpreter start (`import …`) and that may change
    /// sys.path, so that only the interpreter itself can tell what sys.path is. Lines that
    /// installers write and that are known to leave sys.path alone are not listed.
    public static func sysPathChangingLines(_ text: String) -> [String] {
        splitLines(text).filter { isExecutable($0) && !leavesSysPathUnchanged(String($0)) }.map(String.init)
    }

    /// site.py `addpackage`: a line starting with `import ` or `import<TAB>` is passed to exec.
    static func isExecutable(_ line: Substring) -> Bool {
        line.hasPrefix("import ") || line.hasPrefix("import\t")
    }

    /// Whether `line` is, to the letter, one that a common installer writes and that does not
    /// touch sys.path:
    /// - setuptools' `distutils-precedence.pth` (setuptools/_distutils_hack, both defaults it
    ///   has shipped), which installs an import hook for `distutils` only;
    /// - setuptools' PEP 660 editable finder line `import __editable___NAME_finder;
    ///   __editable___NAME_finder.install()` (setuptools/command/editable_wheel.py), which adds
    ///   a meta-path finder for the project's own packages, whose dist-info stays where
    ///   envlock reads it;
    /// - virtualenv's `_virtualenv.pth` (`import _virtualenv`), which patches distutils
    ///   configuration;
    /// - setuptools' namespace-package lines (`*-nspkg.pth`, setuptools/namespaces.py
    ///   `_gen_nspkg_line`), which add a folder to one namespace package's `__path__`.
    /// Anything else, even a line that looks harmless, may change sys.path.
    static func leavesSysPathUnchanged(_ line: String) -> Bool {
        var trimmed = Substring(line)
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        if trimmed == "import _virtualenv" { return true }
        if let namespace = namespacePackage(in: trimmed), trimmed == namespacePackageLine(namespace) { return true }
        for defaultValue in ["local", "stdlib"] {
            let precedence = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, '\(defaultValue)') == 'local'; enabled and __import__('_distutils_hack').add_shim();"
            if trimmed == precedence { return true }
        }
        let prefix = "import __editable___"
        guard trimmed.hasPrefix(prefix) else { return false }
        let rest = trimmed.dropFirst(prefix.count)
        guard let separator = rest.firstRange(of: "_finder; __editable___") else { return false }
        let name = rest[..<separator.lowerBound]
        let isIdentifier = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return isIdentifier && rest[separator.upperBound...] == name + "_finder.install()"
    }

    /// The package a namespace-package line names (`zope` in `sys.modules.setdefault('zope', …`).
    static func namespacePackage(in line: Substring) -> String? {
        let marker = "m = m or sys.modules.setdefault('"
        guard let start = line.firstRange(of: marker)?.upperBound,
              let end = line[start...].firstIndex(of: "'") else { return nil }
        let name = line[start..<end]
        let valid = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }
        return valid ? String(name) : nil
    }

    /// The line setuptools writes for namespace package `package`, to the letter.
    static func namespacePackageLine(_ package: String) -> String {
        let parts = package.split(separator: ".").map { "'\($0)'" }
        let pth = parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
        var statements = [
            "import sys, types, os",
            "has_mfs = sys.version_info > (3, 5)",
            "p = os.path.join(sys._getframe(1).f_locals['sitedir'], *\(pth))",
            "importlib = has_mfs and __import__('importlib.util')",
            "has_mfs and __import__('importlib.machinery')",
            "m = has_mfs and sys.modules.setdefault('\(package)', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('\(package)', [os.path.dirname(p)])))",
            "m = m or sys.modules.setdefault('\(package)', types.ModuleType('\(package)'))",
            "mp = (m or []) and m.__dict__.setdefault('__path__',[])",
            "(p not in mp) and mp.append(p)",
        ]
        if let dot = package.lastIndex(of: ".") {
            statements.append("m and setattr(sys.modules['\(package[..<dot])'], '\(package[package.index(after: dot)...])', m)")
        }
        return statements.joined(separator: ";")
    }

    private static func splitLines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }
}

/// A value assigned at the top level of a generated `version.py`.
public enum PythonLiteral: Sendable, Equatable {
    case string(String)
    case none
    case bool(Bool)
    case integer(String)
    /// Anything else (a call, a name): the expression as written.
    case expression(String)

    /// The fact value as Python prints it: the string itself, `None`, `True`, `False`.
    public var factValue: String {
        switch self {
        case .string(let value): value
        case .none: "None"
        case .bool(let value): value ? "True" : "False"
        case .integer(let value), .expression(let value): value
        }
    }
}

/// The simple assignments of a generated `version.py` (torch, torchvision, xformers).
public enum PythonVersionModule {
    /// Top-level `name = literal` and `name: Type = literal` lines; the first assignment of a
    /// name wins (later ones sit in `if` blocks that only Python can evaluate).
    public static func assignments(_ text: String) -> [String: PythonLiteral] {
        var result: [String: PythonLiteral] = [:]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            guard let first = rawLine.first, first.isLetter || first == "_" else { continue }
            guard let equals = rawLine.firstIndex(of: "=") else { continue }
            var target = rawLine[..<equals]
            if let colon = target.firstIndex(of: ":") { target = target[..<colon] }
            let name = String(target.trimmingPythonSpaces())
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            let afterEquals = rawLine[rawLine.index(after: equals)...]
            // `==` is a comparison, not an assignment.
            if afterEquals.first == "=" { continue }
            if result[name] == nil { result[name] = literal(String(afterEquals.trimmingPythonSpaces())) }
        }
        return result
    }

    static func literal(_ expression: String) -> PythonLiteral {
        var text = Substring(expression)
        if let hash = text.firstIndex(of: "#"), !(text.first == "'" || text.first == "\"") {
            text = text[..<hash].trimmingPythonSpaces()
        }
        if let quote = text.first, quote == "'" || quote == "\"" {
            let body = text.dropFirst()
            if let close = body.firstIndex(of: quote) { return .string(String(body[..<close])) }
            return .expression(String(text))
        }
        switch text {
        case "None": return .none
        case "True": return .bool(true)
        case "False": return .bool(false)
        default:
            if !text.isEmpty && text.allSatisfy(\.isNumber) { return .integer(String(text)) }
            return .expression(String(text))
        }
    }
}

/// CUDA version spellings used by PyTorch wheels and xformers' build metadata.
public enum CUDAVersionText {
    /// `12.1` from xformers' integer `1201`: its setup.py stores nvcc's release as
    /// major * 100 + minor.
    public static func fromInteger(_ value: Int) -> String {
        return "\(value / 100).\(value % 100)"
    }

    /// `12.1` from a wheel's local version tag `cu121`, `11.8` from `cu118`, `9.2` from `cu92`;
    /// nil for other tags (`cpu`, `rocm5.7`).
    public static func fromLocalTag(_ tag: some StringProtocol) -> String? {
        guard tag.hasPrefix("cu") else { return nil }
        let digits = tag.dropFirst(2)
        guard digits.count >= 2, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return "\(digits.dropLast()).\(digits.suffix(1))"
    }

    /// The local version tag of a PEP 440 version (`cu121` from `2.2.0+cu121`), if any.
    public static func localTag(of version: String) -> Substring? {
        guard let plus = version.firstIndex(of: "+") else { return nil }
        return version[version.index(after: plus)...]
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

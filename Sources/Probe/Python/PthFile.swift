/// The lines of a `.pth` file that `site.py` adds to `sys.path`.
public enum PthFile {
    /// Path lines, in order, without comments, blank lines and `import` lines (which site.py
    /// executes; envlock never runs them). Each is relative to the site folder unless absolute.
    static func pathLines(_ text: String) -> [String] {
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
    static func sysPathChangingLines(_ text: String) -> [String] {
        splitLines(text).filter { isExecutable($0) && !leavesSysPathUnchanged(String($0)) }.map(String.init)
    }

    /// The lines of a `.pth` file's bytes as site.py reads them, split where any release splits
    /// them: 3.13 and later take `str.splitlines()` (so `\v`, `\f`, `\x1c`-`\x1e`, U+0085,
    /// U+2028 and U+2029 end a line too), earlier ones only `\n`, `\r\n`, `\r`; splitting at
    /// every one of them only finds more executable lines, never fewer. Decoded as UTF-8 with
    /// an optional BOM (3.13), bytes that are not replaced by U+FFFD, which no known line holds.
    static func lines(_ bytes: [UInt8]) -> [String] {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let separators: Set<Unicode.Scalar> = ["\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}"]
        var result: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in String(decoding: body, as: UTF8.self).unicodeScalars {
            if separators.contains(scalar) {
                if !current.isEmpty { result.append(String(current)) }
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { result.append(String(current)) }
        return result
    }

    /// The lines of a `.pth` file's bytes that site.py may execute: every line it executes in
    /// any CPython 3.10-3.13, and possibly more (scripts/differential/pth_differential.py).
    package static func executableLines(_ bytes: [UInt8]) -> [String] {
        lines(bytes).filter { isExecutable(Substring($0)) }
    }

    /// The lines of a `.pth` file's bytes that site.py executes and that are not, to the
    /// letter, one of the installer lines `leavesSysPathUnchanged` knows.
    static func unknownExecutableLines(_ bytes: [UInt8]) -> [String] {
        executableLines(bytes).filter { $0.contains("\u{FFFD}") || !leavesSysPathUnchanged($0) }
    }

    /// The modules the known installer lines of a `.pth` file import, whose code then runs at
    /// every start: `_virtualenv`, `_distutils_hack`, `__editable___NAME_finder` (namespace
    /// package lines import only the standard library).
    static func modulesImportedByKnownLines(_ bytes: [UInt8]) -> [String] {
        var modules: [String] = []
        for line in executableLines(bytes) where leavesSysPathUnchanged(line) {
            if line.contains("_distutils_hack") { modules.append("_distutils_hack") }
            if line.trimmingWhitespace() == "import _virtualenv" { modules.append("_virtualenv") }
            if line.hasPrefix("import __editable___"), let end = line.firstRange(of: ";") {
                modules.append(String(line[line.index(line.startIndex, offsetBy: "import ".count)..<end.lowerBound]))
            }
        }
        return modules
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
        guard let separator = rest.firstRange(ofBytes: "_finder; __editable___") else { return false }
        let name = rest[..<separator.lowerBound]
        let isIdentifier = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return isIdentifier && rest[separator.upperBound...] == name + "_finder.install()"
    }

    /// The package a namespace-package line names (`zope` in `sys.modules.setdefault('zope', …`).
    static func namespacePackage(in line: Substring) -> String? {
        let marker = "m = m or sys.modules.setdefault('"
        guard let start = line.firstRange(ofBytes: marker)?.upperBound,
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

/// The cuDNN installed system-wide (not the `nvidia-cudnn-cu12` wheel that PyTorch brings),
/// from `cudnn_version.h` (or `cudnn.h` before cuDNN 8), else the version in the file name of
/// `libcudnn.so.X.Y.Z`, under `--root`.
public struct CuDNNSystemDetector: Detector {
    public let name = "cudnn-system"
    let provides = ["cudnn.system"]

    static let headers = [
        "/usr/include/cudnn_version.h",
        "/usr/local/cuda/include/cudnn_version.h",
        "/usr/include/x86_64-linux-gnu/cudnn_version.h",
        "/usr/include/aarch64-linux-gnu/cudnn_version.h",
        "/usr/include/cudnn.h",
        "/usr/local/cuda/include/cudnn.h",
    ]
    static let libraryFolders = [
        "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
        "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda/targets/sbsa-linux/lib",
    ]

    init() {}

    /// Why a cuDNN header could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        var reason: String

        public var description: String { "\(path): \(reason); the cuDNN installation may be damaged" }
    }

    /// `8.9.1` from the header's `#define CUDNN_MAJOR 8`, `CUDNN_MINOR 9`, `CUDNN_PATCHLEVEL 1`.
    public static func parseHeader(_ text: String, path: String) throws(ParseError) -> String {
        var values: [String: Int] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: \.isWhitespace)
            guard words.count >= 3, words[0] == "#define", let value = Int(words[2]) else { continue }
            if ["CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"].contains(words[1]), values[String(words[1])] == nil {
                values[String(words[1])] = value
            }
        }
        guard let major = values["CUDNN_MAJOR"], let minor = values["CUDNN_MINOR"], let patch = values["CUDNN_PATCHLEVEL"] else {
            throw ParseError(path: path, reason: "no numeric CUDNN_MAJOR, CUDNN_MINOR and CUDNN_PATCHLEVEL defines")
        }
        return "\(major).\(minor).\(patch)"
    }

    /// What every name `libraryVersion` accepts starts with.
    static let libraryPrefix = "libcudnn.so."

    /// `9.1.0` from a library file name `libcudnn.so.9.1.0`; nil for `libcudnn.so`,
    /// `libcudnn.so.9` and other libraries.
    public static func libraryVersion(fileName: String) -> String? {
        guard fileName.hasPrefix(libraryPrefix) else { return nil }
        let version = fileName.dropFirst(libraryPrefix.count)
        guard version.split(separator: ".").count == 3, NvidiaProcDetector.isDottedNumber(version) else { return nil }
        return String(version)
    }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        var problems: [String] = []
        for path in Self.headers {
            let text: String
            do {
                text = try context.readText(path)
            } catch {
                if case .notFound = error { continue }
                problems.append(error.description)
                continue
            }
            do {
                return .ok(["cudnn.system": try Self.parseHeader(text, path: path)], diagnostics: problems)
            } catch {
                // cudnn.h of cuDNN 8 and later only includes cudnn_version.h: no version there
                // is normal. A cudnn_version.h without one is damaged.
                if !path.hasSuffix("/cudnn.h") { problems.append(error.description) }
            }
        }
        var found: [(version: String, path: String)] = []
        for folder in Self.libraryFolders {
            let names: [String]
            do {
                // /usr/lib/x86_64-linux-gnu holds thousands of libraries: only names that start
                // with the prefix become Strings and are sorted (as `listDirectory` sorts, so
                // the same file wins a tie), which keeps "no cuDNN here" cheap.
                names = try context.entries(of: folder) { $0.starts(with: Self.libraryPrefix.utf8) }.map(\.name).sorted()
            } catch {
                if case .notFound = error { continue }
                problems.append(error.description)
                continue
            }
            for name in names {
                if let version = Self.libraryVersion(fileName: name) { found.append((version, folder + "/" + name)) }
            }
        }
        if let newest = found.max(by: { Self.numericallyBefore($0.version, $1.version) }) {
            var diagnostics = problems
            let others = Set(found.map(\.version)).subtracting([newest.version])
            if !others.isEmpty {
                diagnostics.append("several cuDNN libraries are installed (\(([newest.version] + others.sorted()).joined(separator: ", "))); reporting the newest, \(newest.path)")
            }
            return .ok(["cudnn.system": newest.version], diagnostics: diagnostics)
        }
        if problems.isEmpty {
            return .absent("no system cuDNN: no cudnn_version.h in /usr/include or /usr/local/cuda/include and no libcudnn.so.X.Y.Z")
        }
        return .failed(problems.joined(separator: "; "))
    }

    static func numericallyBefore(_ left: String, _ right: String) -> Bool {
        let a = left.split(separator: ".").map { Int($0) ?? 0 }
        let b = right.split(separator: ".").map { Int($0) ?? 0 }
        return a.lexicographicallyPrecedes(b)
    }
}

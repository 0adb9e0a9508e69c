/// `host.os.id` and `host.os.version` from os-release, under the probe root.
public struct OSReleaseDetector: Detector {
    public let name = "os-release"
    let provides = ["host.os."]

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        // os-release(5): /etc/os-release wins, /usr/lib/os-release is the fallback.
        var problems: [String] = []
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            do {
                let fields = Self.parse(try context.readText(path, limit: 64 * 1024))
                var facts: [String: String] = [:]
                facts["host.os.id"] = fields["ID"]
                facts["host.os.version"] = fields["VERSION_ID"]
                if facts.isEmpty { return .failed("\(context.hostPath(path)) has neither ID nor VERSION_ID") }
                return .ok(facts)
            } catch .notFound {
                continue
            } catch {
                problems.append(error.description)
            }
        }
        if !problems.isEmpty { return .failed(problems.joined(separator: "; ")) }
        return .absent("neither /etc/os-release nor /usr/lib/os-release exists under \(context.root)")
    }

    /// The `KEY=value` assignments of an os-release file, with shell quoting removed.
    public static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            var value = Substring(line[line.index(after: equals)...])
            if let quote = value.first, quote == "\"" || quote == "'", value.count >= 2, value.last == quote {
                value = value.dropFirst().dropLast()
            }
            var unescaped = ""
            var escaping = false
            for character in value {
                if escaping || character != "\\" {
                    unescaped.append(character)
                    escaping = false
                } else {
                    escaping = true
                }
            }
            fields[key] = unescaped
        }
        return fields
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return Substring("")
        }
        return Substring(self[start...end])
    }
}

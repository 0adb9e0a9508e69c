@testable import Probe
import Testing

/// A fact's source leads to one file: each detector's file and type are named after its
/// `name`, and docs/FACTS.md's table of sources lists every detector with that file.
@Suite struct DetectorLayoutTests {
    static let everyDetector: [any Detector] = Detectors.all + JobDetectors.all(for: nil)

    /// The `| `name` | [`file`](…) |` rows of docs/FACTS.md's "Where each source is read".
    static func documentedFiles() -> [String: String] {
        let document = readText(SharedData.packageRoot + "/docs/FACTS.md")
        guard let start = document.firstRange(of: "## Where each source is read") else { return [:] }
        var files: [String: String] = [:]
        for line in document[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|").map { String($0.trimmingWhitespace()) }
            guard cells.count == 2, cells[0].hasPrefix("`"), let open = cells[1].firstIndex(of: "`") else { continue }
            let rest = cells[1][cells[1].index(after: open)...]
            guard let close = rest.firstIndex(of: "`") else { continue }
            files[String(cells[0].dropFirst().dropLast())] = String(rest[..<close])
        }
        return files
    }

    @Test func everyDetectorIsOneFileNamedAfterIt() {
        let documented = Self.documentedFiles()
        #expect(Set(documented.keys) == Set(Self.everyDetector.map(\.name)), "docs/FACTS.md lists other detectors than Detectors.all and JobDetectors.all")
        for detector in Self.everyDetector {
            let typeName = String(describing: type(of: detector))
            guard let file = documented[detector.name] else { continue }
            let base = file.split(separator: "/").last.map { String($0.dropLast(".swift".count)) } ?? ""
            #expect(typeName == base + "Detector", "\(detector.name): type \(typeName) in \(file)")
            #expect(readText(SharedData.packageRoot + "/" + file).contains("let name = \"\(detector.name)\""), "\(file) does not define the detector \(detector.name)")
        }
    }
}

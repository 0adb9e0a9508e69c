import Probe
#if canImport(Glibc)
import Glibc
#endif

/// `envlock-differential pth`: each input line is one `.pth` file's bytes as hex; each output
/// line is the numbers of the marker lines (`… .append(N)`) envlock finds executable in it,
/// comma-separated, in order. scripts/differential/pth_differential.py runs the same files
/// through `site.addpackage` in every CPython 3.10-3.13 and requires envlock's set to hold
/// every line any of them executed.
enum PthCases {
    static func run(_ arguments: [String]) {
        guard arguments.isEmpty else {
            print("usage: envlock-differential pth < hex-lines")
            exit(64)
        }
        var output = ""
        while let line = readLine(strippingNewline: true) {
            guard let bytes = LiteralCases.decodeHex(line) else {
                print("bad case line: \(line)")
                exit(65)
            }
            let markers = PthFile.executableLines(bytes).compactMap { line -> String? in
                guard let open = line.firstRange(of: ".append("), let close = line[open.upperBound...].firstIndex(of: ")") else { return nil }
                return String(line[open.upperBound..<close])
            }
            output += markers.joined(separator: ",") + "\n"
        }
        print(output, terminator: "")
    }
}

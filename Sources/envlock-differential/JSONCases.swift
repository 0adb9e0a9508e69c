import EnvLock
#if canImport(Glibc)
import Glibc
#endif

/// `envlock-differential json`: envlock's reading of each case file, for
/// scripts/differential/json_differential.py to compare with CPython's.
///
/// Input: one case per line, the file's bytes in hex (an empty line is an empty file).
/// Output: one line per case, in order:
/// - `ok<TAB>CANONICAL<TAB>REPR`: the value, written so that every Python type, every float's
///   exact bits and every string's code points are distinct (`canonical(_:)`), then
///   `PythonRepr.repr` of it (`?` where envlock leaves it undetermined);
/// - `error<TAB>REASON` where Python raises;
/// - `undetermined<TAB>REASON` where the outcome depends on the CPython version or settings.
enum JSONCases {
    static func run(_ arguments: [String]) {
        var output: [UInt8] = []
        for line in readStandardInput().split(separator: 0x0A, omittingEmptySubsequences: false).dropLastIfEmpty() {
            guard let bytes = decodeHex(line) else {
                output += Array("bad-input\n".utf8)
                continue
            }
            var answer: String
            switch PythonJSON.read(bytes) {
            case .value(let value):
                answer = "ok\t" + canonical(value) + "\t" + (PythonRepr.repr(value) ?? "?")
            case .error(let reason):
                answer = "error\t" + reason
            case .undetermined(let reason):
                answer = "undetermined\t" + reason
            }
            output += Array(answer.utf8)
            output.append(0x0A)
        }
        output.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { exit(74) }
                offset += written
            }
        }
    }

    /// The same text json_differential.py's `canonical()` writes for the value Python built.
    static func canonical(_ value: PythonValue) -> String {
        switch value {
        case .none: return "N"
        case .ellipsis: return "E"
        case .bool(let flag): return flag ? "T" : "F"
        case .int(let number): return "i" + number.description
        case .float(let number):
            let bits = String(number.bitPattern, radix: 16)
            return "f" + String(repeating: "0", count: 16 - bits.count) + bits
        case .complex(let real, let imaginary): return "c(" + canonical(.float(real)) + "," + canonical(.float(imaginary)) + ")"
        case .string(let text): return "s(" + text.codePoints.map { String($0, radix: 16) }.joined(separator: ".") + ")"
        case .bytes(let data): return "b(" + data.map { String($0, radix: 16) }.joined(separator: ".") + ")"
        case .list(let items): return "l[" + items.map(canonical).joined(separator: ",") + "]"
        case .tuple(let items): return "t[" + items.map(canonical).joined(separator: ",") + "]"
        case .set(let items): return "S[" + items.map(canonical).joined(separator: ",") + "]"
        case .dict(let entries): return "d{" + entries.map { canonical($0.key) + ":" + canonical($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func readStandardInput() -> [UInt8] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data += chunk[0..<count]
        }
        return data
    }

    static func decodeHex(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        guard line.count % 2 == 0 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.count / 2)
        var index = line.startIndex
        while index < line.endIndex {
            guard let high = nibble(line[index]), let low = nibble(line[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

extension Array where Element == ArraySlice<UInt8> {
    /// The lines of a text that ends with a newline, without the empty piece after it.
    fileprivate func dropLastIfEmpty() -> ArraySlice<ArraySlice<UInt8>> {
        last?.isEmpty == true ? dropLast() : self[...]
    }
}

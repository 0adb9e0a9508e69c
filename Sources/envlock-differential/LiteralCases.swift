import EnvLock
#if canImport(Glibc)
import Glibc
#endif

/// `envlock-differential literal`: each input line is one environment value as hex bytes
/// (an empty line is the empty value); each output line is envlock's `PythonLiteralEvaluator` outcome:
/// `value SERIALIZED`, `error`, or `undetermined REASON`. scripts/differential/literal_differential.py
/// writes the same serialization from CPython's `ast.literal_eval`.
enum LiteralCases {
    static func run(_ arguments: [String]) {
        guard arguments.isEmpty else {
            print("usage: envlock-differential literal < hex-lines")
            exit(64)
        }
        var output = ""
        while let line = readLine(strippingNewline: true) {
            guard let bytes = decodeHex(line) else {
                print("bad case line: \(line)")
                exit(65)
            }
            switch PythonLiteralEvaluator.evaluate(bytes) {
            case .value(let value): output += "value " + serialize(value)
            case .error: output += "error"
            case .undetermined(let why): output += "undetermined " + why.filter { $0 != "\n" }
            }
            output += "\n"
            if output.utf8.count > 1 << 16 {
                print(output, terminator: "")
                output = ""
            }
        }
        print(output, terminator: "")
    }

    static func decodeHex(_ line: String) -> [UInt8]? {
        let digits = Array(line.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: nil
        }
    }

    static func hex(_ value: UInt64, width: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// One canonical text per Python value: its type always, floats as their bits, strings as
    /// code points, set elements sorted (Python's set order is its hash order).
    /// Must match `serialize` in literal_differential.py.
    static func serialize(_ value: PythonValue) -> String {
        switch value {
        case .none: return "None"
        case .ellipsis: return "Ellipsis"
        case .bool(let flag): return flag ? "bool:True" : "bool:False"
        case .int(let int): return "int:" + int.description
        case .float(let double): return "float:" + hex(double.bitPattern, width: 16)
        case .complex(let real, let imaginary):
            return "complex:" + hex(real.bitPattern, width: 16) + ":" + hex(imaginary.bitPattern, width: 16)
        case .string(let text): return "str:" + text.codePoints.map { String($0, radix: 16) }.joined(separator: ".")
        case .bytes(let bytes): return "bytes:" + bytes.map { hex(UInt64($0), width: 2) }.joined()
        case .list(let items): return "list[" + items.map(serialize).joined(separator: ",") + "]"
        case .tuple(let items): return "tuple[" + items.map(serialize).joined(separator: ",") + "]"
        case .set(let items): return "set[" + items.map(serialize).sorted(by: asciiOrder).joined(separator: ",") + "]"
        case .dict(let entries):
            return "dict[" + entries.map { serialize($0.key) + "=>" + serialize($0.value) }.joined(separator: ",") + "]"
        }
    }

    /// Byte order, as Python's `sorted` orders these ASCII strings.
    static func asciiOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}

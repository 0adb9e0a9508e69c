#if canImport(Glibc)
import Glibc
#endif
import EnvLock
import Probe

/// `envlock-differential argparse`: envlock's argparse (`PythonArgparse`) on generated cases.
///
/// `--proven-files` prints `JobArgparse.provenFiles` (SHA-256: minor and revision) as JSON.
/// `--export-tables` prints Fooocus' and ComfyUI's option tables as JSON, from which
/// scripts/differential/argparse_differential.py builds the real `argparse.ArgumentParser`s, so
/// the tables cannot drift apart. Otherwise each line of standard input is one case,
/// `{"app": "fooocus"|"comfyui", "minor": 12, "revision": "separator" (optional: else the minor's
/// first release), "argv": [...], "paths": {path: "directory"|"file"|
/// "missing"|"unreadable"}, "machine": {"database_url": ...}}`, and each line out is envlock's
/// outcome: `{"status": 0, "namespace": {...}}`, `{"status": 2, "message": ...}` or
/// `{"undetermined": reason}`. Values: null, true/false, `{"int": "12"}`, `{"float": bits as 16
/// hex digits}`, `{"str": s}`, `{"enum": [class, value]}`, lists as arrays.
enum ArgparseCases {
    static func run(_ arguments: [String]) {
        if arguments.first == "--export-tables" {
            print("{\"fooocus\": \(export(FooocusOptions.parser)), \"comfyui\": \(export(ComfyUIOptions.parser))}")
            return
        }
        if arguments.first == "--proven-files" {
            // The table envlock trusts, so the script checks each file with the revision it has there.
            let entries = JobArgparse.provenFiles.sorted { $0.key < $1.key }.map { digest, file in
                "\"\(digest)\": {\"minor\": \(file.minor), \"revision\": \"\(file.revision.rawValue)\"}"
            }
            print("{" + entries.joined(separator: ", ") + "}")
            return
        }
        while let line = readLine(strippingNewline: true) {
            if line.isEmpty { continue }
            guard var reader = Optional(JSONReader(Array(line.utf8))), let value = reader.parse(),
                  case .object(let fields) = value,
                  case .string(let app)? = fields["app"], case .number(let minor)? = fields["minor"],
                  case .array(let argv)? = fields["argv"] else {
                print("{\"undetermined\": \"unreadable case\"}")
                continue
            }
            let parser = app == [0x66, 0x6F, 0x6F, 0x6F, 0x63, 0x75, 0x73] ? FooocusOptions.parser : ComfyUIOptions.parser
            var paths: [PythonString: ComfyUIOptions.PathState] = [:]
            if case .object(let entries)? = fields["paths"] {
                for (path, state) in entries {
                    if case .string(let name) = state, let text = PythonString(codePoints: name).swiftString, let known = ComfyUIOptions.PathState(rawValue: text) {
                        paths[PythonString(path)] = known
                    }
                }
            }
            var machine: [String: PythonValue] = [:]
            if case .object(let entries)? = fields["machine"] {
                for (name, value) in entries { if case .string(let text) = value { machine[name] = .string(PythonString(codePoints: text)) } }
            }
            let knownPaths = paths
            let knownMachine = machine
            let host = PythonArgparse.Host(
                call: { function, argument in
                    guard function == ComfyUIOptions.isValidDirectory else { return .undetermined("unknown function \(function)") }
                    return ComfyUIOptions.isValidDirectory(argument, knownPaths[argument] ?? .missing)
                },
                machineDefault: { knownMachine[$0] }
            )
            let strings = argv.compactMap { item -> PythonString? in
                if case .string(let points) = item { return PythonString(codePoints: points) }
                return nil
            }
            let outcome: PythonArgparse.Outcome
            if case .string(let name)? = fields["revision"] {
                guard let revision = PythonString(codePoints: name).swiftString.flatMap(PythonArgparse.Revision.init(rawValue:)) else {
                    print("{\"undetermined\": \"unknown revision\"}")
                    continue
                }
                outcome = parser.parse(strings, revision: revision, host: host)
            } else {
                outcome = parser.parse(strings, python: minor, host: host)
            }
            print(render(outcome, parser))
        }
    }

    static func render(_ outcome: PythonArgparse.Outcome, _ parser: PythonArgparse) -> String {
        switch outcome {
        case .parsed(let namespace):
            let members = namespace.keys.sorted().map { dest in
                let holder = parser.arguments.first { $0.dest == dest }?.holdsEnum
                return quote(PythonString(dest).codePoints) + ": " + canonical(namespace[dest]!, enumClass: holder)
            }
            return "{\"status\": 0, \"namespace\": {" + members.joined(separator: ", ") + "}}"
        case .exits(let status, let message):
            return "{\"status\": \(status), \"message\": \(quote(PythonString(message).codePoints))}"
        case .undetermined(let reason):
            return "{\"undetermined\": \(quote(PythonString(reason).codePoints))}"
        }
    }

    static func canonical(_ value: PythonValue, enumClass: PythonArgparse.EnumClass? = nil) -> String {
        switch value {
        case .none: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let int): return "{\"int\": \"\(int.description)\"}"
        case .float(let double):
            let hex = String(double.bitPattern, radix: 16)
            return "{\"float\": \"\(String(repeating: "0", count: 16 - hex.count) + hex)\"}"
        case .string(let text):
            if let enumClass { return "{\"enum\": [\(quote(PythonString(enumClass.name).codePoints)), \(quote(text.codePoints))]}" }
            return "{\"str\": \(quote(text.codePoints))}"
        case .list(let items): return "[" + items.map { canonical($0, enumClass: enumClass) }.joined(separator: ", ") + "]"
        default: return "{\"unsupported\": \"\(value.typeName)\"}"
        }
    }

    /// A JSON string; every character past ASCII as `\uXXXX` (lone surrogates too).
    static func quote(_ points: [UInt32]) -> String {
        var text = "\""
        func hex4(_ value: UInt32) -> String {
            let digits = String(value, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        for point in points {
            switch point {
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(point)!)
            case 0x10000...:
                let value = point - 0x10000
                text += hex4(0xD800 + (value >> 10)) + hex4(0xDC00 + (value & 0x3FF))
            default: text += hex4(point)
            }
        }
        return text + "\""
    }

    static func export(_ parser: PythonArgparse) -> String {
        func enumJSON(_ enumClass: PythonArgparse.EnumClass) -> String {
            "{\"name\": \(quote(PythonString(enumClass.name).codePoints)), \"members\": [" + enumClass.members.map { "[\(quote(PythonString($0.name).codePoints)), \(quote(PythonString($0.value).codePoints))]" }.joined(separator: ", ") + "]}"
        }
        let arguments = parser.arguments.map { argument -> String in
            var fields: [String] = []
            fields.append("\"flags\": [" + argument.flags.map { quote(PythonString($0).codePoints) }.joined(separator: ", ") + "]")
            fields.append("\"dest\": \(quote(PythonString(argument.dest).codePoints))")
            switch argument.action {
            case .store: fields.append("\"action\": \"store\"")
            case .storeConst: fields.append("\"action\": \"store_const\"")
            case .append: fields.append("\"action\": \"append\"")
            case .help: fields.append("\"action\": \"help\"")
            case .enumAction(let enumClass): fields.append("\"action\": \"enum_action\", \"enum\": \(enumJSON(enumClass))")
            }
            switch argument.nargs {
            case .single, .zero: fields.append("\"nargs\": null")
            default: fields.append("\"nargs\": \"\(argument.nargs.rawValue)\"")
            }
            if let const = argument.const { fields.append("\"const\": \(canonical(const))") }
            switch argument.default {
            case .suppress: fields.append("\"default\": \"SUPPRESS\"")
            case .machine(let name): fields.append("\"default\": {\"machine\": \(quote(PythonString(name).codePoints))}")
            case .value(let value): fields.append("\"default\": \(canonical(value, enumClass: argument.holdsEnum.flatMap { value == .none ? nil : $0 }))")
            }
            switch argument.type {
            case .none: fields.append("\"type\": null")
            case .str: fields.append("\"type\": \"str\"")
            case .int: fields.append("\"type\": \"int\"")
            case .float: fields.append("\"type\": \"float\"")
            case .enumeration(let enumClass): fields.append("\"type\": {\"enum\": \(enumJSON(enumClass))}")
            case .external(let name): fields.append("\"type\": {\"external\": \(quote(PythonString(name).codePoints))}")
            }
            if let choices = argument.choices, argument.holdsEnum == nil {
                fields.append("\"choices\": [" + choices.map { quote(PythonString($0).codePoints) }.joined(separator: ", ") + "]")
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        let groups = parser.mutuallyExclusive.map { "[" + $0.map { quote(PythonString($0).codePoints) }.joined(separator: ", ") + "]" }
        let defaults = parser.setDefaults.map { "[\(quote(PythonString($0.dest).codePoints)), \(canonical($0.value))]" }
        return "{\"arguments\": [" + arguments.joined(separator: ", ") + "], \"mutually_exclusive\": [" + groups.joined(separator: ", ") + "], \"set_defaults\": [" + defaults.joined(separator: ", ") + "]}"
    }
}

/// Just enough JSON for the cases: strings keep lone surrogates as code points.
struct JSONReader {
    enum Value {
        case string([UInt32])
        case number(Int)
        case array([Value])
        case object([String: Value])
        case bool(Bool)
        case null
    }

    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func parse() -> Value? {
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: Value] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard case .string(let key)? = parse() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = parse() else { return nil }
                members[PythonString(codePoints: key).description] = value
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                return nil
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [Value] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                guard let item = parse() else { return nil }
                items.append(item)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                return nil
            }
        case UInt8(ascii: "\""):
            index += 1
            var units: [UInt32] = []
            var raw: [UInt8] = []
            func flush() { units += String(decoding: raw, as: UTF8.self).unicodeScalars.map(\.value); raw = [] }
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    flush()
                    let escape = bytes[index + 1]
                    index += 2
                    switch escape {
                    case UInt8(ascii: "n"): units.append(0x0A)
                    case UInt8(ascii: "t"): units.append(0x09)
                    case UInt8(ascii: "r"): units.append(0x0D)
                    case UInt8(ascii: "b"): units.append(0x08)
                    case UInt8(ascii: "f"): units.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count, let unit = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else { return nil }
                        index += 4
                        units.append(unit)
                    default: units.append(UInt32(escape))
                    }
                } else {
                    raw.append(bytes[index])
                    index += 1
                }
            }
            flush()
            index += 1
            // Join UTF-16 surrogate pairs; a lone surrogate stays one code point.
            var points: [UInt32] = []
            var position = 0
            while position < units.count {
                let unit = units[position]
                if (0xD800...0xDBFF).contains(unit), position + 1 < units.count, (0xDC00...0xDFFF).contains(units[position + 1]) {
                    points.append(0x10000 + ((unit - 0xD800) << 10) + (units[position + 1] - 0xDC00))
                    position += 2
                } else {
                    points.append(unit)
                    position += 1
                }
            }
            return .string(points)
        case UInt8(ascii: "t"): index += 4; return .bool(true)
        case UInt8(ascii: "f"): index += 5; return .bool(false)
        case UInt8(ascii: "n"): index += 4; return .null
        default:
            let start = index
            while index < bytes.count, bytes[index] == UInt8(ascii: "-") || (bytes[index] >= 0x30 && bytes[index] <= 0x39) { index += 1 }
            return Int(String(decoding: bytes[start..<index], as: UTF8.self)).map(Value.number)
        }
    }
}

#if canImport(Glibc)
import Probe
import Glibc
#endif

/// A small, fast pseudo-random generator; reproducible from the seed printed by scripts/fuzz.sh.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Byte-level mutations, with YAML and version tokens that reach the interesting branches.
enum Mutator {
    static let tokens: [[UInt8]] = [
        "&a ", "*a", "!!binary ", "!tag ", "<<: ", "---\n", "...\n", "%YAML 1.1\n", "? ", "- ", ": ", "{", "}", "[", "]",
        "\"", "'", "\\u0000", "\\x", "|\n", ">\n", "~", "null", "yes", "012", "0x1f", "1.10", "\t", "\r\n", "#",
        "envlock: 1\n", "rules:\n", "  ", "==", "===", "~=", ".*", "+cu121", "rc1", ".post1", ".dev0", "!", "1!",
        "\u{FEFF}", "\u{1F602}", "pin: true", "signature:\n", "fingerprint: ",
    ].map { Array($0.utf8) }

    static func mutate(_ input: inout [UInt8], dictionary: [[UInt8]], splice: [[UInt8]], using generator: inout SplitMix64) {
        func random(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(generator.next() % UInt64(bound)) }
        switch random(7) {
        case 0 where !input.isEmpty:
            input[random(input.count)] ^= UInt8(1 << random(8))
        case 1 where !input.isEmpty:
            input[random(input.count)] = UInt8(truncatingIfNeeded: generator.next())
        case 2:
            input.insert(contentsOf: dictionary[random(dictionary.count)], at: random(input.count + 1))
        case 3 where input.count > 1:
            let start = random(input.count)
            input.removeSubrange(start..<min(input.count, start + 1 + random(16)))
        case 4 where !input.isEmpty:
            let start = random(input.count)
            let chunk = Array(input[start..<min(input.count, start + 1 + random(64))])
            input.insert(contentsOf: chunk, at: random(input.count + 1))
        case 5:
            let other = splice[random(splice.count)]
            if !other.isEmpty {
                let start = random(other.count)
                input.insert(contentsOf: other[start..<min(other.count, start + 1 + random(128))], at: random(input.count + 1))
            }
        default:
            if input.count < 1 << 16 { input.append(contentsOf: dictionary[random(dictionary.count)]) }
        }
    }
}

/// The seed files, by target: CORPUS/<target>/*.
enum Corpus {
    static func load(_ folder: String) -> [String: [[UInt8]]] {
        var result: [String: [[UInt8]]] = [:]
        for target in FuzzTargets.all.map(\.name) {
            let path = folder + "/" + target
            guard let names = try? FileSystem.listDirectory(path) else { continue }
            for name in names {
                if let bytes = try? FileSystem.readBytes(path + "/" + name) { result[target, default: []].append(bytes) }
            }
        }
        return result
    }
}

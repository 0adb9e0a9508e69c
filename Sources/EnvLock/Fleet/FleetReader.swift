#if canImport(Glibc)
import Glibc
#endif

/// Reads snapshot documents for `fleet` without building a dictionary per machine: ten
/// thousand snapshots of 300 facts are 3 million strings, and making each a Swift String
/// costs more than the whole grouping. Only the facts that change results are hashed; a
/// machine's facts are materialized only when its group is new or a lock must be evaluated.
struct SnapshotScanner {
    private var impacts = KeyImpactCache()
    private var keyScratch: [UInt8] = []
    private var valueScratch: [UInt8] = []

    /// What one snapshot document holds, as far as grouping needs it.
    struct Scan {
        /// Order-independent hash of the (key, value) pairs that change results.
        var results = ResultsHash()
        /// `host.name`, to name the member.
        var host: String?
        /// Every fact, when asked for.
        var facts: [String: String]?
    }

    /// Reads one snapshot document (a JSON object) at the parser's position.
    mutating func scan(_ parser: inout MinimalJSON.Parser, materializing: Bool) throws(FleetReadProblem) -> Scan {
        do {
            return try scanDocument(&parser, materializing: materializing)
        } catch let syntax as MinimalJSON.SyntaxError {
            throw FleetReadProblem(syntax.description)
        } catch let problem as FleetReadProblem {
            throw problem
        } catch {
            throw FleetReadProblem("\(error)")
        }
    }

    private mutating func scanDocument(_ parser: inout MinimalJSON.Parser, materializing: Bool) throws -> Scan {
        var scan = Scan()
        if materializing { scan.facts = [:] }
        var seen: Set<String> = []
        try parser.expect(UInt8(ascii: "{"))
        parser.skipWhitespace()
        if parser.peek() == UInt8(ascii: "}") { throw FleetReadProblem("missing field 'schema'; this is not an envlock snapshot") }
        while true {
            parser.skipWhitespace()
            let field = try parser.string()
            parser.skipWhitespace()
            try parser.expect(UInt8(ascii: ":"))
            parser.skipWhitespace()
            guard seen.insert(field).inserted else { throw FleetReadProblem("field '\(field)' appears twice") }
            switch field {
            case "schema":
                guard parser.peek() == UInt8(ascii: "\"") else { throw FleetReadProblem("field 'schema' is not a string") }
                let schema = try parser.string()
                guard schema == Snapshot.schema else {
                    throw FleetReadProblem("schema '\(schema)' is not \(Snapshot.schema); this file is not an envlock snapshot")
                }
            case "facts":
                try scanFacts(&parser, into: &scan)
            case "detectors", "findings":
                try parser.skipValue(depth: 0)
            default:
                throw FleetReadProblem("unknown field '\(field)' in the snapshot")
            }
            parser.skipWhitespace()
            guard let next = parser.peek() else { throw parser.error("unterminated object") }
            parser.position += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else { throw parser.error("expected ',' or '}'") }
        }
        guard seen.contains("schema") else { throw FleetReadProblem("missing field 'schema'; this is not an envlock snapshot") }
        // As Snapshot.load: a snapshot without facts is not an empty machine, it is not a snapshot.
        guard seen.contains("facts") else { throw FleetReadProblem("missing field 'facts'") }
        return scan
    }

    private mutating func scanFacts(_ parser: inout MinimalJSON.Parser, into scan: inout Scan) throws {
        try parser.expect(UInt8(ascii: "{"))
        parser.skipWhitespace()
        if parser.peek() == UInt8(ascii: "}") {
            parser.position += 1
            return
        }
        while true {
            parser.skipWhitespace()
            let keyRange = try parser.stringContent(decodingInto: &keyScratch)
            parser.skipWhitespace()
            try parser.expect(UInt8(ascii: ":"))
            parser.skipWhitespace()
            guard parser.peek() == UInt8(ascii: "\"") else {
                throw FleetReadProblem("fact '\(Self.text(keyRange, parser, keyScratch) ?? "?")' is not a string")
            }
            let valueRange = try parser.stringContent(decodingInto: &valueScratch)
            if let keyRange, let valueRange {
                try Self.record(key: UnsafeBufferPointer(rebasing: parser.bytes[keyRange]), value: UnsafeBufferPointer(rebasing: parser.bytes[valueRange]), impacts: &impacts, into: &scan)
            } else {
                // An escaped key or value (rare): the scratch buffers are only read here, and
                // copies share their storage.
                let keyBuffer = keyScratch, valueBuffer = valueScratch
                try Self.withBytes(keyRange, parser, keyBuffer) { key throws in
                    try Self.withBytes(valueRange, parser, valueBuffer) { value throws in
                        try Self.record(key: key, value: value, impacts: &impacts, into: &scan)
                    }
                }
            }
            parser.skipWhitespace()
            guard let next = parser.peek() else { throw parser.error("unterminated object") }
            parser.position += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw parser.error("expected ',' or '}'") }
        }
    }

    private static let hostNameKey = Array("host.name".utf8)

    private static func record(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, impacts: inout KeyImpactCache, into scan: inout Scan) throws {
        if impacts.impact(of: key) == .changesResults { scan.results.add(key: key, value: value) }
        let isHostName = key.count == hostNameKey.count && hostNameKey.withUnsafeBufferPointer { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
        guard isHostName || scan.facts != nil else { return }
        guard let keyText = String(validating: key, as: UTF8.self), let valueText = String(validating: value, as: UTF8.self) else {
            throw FleetReadProblem("a fact key or value is not valid UTF-8")
        }
        if isHostName { scan.host = valueText }
        if scan.facts != nil {
            guard scan.facts!.updateValue(valueText, forKey: keyText) == nil else { throw FleetReadProblem("fact '\(keyText)' appears twice") }
        }
    }

    private static func withBytes<T>(_ range: Range<Int>?, _ parser: MinimalJSON.Parser, _ scratch: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        if let range { return try body(UnsafeBufferPointer(rebasing: parser.bytes[range])) }
        return try scratch.withUnsafeBufferPointer(body)
    }

    private static func text(_ range: Range<Int>?, _ parser: MinimalJSON.Parser, _ scratch: [UInt8]) -> String? {
        if let range { return String(validating: UnsafeBufferPointer(rebasing: parser.bytes[range]), as: UTF8.self) }
        return String(validating: scratch, as: UTF8.self)
    }
}

/// Why one snapshot could not be read.
struct FleetReadProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// An order-independent 128-bit hash of a set of (key, value) pairs: each pair is hashed with
/// two seeds and the results are added, so the order of facts in a document does not matter.
/// The number of pairs is part of it.
struct ResultsHash: Hashable, Sendable {
    private var first: UInt64 = 0
    private var second: UInt64 = 0
    private var count = 0

    mutating func add(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        first &+= ByteHash.pair(key, value, seed: 0x243F_6A88_85A3_08D3)
        second &+= ByteHash.pair(key, value, seed: 0x1319_8A2E_0370_7344)
        count += 1
    }

    /// The same hash from strings (snapshots read as YAML).
    static func of(_ facts: [String: String]) -> ResultsHash {
        var hash = ResultsHash()
        for (key, value) in facts {
            var key = key, value = value
            key.withUTF8 { keyBytes in value.withUTF8 { hash.add(key: keyBytes, value: $0) } }
        }
        return hash
    }
}

/// A fast non-cryptographic 64-bit hash of bytes, eight at a time (for grouping, not for
/// anything an attacker could exploit: the shown group fingerprint is a SHA-256).
enum ByteHash {
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let raw = UnsafeRawBufferPointer(bytes)
        var state = seed ^ (UInt64(raw.count) &* 0x9E37_79B9_7F4A_7C15)
        var offset = 0
        while offset + 8 <= raw.count {
            state = mix(state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        return finalize(mix(state ^ tail))
    }

    static func pair(_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let keyHash = hash(key, seed: seed), valueHash = hash(value, seed: seed ^ 0xA409_3822_299F_31D0)
        return finalize(keyHash ^ ((valueHash << 23) | (valueHash >> 41)) &+ seed)
    }

    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        let product = value &* 0x9E37_79B9_7F4A_7C15
        return product ^ (product >> 29)
    }

    /// MurmurHash3's 64-bit finalizer.
    @inline(__always) static func finalize(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }
}

/// The catalog's impact per key, remembered by the key's bytes so that a fleet's few hundred
/// distinct keys are matched against the catalog once, not once per machine.
struct KeyImpactCache {
    private var slots = [Int32](repeating: -1, count: 1024)
    private var hashes: [UInt64] = []
    private var starts: [Int] = []
    private var lengths: [Int] = []
    private var impacts: [FactImpact] = []
    private var arena: [UInt8] = []

    mutating func impact(of key: UnsafeBufferPointer<UInt8>) -> FactImpact {
        let hash = ByteHash.hash(key, seed: 0)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let entry = Int(slots[slot])
            if hashes[entry] == hash && lengths[entry] == key.count && sameBytes(entry, key) { return impacts[entry] }
            slot = (slot + 1) & mask
        }
        let impact = FactCatalog.impact(of: String(decoding: key, as: UTF8.self))
        slots[slot] = Int32(hashes.count)
        hashes.append(hash)
        starts.append(arena.count)
        lengths.append(key.count)
        impacts.append(impact)
        arena.append(contentsOf: key)
        if hashes.count * 2 > slots.count { grow() }
        return impact
    }

    private func sameBytes(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count > 0 else { return true }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + starts[entry], key.baseAddress!, key.count) == 0 }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for entry in hashes.indices {
            var slot = Int(truncatingIfNeeded: hashes[entry]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}

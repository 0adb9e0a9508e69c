/// The first bytes of an LZ4 block (the raw block format, no frame: what a fat binary entry
/// flagged 0x2000 holds, as ZLUDA's `decompress_lz4` feeds it to `LZ4_decompress_safe`), so
/// that a compressed cubin's ELF header can be read without decompressing the cubin.
///
/// Format from lz4/lz4 `doc/lz4_Block_format.md`: a sequence is a token (high nibble: literal
/// length, low nibble: match length minus 4, 15 meaning "add the following bytes until one is
/// not 255"), the literals, a 2-byte little-endian offset back into the output, then the match
/// extension bytes; the last sequence ends after its literals.
enum LZ4BlockPrefix {
    /// The first `count` decompressed bytes of `block`, or nil when `block` ends first or is
    /// not a valid block (an offset of 0 or before the start of the output).
    static func decode(_ block: [UInt8], count: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var index = 0
        func length(_ nibble: Int) -> Int? {
            var total = nibble
            guard nibble == 15 else { return total }
            while true {
                guard index < block.count else { return nil }
                let byte = Int(block[index])
                index += 1
                total += byte
                // A run longer than any 64-byte prefix needs is cut: only the prefix is used.
                if total > 1 << 20 { return total }
                if byte != 255 { return total }
            }
        }
        while output.count < count {
            guard index < block.count else { return nil }
            let token = Int(block[index])
            index += 1
            guard let literals = length(token >> 4) else { return nil }
            let available = min(literals, block.count - index)
            output += block[index..<(index + available)].prefix(count - output.count)
            guard output.count < count else { break }
            guard available == literals else { return nil }
            index += literals
            guard index + 2 <= block.count else { return nil }
            let offset = Int(block[index]) | Int(block[index + 1]) << 8
            index += 2
            guard offset > 0, offset <= output.count, let match = length(token & 0x0F) else { return nil }
            // The match may overlap what it copies (offset 1 repeats a byte).
            for _ in 0..<min(match + 4, count - output.count) {
                output.append(output[output.count - offset])
            }
        }
        return output
    }
}

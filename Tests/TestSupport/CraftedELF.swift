/// ELF files with CUDA fat binaries built byte by byte for the fat binary reader's tests
/// (ProbeTests, EndToEndTests), laid out as the reader's sources describe them (FatbinReader), with the offsets of every header so
/// that a test can damage exactly one field.
public struct CraftedELF {
    public var bytes: [UInt8]
    /// Where each named section's bytes start.
    public var sectionOffsets: [String: Int]
    /// Where each section's header is in the section header table, by name.
    public var sectionHeaders: [String: Int]
    public var tableOffset: Int

    /// A 64-bit little-endian ELF file holding `sections` in order, then the section name
    /// table, then the section header table (null section first, as linkers write it).
    public init(sections: [(name: String, bytes: [UInt8])]) {
        var file = [UInt8](repeating: 0, count: 64)
        file[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        file[4] = 2
        file[5] = 1
        file[6] = 1
        var names: [UInt8] = [0]
        var headers: [(nameOffset: Int, offset: Int, size: Int)] = []
        var offsets: [String: Int] = [:]
        for section in sections + [(name: ".shstrtab", bytes: [])] {
            while file.count % 8 != 0 { file.append(0) }
            let nameOffset = names.count
            names += Array(section.name.utf8) + [0]
            let body = section.name == ".shstrtab" ? names : section.bytes
            offsets[section.name] = file.count
            headers.append((nameOffset, file.count, body.count))
            file += body
        }
        while file.count % 8 != 0 { file.append(0) }
        let table = file.count
        file += [UInt8](repeating: 0, count: 64)
        var headerOffsets: [String: Int] = [:]
        for (index, header) in headers.enumerated() {
            var entry = [UInt8](repeating: 0, count: 64)
            entry.put32(UInt32(header.nameOffset), at: 0)
            entry.put32(1, at: 4)
            entry.put64(UInt64(header.offset), at: 0x18)
            entry.put64(UInt64(header.size), at: 0x20)
            headerOffsets[index < sections.count ? sections[index].name : ".shstrtab"] = file.count
            file += entry
        }
        file.put64(UInt64(table), at: 0x28)
        file.put16(64, at: 0x3A)
        file.put16(UInt16(headers.count + 1), at: 0x3C)
        file.put16(UInt16(headers.count), at: 0x3E)
        bytes = file
        sectionOffsets = offsets
        sectionHeaders = headerOffsets
        tableOffset = table
    }

    /// One fat binary entry: `kind` 1 (PTX) or 2 (ELF), its 64-byte header (plus `extraHeader`
    /// bytes, as CUDA 12.8+ writes for some entries), then the payload padded to 8 bytes.
    public static func entry(kind: UInt16, arch: UInt32, flags: UInt64 = 0x11, payload: [UInt8] = Array("payload".utf8), extraHeader: Int = 0) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 64 + extraHeader)
        let padded = (payload.count + 7) / 8 * 8
        header.put16(kind, at: 0)
        header.put16(0x0101, at: 2)
        header.put32(UInt32(64 + extraHeader), at: 4)
        header.put64(UInt64(padded), at: 8)
        header.put32(0x0001_0007, at: 24)
        header.put32(arch, at: 28)
        header.put64(flags, at: 40)
        header.put64(UInt64(payload.count), at: 56)
        return header + payload + [UInt8](repeating: 0, count: padded - payload.count)
    }

    /// One fat binary container holding `entries`.
    public static func container(_ entries: [[UInt8]]) -> [UInt8] {
        let body = entries.flatMap { $0 }
        var header = [UInt8](repeating: 0, count: 16)
        header.put32(0xBA55_ED50, at: 0)
        header.put16(1, at: 4)
        header.put16(16, at: 6)
        header.put64(UInt64(body.count), at: 8)
        return header + body
    }

    /// The 64-byte ELF header of a cubin with `eFlags`, as ptxas writes ABI version `abi`.
    public static func cubin(eFlags: UInt32, abi: UInt8) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 64)
        header[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        header[4] = 2
        header[5] = 1
        header[7] = 0x33
        header[8] = abi
        header.put16(190, at: 18)
        header.put32(eFlags, at: 48)
        return header
    }
}

extension [UInt8] {
    public mutating func put16(_ value: UInt16, at index: Int) {
        for byte in 0..<2 { self[index + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }

    public mutating func put32(_ value: UInt32, at index: Int) {
        for byte in 0..<4 { self[index + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }

    public mutating func put64(_ value: UInt64, at index: Int) {
        for byte in 0..<8 { self[index + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }
}

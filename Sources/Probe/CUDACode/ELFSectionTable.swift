/// The sections of a 64-bit little-endian ELF file (every Linux x86_64 and aarch64 library),
/// read from its section header table: a few hundred bytes, whatever the file's size.
///
/// Layout from the System V ABI's "ELF Header" and "Sections" chapters (the generic ABI,
/// gabi 4.1, as `elf(5)` restates it): `e_shoff` at 0x28 (8 bytes), `e_shentsize`,
/// `e_shnum` and `e_shstrndx` at 0x3A, 0x3C, 0x3E (2 bytes each); each 64-byte section header
/// holds `sh_name` at 0, `sh_type` at 4, `sh_offset` at 0x18 and `sh_size` at 0x20. When a
/// file has 0xFF00 sections or more, `e_shnum` is 0 and `e_shstrndx` is 0xFFFF, and section
/// 0's `sh_size` and `sh_link` hold the real values.
enum ELFSectionTable {
    static let headerSize = 64
    static let sectionHeaderSize = 64
    /// `SHT_NOBITS`: a section that occupies no bytes of the file (`.bss`).
    static let noBitsType: UInt32 = 8
    /// More sections than any library has (libtorch_cuda.so has 40): a count above this is
    /// a damaged header, refused before a table of that size is read.
    static let sectionLimit = 1 << 16
    /// The section name table of a real library is a few hundred bytes.
    static let nameTableLimit = 1 << 20

    /// The sections named in `names`, in file order; other sections are not looked at past
    /// their names. A file that is not 64-bit little-endian ELF, or whose table lies outside
    /// it, is an error naming what is wrong.
    static func sections(named names: Set<String>, in file: any LibraryBytes) throws(LibraryReadError) -> [ELFSection] {
        let header = try file.read(at: 0, count: headerSize, what: "the ELF header needs \(headerSize) bytes, the file has \(file.size)")
        guard header[0] == 0x7F, header[1] == UInt8(ascii: "E"), header[2] == UInt8(ascii: "L"), header[3] == UInt8(ascii: "F") else {
            throw .malformed("not an ELF file (no \\x7fELF at its start)")
        }
        guard header[4] == 2, header[5] == 1 else {
            throw .malformed("not a 64-bit little-endian ELF file (class \(header[4]), data encoding \(header[5]))")
        }
        let tableOffset = header.littleEndian64(at: 0x28)
        let entrySize = Int(header.littleEndian16(at: 0x3A))
        var count = Int(header.littleEndian16(at: 0x3C))
        var nameIndex = Int(header.littleEndian16(at: 0x3E))
        guard tableOffset != 0 else { return [] }
        guard entrySize == sectionHeaderSize else {
            throw .malformed("section headers of \(entrySize) bytes, where 64-bit ELF has \(sectionHeaderSize)")
        }
        guard tableOffset <= UInt64(file.size) else {
            throw .truncated("the section header table starts at offset \(tableOffset), past the end of the file (\(file.size) bytes)")
        }
        let start = Int(tableOffset)
        if count == 0 || nameIndex == 0xFFFF {
            let first = try file.read(at: start, count: sectionHeaderSize, what: "the first section header at offset \(start) runs past the end of the file (\(file.size) bytes)")
            if count == 0 {
                let extended = first.littleEndian64(at: 0x20)
                guard extended <= UInt64(sectionLimit) else { throw .tooMany("it declares \(extended) sections, more than \(sectionLimit)") }
                count = Int(extended)
            }
            if nameIndex == 0xFFFF { nameIndex = Int(first.littleEndian32(at: 0x28)) }
        }
        guard count > 0 else { return [] }
        let table = try file.read(at: start, count: count * sectionHeaderSize,
                                  what: "the section header table (\(count) headers at offset \(start)) runs past the end of the file (\(file.size) bytes)")
        guard nameIndex < count else {
            throw .malformed("the section name table is section \(nameIndex), but there are \(count) sections")
        }
        let nameTable = try bytes(of: nameIndex, in: table, file: file, what: "the section name table")
        guard nameTable.size <= nameTableLimit else {
            throw .tooMany("its section name table is \(nameTable.size) bytes, more than \(nameTableLimit)")
        }
        let nameBytes = try file.read(at: nameTable.offset, count: nameTable.size, what: "the section name table")
        var found: [ELFSection] = []
        for index in 0..<count {
            let base = index * sectionHeaderSize
            let nameOffset = Int(table.littleEndian32(at: base))
            guard nameOffset < nameBytes.count else {
                throw .malformed("section \(index) names offset \(nameOffset) of a name table of \(nameBytes.count) bytes")
            }
            let end = nameBytes[nameOffset...].firstIndex(of: 0) ?? nameBytes.count
            let name = String(decoding: nameBytes[nameOffset..<end], as: UTF8.self)
            guard names.contains(name) else { continue }
            var section = try bytes(of: index, in: table, file: file, what: "section \(name)")
            section.name = name
            found.append(section)
        }
        return found
    }

    /// Where section `index`'s bytes lie, checked against the file; a `SHT_NOBITS` section
    /// has none.
    private static func bytes(of index: Int, in table: [UInt8], file: any LibraryBytes, what: String) throws(LibraryReadError) -> ELFSection {
        let base = index * sectionHeaderSize
        if table.littleEndian32(at: base + 4) == noBitsType { return ELFSection(name: "", offset: 0, size: 0) }
        let offset = table.littleEndian64(at: base + 0x18), size = table.littleEndian64(at: base + 0x20)
        guard offset <= UInt64(file.size), size <= UInt64(file.size) - offset else {
            throw .truncated("\(what) (\(size) bytes at offset \(offset)) runs past the end of the file (\(file.size) bytes)")
        }
        return ELFSection(name: "", offset: Int(offset), size: Int(size))
    }
}

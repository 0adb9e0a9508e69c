/// The GPU code in the CUDA fat binaries of an ELF library: the `.nv_fatbin` section (and
/// `__nv_relfatbin`, its relocatable counterpart) holds fat binary containers one after the
/// other, each a 16-byte header and entries, each entry a header and its payload (a cubin
/// or PTX text). Only headers are read, at offsets; payloads are skipped by their sizes.
///
/// NVIDIA documents the container header only (`fatbinary_section.h` of the CUDA toolkit:
/// `magic` 0xBA55ED50, `version` u16, `headerSize` u16, `fatSize` u64, the bytes after the
/// header). The entry header layout is as open tools that read fat binaries without cuobjdump
/// describe it: ZLUDA's `FatbinFileHeader` (vosen/ZLUDA `dark_api/src/fatbin.rs` at commit 6f068f27:
/// kind u16 at 0, 1 = PTX, 2 = ELF; header size u32 at 4; padded payload size at 8;
/// sm version u32 at 28; flags u64 at 40 with 0x2000 LZ4 and 0x8000 zstd compression) and
/// GrigoryEvko/nvopen-tools `fatbin/FORMAT_SPECIFICATION.md` at commit 3b50e20e (the next
/// entry starts at this one plus its header size plus its padded payload size; no
/// terminator). Checked against torch 2.2.0+cu121's libraries with an independent reader
/// (docs/FACTS.md, `cuda_code`): 329 containers in libtorch_cuda.so, every entry 64-byte
/// headed, version 0x0101, flags 0x2011.
///
/// An ELF cubin says in its own header whether it is an architecture-specific build (`sm_90a`):
/// `e_flags` bit 0x800 (`EF_CUDA_ACCELERATORS_V1`, ELF ABI version 7) or bit 0x8
/// (`EF_CUDA_ACCELERATORS`, ABI version 8 from CUDA 13), as LLVM's
/// `llvm/include/llvm/BinaryFormat/ELF.h` names them. Such builds exist from compute
/// capability 9.0 on, so only cubins for sm_90 and later are opened: their ELF header is read
/// as stored, or decompressed from the first bytes of an LZ4 payload (`LZ4BlockPrefix`). A
/// zstd-compressed cubin (flag 0x8000) is counted in `undecodedCubins` and taken as a plain build.
enum FatbinReader {
    static let sectionNames: Set<String> = [".nv_fatbin", "__nv_relfatbin"]
    static let containerMagic: UInt32 = 0xBA55ED50
    static let containerHeaderSize = 16
    static let entryHeaderSize = 64
    /// Entry payload flags: compressed with LZ4 or with zstd.
    static let compressedFlags: UInt64 = lz4Flag | zstdFlag
    static let lz4Flag: UInt64 = 0x2000
    static let zstdFlag: UInt64 = 0x8000
    /// Enough of an LZ4 payload to decompress a 64-byte ELF header from it, literals and all.
    static let compressedHeaderRead = 512
    /// libcublasLt, the largest CUDA library, holds about 5,500 entries; a file declaring more
    /// than this is refused before it costs a read per entry.
    static let entryLimit = 200_000

    /// What one library holds.
    struct Contents: Equatable, Sendable {
        var variants: Set<GPUCodeVariant> = []
        var hasFatbin = false
        /// Entry kinds other than PTX and ELF, with how many: reported, not guessed at.
        var unknownKinds: [UInt16: Int] = [:]
        /// Cubins for sm_90 or later whose ELF header could not be read (zstd, or an LZ4
        /// payload that does not decompress): counted as plain builds, and said so.
        var undecodedCubins = 0
    }

    /// Reads the sections' containers and entries; every size is checked against the section
    /// before anything is read past it.
    static func contents(of file: any LibraryBytes, entryLimit: Int = entryLimit) throws(LibraryReadError) -> Contents {
        var contents = Contents()
        var entries = 0
        for section in try ELFSectionTable.sections(named: sectionNames, in: file) where section.size > 0 {
            contents.hasFatbin = true
            try readSection(section, of: file, into: &contents, entries: &entries, limit: entryLimit)
        }
        return contents
    }

    private static func readSection(_ section: ELFSection, of file: any LibraryBytes, into contents: inout Contents, entries: inout Int, limit: Int) throws(LibraryReadError) {
        let end = section.offset + section.size
        var position = section.offset
        // Containers are 8-byte aligned; fewer than a header's bytes left is the section's padding.
        while end - position >= containerHeaderSize {
            let header = try file.read(at: position, count: containerHeaderSize, what: "the fat binary header at offset \(position)")
            let magic = header.littleEndian32(at: 0)
            guard magic == containerMagic else {
                throw .malformed("\(section.name) has no fat binary header at offset \(position) (magic 0x\(String(magic, radix: 16)), not 0xba55ed50)")
            }
            let headerSize = Int(header.littleEndian16(at: 6))
            let fatSize = header.littleEndian64(at: 8)
            guard headerSize >= containerHeaderSize else {
                throw .malformed("the fat binary at offset \(position) declares a header of \(headerSize) bytes, fewer than \(containerHeaderSize)")
            }
            let room = end - position
            guard headerSize <= room, fatSize <= UInt64(room - headerSize) else {
                throw .malformed("the fat binary at offset \(position) declares \(headerSize) + \(fatSize) bytes, but \(section.name) has \(room) left")
            }
            let containerEnd = position + headerSize + Int(fatSize)
            var entry = position + headerSize
            while containerEnd - entry >= entryHeaderSize {
                entries += 1
                guard entries <= limit else {
                    throw .tooMany("more than \(limit) fat binary entries")
                }
                entry = try readEntry(at: entry, containerEnd: containerEnd, of: file, into: &contents)
            }
            // The next container starts at the next 8-byte boundary.
            position = containerEnd + (8 - containerEnd % 8) % 8
        }
    }

    /// Reads the entry at `offset` and returns where the next one starts.
    private static func readEntry(at offset: Int, containerEnd: Int, of file: any LibraryBytes, into contents: inout Contents) throws(LibraryReadError) -> Int {
        let header = try file.read(at: offset, count: entryHeaderSize, what: "the fat binary entry at offset \(offset)")
        let kind = header.littleEndian16(at: 0)
        let size = Int(header.littleEndian32(at: 4))
        let payload = header.littleEndian64(at: 8)
        let arch = Int(header.littleEndian32(at: 28))
        let flags = header.littleEndian64(at: 40)
        let room = containerEnd - offset
        guard size >= entryHeaderSize else {
            throw .malformed("the fat binary entry at offset \(offset) declares a header of \(size) bytes, fewer than \(entryHeaderSize)")
        }
        guard size <= room, payload <= UInt64(room - size) else {
            throw .malformed("the fat binary entry at offset \(offset) declares \(size) + \(payload) bytes, past its container's end (\(room) bytes left)")
        }
        switch kind {
        case 1, 2:
            guard (10...9999).contains(arch) else {
                throw .malformed("the fat binary entry at offset \(offset) names architecture \(arch)")
            }
            var variant = GPUCodeVariant(kind: kind == 1 ? .ptx : .sass, arch: arch)
            if kind == 2, arch >= 90 {
                if let elf = try cubinHeader(at: offset + size, payload: Int(payload), flags: flags, of: file) {
                    variant.archSpecific = isArchSpecific(elf)
                } else {
                    contents.undecodedCubins += 1
                }
            }
            contents.variants.insert(variant)
        default:
            contents.unknownKinds[kind, default: 0] += 1
        }
        return offset + size + Int(payload)
    }

    /// The first 64 bytes of the cubin whose payload starts at `offset`, decompressed when it
    /// is LZ4; nil when they cannot be had (zstd, a payload that does not decompress).
    private static func cubinHeader(at offset: Int, payload: Int, flags: UInt64, of file: any LibraryBytes) throws(LibraryReadError) -> [UInt8]? {
        let headerSize = ELFSectionTable.headerSize
        if flags & compressedFlags == 0 {
            guard payload >= headerSize else { return nil }
            return try file.read(at: offset, count: headerSize, what: "the cubin at offset \(offset)")
        }
        guard flags & zstdFlag == 0 else { return nil }
        let block = try file.read(at: offset, count: min(payload, compressedHeaderRead), what: "the cubin at offset \(offset)")
        return LZ4BlockPrefix.decode(block, count: headerSize)
    }

    /// Whether a cubin's ELF header marks an architecture-specific build, by its ABI version's
    /// layout of `e_flags`; bytes that are not an ELF header do not.
    static func isArchSpecific(_ elf: [UInt8]) -> Bool {
        guard elf.count >= ELFSectionTable.headerSize, elf[0] == 0x7F, elf[1] == UInt8(ascii: "E"), elf[2] == UInt8(ascii: "L"), elf[3] == UInt8(ascii: "F") else { return false }
        let abiVersion = elf[8]
        let flags = elf.littleEndian32(at: 48)
        return abiVersion >= 8 ? flags & 0x8 != 0 : flags & 0x800 != 0
    }
}

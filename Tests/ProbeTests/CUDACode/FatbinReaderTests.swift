@testable import Probe
import Testing

/// The fat binary reader on crafted ELF files: what valid files hold, and a reason (never a
/// crash or an unbounded read) for every damaged header.
@Suite struct FatbinReaderTests {
    static let text: (name: String, bytes: [UInt8]) = (".text", [UInt8](repeating: 0x90, count: 40))

    static func library(_ containers: [[UInt8]], section: String = ".nv_fatbin") -> CraftedELF {
        CraftedELF(sections: [text, (section, containers.flatMap { $0 })])
    }

    static func read(_ file: CraftedELF, entryLimit: Int = FatbinReader.entryLimit) throws(LibraryReadError) -> FatbinReader.Contents {
        try FatbinReader.contents(of: InMemoryLibrary(bytes: file.bytes), entryLimit: entryLimit)
    }

    static func names(_ contents: FatbinReader.Contents) -> [String] {
        contents.variants.sorted().map(\.name)
    }

    static func failure(_ file: CraftedELF, entryLimit: Int = FatbinReader.entryLimit) -> LibraryReadError? {
        do {
            _ = try read(file, entryLimit: entryLimit)
            return nil
        } catch {
            return error
        }
    }

    @Test func severalContainersAndEntriesGiveEveryArchitecture() throws {
        let file = Self.library([
            CraftedELF.container([
                CraftedELF.entry(kind: 2, arch: 80), CraftedELF.entry(kind: 2, arch: 86, payload: Array(repeating: 7, count: 13)),
                CraftedELF.entry(kind: 1, arch: 80, payload: Array(".version 8.0\n.target sm_80\n".utf8), extraHeader: 16),
            ]),
            CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80), CraftedELF.entry(kind: 2, arch: 120, extraHeader: 48)]),
        ])
        let contents = try Self.read(file)
        #expect(contents.hasFatbin)
        #expect(Self.names(contents) == ["sm_80", "compute_80", "sm_86", "sm_120"])
        #expect(contents.unknownKinds.isEmpty)
    }

    @Test func theRelocatableSectionIsReadToo() throws {
        let contents = try Self.read(Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 75)])], section: "__nv_relfatbin"))
        #expect(Self.names(contents) == ["sm_75"])
    }

    @Test func anUncompressedCubinSaysWhetherItIsArchitectureSpecific() throws {
        let file = Self.library([CraftedELF.container([
            // ABI 7 (CUDA 12): EF_CUDA_ACCELERATORS_V1 0x800 beside the SM in the low byte.
            CraftedELF.entry(kind: 2, arch: 90, payload: CraftedELF.cubin(eFlags: 0x0500_0D5A, abi: 7)),
            // ABI 8 (CUDA 13): EF_CUDA_ACCELERATORS 0x8, the SM in bits 8 to 15.
            CraftedELF.entry(kind: 2, arch: 100, payload: CraftedELF.cubin(eFlags: 0x0600_6408, abi: 8)),
            // A plain sm_89 cubin of each ABI.
            CraftedELF.entry(kind: 2, arch: 89, payload: CraftedELF.cubin(eFlags: 0x0500_0559, abi: 7)),
            CraftedELF.entry(kind: 2, arch: 103, payload: CraftedELF.cubin(eFlags: 0x0600_6700, abi: 8)),
        ])])
        #expect(Self.names(try Self.read(file)) == ["sm_89", "sm_90a", "sm_100a", "sm_103"])
    }

    /// An LZ4 block of `bytes` as literals only (one last sequence), as a compressor may write it.
    static func lz4Literals(_ bytes: [UInt8]) -> [UInt8] {
        var block: [UInt8] = [0xF0]
        var rest = bytes.count - 15
        while rest >= 255 {
            block.append(255)
            rest -= 255
        }
        return block + [UInt8(rest)] + bytes
    }

    @Test func compressedCubinsForSm90AndLaterAreOpenedWhereLZ4AllowsIt() throws {
        let file = Self.library([CraftedELF.container([
            // LZ4 (0x2000): the ELF header is decompressed from the payload's first bytes.
            CraftedELF.entry(kind: 2, arch: 90, flags: 0x2011, payload: Self.lz4Literals(CraftedELF.cubin(eFlags: 0x0500_0D5A, abi: 7) + Array(repeating: 0, count: 100))),
            CraftedELF.entry(kind: 2, arch: 120, flags: 0x2011, payload: Self.lz4Literals(CraftedELF.cubin(eFlags: 0x0600_7800, abi: 8))),
            // zstd (0x8000) is not decompressed: a plain build, counted.
            CraftedELF.entry(kind: 2, arch: 100, flags: 0x8011, payload: [0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3]),
            // An LZ4 payload that does not decompress (a match before any output): counted too.
            CraftedELF.entry(kind: 2, arch: 103, flags: 0x2011, payload: [0x0F, 0x01, 0x00]),
            // Below sm_90 there are no architecture-specific builds: not opened at all.
            CraftedELF.entry(kind: 2, arch: 86, flags: 0x8011, payload: [0x28, 0xB5, 0x2F, 0xFD]),
        ])])
        let contents = try Self.read(file)
        #expect(Self.names(contents) == ["sm_86", "sm_90a", "sm_100", "sm_103", "sm_120"])
        #expect(contents.undecodedCubins == 2)
    }

    @Test func lz4PrefixesWithMatchesAndLongRuns() {
        // "abc", then a 9-byte match at offset 3 (overlapping what it copies), then "x".
        let block: [UInt8] = [0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x78]
        #expect(LZ4BlockPrefix.decode(block, count: 12) == Array("abcabcabcabc".utf8))
        #expect(LZ4BlockPrefix.decode(block, count: 13) == Array("abcabcabcabcx".utf8))
        #expect(LZ4BlockPrefix.decode(block, count: 14) == nil)
        // A literal run of 300 bytes (15 + 255 + 30) cut at 64.
        let long = Self.lz4Literals((0..<300).map { UInt8($0 % 251) })
        #expect(LZ4BlockPrefix.decode(long, count: 64) == (0..<64).map { UInt8($0) })
        // An offset of 0, or one before the start of the output, is not LZ4.
        #expect(LZ4BlockPrefix.decode([0x14, 0x61, 0x00, 0x00], count: 8) == nil)
        #expect(LZ4BlockPrefix.decode([0x14, 0x61, 0x02, 0x00], count: 8) == nil)
        // Extension bytes that never end: the block ends first.
        #expect(LZ4BlockPrefix.decode([0xF0] + Array(repeating: 255, count: 10), count: 8) == nil)
    }

    @Test func ptxOnly() throws {
        let contents = try Self.read(Self.library([CraftedELF.container([CraftedELF.entry(kind: 1, arch: 50), CraftedELF.entry(kind: 1, arch: 80)])]))
        #expect(Self.names(contents) == ["compute_50", "compute_80"])
        #expect(contents.variants.allSatisfy { $0.kind == .ptx })
    }

    @Test func aLibraryWithoutFatBinariesHoldsNoGPUCode() throws {
        let contents = try Self.read(CraftedELF(sections: [Self.text]))
        #expect(!contents.hasFatbin)
        #expect(contents.variants.isEmpty)
    }

    @Test func entriesOfAnotherKindAreCountedNotGuessed() throws {
        let contents = try Self.read(Self.library([CraftedELF.container([CraftedELF.entry(kind: 0x40, arch: 80), CraftedELF.entry(kind: 2, arch: 80)])]))
        #expect(Self.names(contents) == ["sm_80"])
        #expect(contents.unknownKinds == [0x40: 1])
    }

    @Test func aTruncatedELFHeader() {
        let file = CraftedELF(sections: [Self.text])
        let cut = InMemoryLibrary(bytes: Array(file.bytes.prefix(40)))
        #expect(throws: LibraryReadError.truncated("the ELF header needs 64 bytes, the file has 40")) { try FatbinReader.contents(of: cut) }
    }

    @Test func notA64BitLittleEndianELFFile() {
        var file = CraftedELF(sections: [Self.text])
        file.bytes[4] = 1
        #expect(throws: LibraryReadError.malformed("not a 64-bit little-endian ELF file (class 1, data encoding 1)")) { try Self.read(file) }
        var script = file
        script.bytes[0...3] = [0x23, 0x21, 0x2F, 0x62]
        #expect(Self.failure(script) == .malformed("not an ELF file (no \\x7fELF at its start)"))
    }

    @Test func aTruncatedSectionTable() {
        let file = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        var cut = file
        cut.bytes = Array(file.bytes.dropLast(10))
        guard case .truncated(let what)? = Self.failure(cut) else {
            Issue.record("a cut section table was read")
            return
        }
        #expect(what.contains("the section header table (4 headers at offset \(file.tableOffset)) runs past the end of the file"), "\(what)")
    }

    @Test func aSectionPastTheEndOfTheFile() {
        var file = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        let header = file.sectionHeaders[".nv_fatbin"]!
        file.bytes.put64(1 << 40, at: header + 0x18)
        guard case .truncated(let what)? = Self.failure(file) else {
            Issue.record("a section past the end was read")
            return
        }
        #expect(what.hasPrefix("section .nv_fatbin") && what.contains("at offset 1099511627776") && what.contains("runs past the end of the file"), "\(what)")
        // A size that wraps around when added to the offset is refused the same way.
        var wrapping = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        wrapping.bytes.put64(UInt64.max - 8, at: header + 0x20)
        guard case .truncated? = Self.failure(wrapping) else {
            Issue.record("a wrapping section size was read")
            return
        }
    }

    @Test func aFatBinaryLargerThanItsSection() {
        var file = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        let container = file.sectionOffsets[".nv_fatbin"]!
        file.bytes.put64(1 << 50, at: container + 8)
        #expect(Self.failure(file) == .malformed("the fat binary at offset \(container) declares 16 + 1125899906842624 bytes, but .nv_fatbin has 88 left"))
    }

    @Test func anEntryLargerThanItsContainer() {
        var file = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        let entry = file.sectionOffsets[".nv_fatbin"]! + 16
        file.bytes.put64(UInt64.max, at: entry + 8)
        #expect(Self.failure(file) == .malformed("the fat binary entry at offset \(entry) declares 64 + 18446744073709551615 bytes, past its container's end (72 bytes left)"))
    }

    @Test func zeroSizesCannotLoop() {
        var entryOfNothing = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        let container = entryOfNothing.sectionOffsets[".nv_fatbin"]!
        entryOfNothing.bytes.put32(0, at: container + 16 + 4)
        #expect(Self.failure(entryOfNothing) == .malformed("the fat binary entry at offset \(container + 16) declares a header of 0 bytes, fewer than 64"))
        var headerOfNothing = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        headerOfNothing.bytes.put16(0, at: container + 6)
        #expect(Self.failure(headerOfNothing) == .malformed("the fat binary at offset \(container) declares a header of 0 bytes, fewer than 16"))
    }

    @Test func bytesThatAreNotAFatBinary() {
        var file = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        let container = file.sectionOffsets[".nv_fatbin"]!
        file.bytes.put32(0x1EE5_5A01, at: container)
        #expect(Self.failure(file) == .malformed(".nv_fatbin has no fat binary header at offset \(container) (magic 0x1ee55a01, not 0xba55ed50)"))
    }

    @Test func anArchitectureNoGPUHas() {
        let file = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 0)])])
        let entry = file.sectionOffsets[".nv_fatbin"]! + 16
        #expect(Self.failure(file) == .malformed("the fat binary entry at offset \(entry) names architecture 0"))
    }

    @Test func absurdCountsAreRefusedBeforeTheyAreRead() {
        // 65,536 × 64 bytes of section headers would be read for this count: refused first.
        var sections = Self.library([CraftedELF.container([CraftedELF.entry(kind: 2, arch: 80)])])
        sections.bytes.put16(0, at: 0x3C)
        sections.bytes.put64(UInt64(1) << 40, at: sections.tableOffset + 0x20)
        #expect(Self.failure(sections) == .tooMany("it declares 1099511627776 sections, more than 65536"))
        // More entries than the limit: the reader stops at the limit.
        let entries = Self.library([CraftedELF.container((0..<5).map { _ in CraftedELF.entry(kind: 2, arch: 80) })])
        #expect(Self.failure(entries, entryLimit: 4) == .tooMany("more than 4 fat binary entries"))
        #expect(Self.failure(entries, entryLimit: 5) == nil)
        // A section name table of a gigabyte lies past the end of this small file.
        var names = Self.library([])
        names.bytes.put64(1 << 30, at: names.sectionHeaders[".shstrtab"]! + 0x20)
        guard case .truncated? = Self.failure(names) else {
            Issue.record("an absurd name table was read")
            return
        }
    }
}

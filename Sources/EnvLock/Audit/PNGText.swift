import CZlib

/// The text chunks of a PNG file (PNG specification, 11.3.4): `tEXt`, `zTXt` and `iTXt`,
/// compressed or not, wherever they sit among the other chunks. The walk follows each chunk's
/// length and seeks over the rest (image data included); it never reads pixels.
enum PNGText {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
    /// More text than this in one chunk is refused: a ComfyUI workflow is rarely above a few MB.
    static let maxTextBytes = 32 << 20

    static func isPNG(_ head: [UInt8]) -> Bool { head.starts(with: signature) }

    /// Every text chunk as keyword and text. A keyword given twice keeps its last text, as
    /// Pillow's `Image.info` (which Fooocus and ComfyUI read back) does.
    static func textChunks(of image: some ImageBytes) throws(ImageReadError) -> [String: String] {
        var texts: [String: String] = [:]
        try walk(image) { (chunk: PNGChunk) throws(ImageReadError) in
            guard chunk.name == "tEXt" || chunk.name == "zTXt" || chunk.name == "iTXt" else { return }
            guard chunk.length <= maxTextBytes else { throw .malformed("a \(chunk.name) chunk of \(chunk.length) bytes is larger than envlock reads") }
            let (keyword, text) = try decode(chunk.name, try chunk.data(in: image))
            texts[keyword] = text
        }
        return texts
    }

    /// Walks the chunks of a PNG file in order, from IHDR to IEND, handing each to `visit`;
    /// a chunk `visit` does not read is seeked over (its data and CRC never leave the disk).
    /// The one chunk walk of envlock: the audit's text reader and the image decoder
    /// (`PNGImage`) both use it.
    static func walk(_ image: some ImageBytes, _ visit: (PNGChunk) throws(ImageReadError) -> Void) throws(ImageReadError) {
        guard try image.read(at: 0, count: 8, what: "no PNG signature") == signature else { throw .malformed("not a PNG file") }
        var offset = 8
        var sawHeader = false
        while true {
            let header = try image.read(at: offset, count: 8, what: "a chunk header at byte \(offset)")
            let length = Int(header.bigEndian32(at: 0))
            let type = Array(header[4..<8])
            let name = type.latin1
            // The specification limits lengths to 2^31-1; chunk types are four ASCII letters.
            guard length <= Int(Int32.max), type.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw .malformed("a chunk at byte \(offset) has an invalid type or length")
            }
            if !sawHeader {
                guard name == "IHDR" else { throw .malformed("the first chunk is \(UntrustedTextName.safe(name)), not IHDR") }
                sawHeader = true
            }
            if name == "IEND" {
                guard offset + 12 <= image.size else { throw .truncated("the IEND chunk at byte \(offset) runs past the end") }
                return
            }
            // The next header read reports a cut-short file; this says which chunk runs past the end.
            guard offset + 12 + length <= image.size else { throw .truncated("the \(name) chunk at byte \(offset) runs past the end") }
            try visit(PNGChunk(name: name, type: type, offset: offset, length: length))
            offset += 12 + length
        }
    }

    /// One text chunk's keyword and text.
    static func decode(_ type: String, _ data: [UInt8]) throws(ImageReadError) -> (String, String) {
        guard let end = data.firstIndex(of: 0), (1...79).contains(end) else { throw .malformed("a \(type) chunk has no keyword") }
        let keyword = Array(data[0..<end]).latin1
        var rest = Array(data[(end + 1)...])
        switch type {
        case "tEXt":
            return (keyword, rest.latin1)
        case "zTXt":
            guard rest.first == 0 else { throw .malformed("zTXt \(UntrustedTextName.safe(keyword)) uses an unknown compression method") }
            return (keyword, try inflate(Array(rest.dropFirst())).latin1)
        default:
            // iTXt: compression flag, method, language tag NUL, translated keyword NUL, UTF-8 text.
            guard rest.count >= 2 else { throw .malformed("iTXt \(UntrustedTextName.safe(keyword)) is cut short") }
            let compressed = rest[0] == 1
            guard rest[0] <= 1, !compressed || rest[1] == 0 else { throw .malformed("iTXt \(UntrustedTextName.safe(keyword)) has an unknown compression") }
            rest.removeFirst(2)
            for _ in 0..<2 {
                guard let zero = rest.firstIndex(of: 0) else { throw .malformed("iTXt \(UntrustedTextName.safe(keyword)) is cut short") }
                rest.removeFirst(zero + 1)
            }
            let bytes = compressed ? try inflate(rest) : rest
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("iTXt \(UntrustedTextName.safe(keyword)) is not UTF-8") }
            return (keyword, text)
        }
    }

    /// A zlib stream's contents, at most `maxTextBytes`.
    static func inflate(_ compressed: [UInt8]) throws(ImageReadError) -> [UInt8] {
        var capacity = Swift.max(4 * compressed.count, 4096)
        while true {
            capacity = Swift.min(capacity, maxTextBytes)
            var output = [UInt8](repeating: 0, count: capacity)
            var written: UInt = 0
            let status = compressed.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    envlock_inflate(input.baseAddress, UInt(input.count), out.baseAddress, UInt(out.count), &written)
                }
            }
            if status == Z_STREAM_END { return Array(output[0..<Int(written)]) }
            guard status == Z_BUF_ERROR, capacity < maxTextBytes else {
                throw .malformed(status == Z_BUF_ERROR ? "compressed text larger than \(maxTextBytes) bytes" : "damaged compressed text (zlib \(status))")
            }
            capacity *= 4
        }
    }

    /// The CRC-32 of PNG chunks (and zlib's): zlib's table-driven implementation, continued
    /// from `initial` (the CRC of the bytes before these).
    static func crc32(_ bytes: [UInt8], continuing initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(uLong(initial), $0.baseAddress, uInt($0.count))) }
    }
}

/// One chunk of a PNG file: its type and where its data lies.
struct PNGChunk {
    var name: String
    var type: [UInt8]
    /// Where the chunk's length field starts; its data starts 8 bytes later.
    var offset: Int
    var length: Int

    /// The chunk's data, read whole, its CRC checked.
    func data(in image: some ImageBytes) throws(ImageReadError) -> [UInt8] {
        let body = try image.read(at: offset + 8, count: length + 4, what: "the \(name) chunk at byte \(offset)")
        let data = Array(body[0..<length])
        guard PNGText.crc32(data, continuing: PNGText.crc32(type)) == body.bigEndian32(at: length) else {
            throw .malformed("the \(name) chunk at byte \(offset) fails its CRC")
        }
        return data
    }

    /// The chunk's data in pieces of at most `pieceSize` bytes, so that a large chunk (one
    /// IDAT holding a whole image) is never held at once. No piece is handed on before the
    /// CRC is checked: a chunk that fits one piece is read once, a larger one twice (the CRC
    /// over all of it first, then the pieces, from the page cache).
    func pieces(in image: some ImageBytes, pieceSize: Int = 1 << 20, _ take: ([UInt8]) throws(ImageReadError) -> Void) throws(ImageReadError) {
        if length <= pieceSize {
            try take(try data(in: image))
            return
        }
        var crc = PNGText.crc32(type)
        var done = 0
        while done < length {
            let piece = try image.read(at: offset + 8 + done, count: Swift.min(pieceSize, length - done), what: "the \(name) chunk at byte \(offset)")
            crc = PNGText.crc32(piece, continuing: crc)
            done += piece.count
        }
        let stored = try image.read(at: offset + 8 + length, count: 4, what: "the \(name) chunk's CRC at byte \(offset)")
        guard crc == stored.bigEndian32(at: 0) else { throw .malformed("the \(name) chunk at byte \(offset) fails its CRC") }
        done = 0
        while done < length {
            let piece = try image.read(at: offset + 8 + done, count: Swift.min(pieceSize, length - done), what: "the \(name) chunk at byte \(offset)")
            try take(piece)
            done += piece.count
        }
    }
}

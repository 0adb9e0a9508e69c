/// The two EXIF fields Fooocus writes into JPEG and WebP images (`modules/meta_parser.py`
/// `get_exif`): UserComment (0x9286) holds the parameters, MakerNote (0x927C) the scheme name.
/// Pillow stores them in IFD0 as ASCII; the Exif sub-IFD is read too, where EXIF puts them.
struct ExifText: Equatable {
    var userComment: String?
    var makerNote: String?

    static let userCommentTag: UInt16 = 0x9286
    static let makerNoteTag: UInt16 = 0x927C
    static let exifIFDTag: UInt16 = 0x8769
    static let maxSegment = 1 << 20

    static func isJPEG(_ head: [UInt8]) -> Bool { head.starts(with: [0xFF, 0xD8, 0xFF]) }
    static func isWebP(_ head: [UInt8]) -> Bool { head.count >= 12 && head.starts(with: Array("RIFF".utf8)) && Array(head[8..<12]) == Array("WEBP".utf8) }

    /// The EXIF of a JPEG: its markers are walked up to the first scan (SOS) or EOI, reading
    /// only the APP1 segment that starts with `Exif\0\0`. Nil when the image has no EXIF.
    static func jpeg(_ image: some ImageBytes) throws(ImageReadError) -> ExifText? {
        var offset = 2
        while true {
            let marker = try image.read(at: offset, count: 2, what: "a JPEG marker at byte \(offset)")
            guard marker[0] == 0xFF else { throw .malformed("no JPEG marker at byte \(offset)") }
            switch marker[1] {
            case 0xFF:
                offset += 1
                continue
            case 0xD0...0xD7, 0x01:
                offset += 2
                continue
            case 0xDA, 0xD9:
                return nil
            default:
                break
            }
            let lengthBytes = try image.read(at: offset + 2, count: 2, what: "a JPEG segment length at byte \(offset)")
            let length = Int(lengthBytes[0]) << 8 | Int(lengthBytes[1])
            guard length >= 2 else { throw .malformed("a JPEG segment at byte \(offset) has length \(length)") }
            if marker[1] == 0xE1 {
                let data = try image.read(at: offset + 4, count: length - 2, what: "the APP1 segment at byte \(offset)")
                if data.starts(with: Array("Exif".utf8) + [0, 0]) {
                    return try tiff(Array(data.dropFirst(6)))
                }
            }
            offset += 2 + length
        }
    }

    /// The EXIF of a WebP file: its RIFF chunks are walked (each a FourCC, a little-endian
    /// size, the data padded to an even length) to the `EXIF` chunk.
    static func webp(_ image: some ImageBytes) throws(ImageReadError) -> ExifText? {
        var offset = 12
        while offset < image.size {
            let header = try image.read(at: offset, count: 8, what: "a WebP chunk header at byte \(offset)")
            let size = Int(header[4]) | Int(header[5]) << 8 | Int(header[6]) << 16 | Int(header[7]) << 24
            if Array(header[0..<4]) == Array("EXIF".utf8) {
                guard size <= maxSegment else { throw .malformed("a WebP EXIF chunk of \(size) bytes is larger than envlock reads") }
                var data = try image.read(at: offset + 8, count: size, what: "the WebP EXIF chunk at byte \(offset)")
                if data.starts(with: Array("Exif".utf8) + [0, 0]) { data.removeFirst(6) }
                return try tiff(data)
            }
            guard offset + 8 + size <= image.size else { throw .truncated("the WebP chunk at byte \(offset) runs past the end") }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    /// UserComment and MakerNote from a TIFF structure (EXIF 2.32, 4.6.2): IFD0, then the Exif
    /// IFD it points to. Every offset is checked against the data.
    static func tiff(_ data: [UInt8]) throws(ImageReadError) -> ExifText {
        guard data.count >= 8 else { throw .truncated("the EXIF header") }
        let little: Bool
        switch (data[0], data[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: throw .malformed("EXIF with an unknown byte order")
        }
        func u16(_ at: Int) throws(ImageReadError) -> Int {
            guard at >= 0, at + 2 <= data.count else { throw .truncated("EXIF field at byte \(at)") }
            return little ? Int(data[at]) | Int(data[at + 1]) << 8 : Int(data[at]) << 8 | Int(data[at + 1])
        }
        func u32(_ at: Int) throws(ImageReadError) -> Int {
            guard at >= 0, at + 4 <= data.count else { throw .truncated("EXIF field at byte \(at)") }
            let b = data[at..<(at + 4)].map(Int.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
        }
        guard try u16(2) == 42 else { throw .malformed("EXIF without the TIFF marker 42") }
        var result = ExifText()
        var pending = [try u32(4)]
        var visited: Set<Int> = []
        while let ifd = pending.popLast() {
            guard visited.insert(ifd).inserted, visited.count <= 4 else { continue }
            let count = try u16(ifd)
            for index in 0..<count {
                let entry = ifd + 2 + 12 * index
                let tag = UInt16(try u16(entry))
                let type = try u16(entry + 2)
                let valueCount = try u32(entry + 4)
                if tag == exifIFDTag { pending.append(try u32(entry + 8)); continue }
                guard tag == userCommentTag || tag == makerNoteTag else { continue }
                // ASCII (2), BYTE (1) and UNDEFINED (7) are one byte per count.
                guard type == 1 || type == 2 || type == 7 else { throw .malformed("EXIF tag \(tag) has type \(type)") }
                let start = try valueCount <= 4 ? entry + 8 : u32(entry + 8)
                guard start >= 0, valueCount <= data.count, start <= data.count - valueCount else { throw .truncated("EXIF tag \(tag) points past the end") }
                let text = try decodeText(Array(data[start..<(start + valueCount)]), little: little)
                // IFD0 is read first; its value is what Pillow's getexif() returns.
                if tag == userCommentTag { result.userComment = result.userComment ?? text } else { result.makerNote = result.makerNote ?? text }
            }
        }
        return result
    }

    /// ASCII text up to its NUL, or an UNDEFINED UserComment with its 8-byte character code
    /// (`ASCII\0\0\0`, `UNICODE\0` as UTF-16 in the file's byte order, or eight NULs).
    static func decodeText(_ bytes: [UInt8], little: Bool) throws(ImageReadError) -> String {
        var body = bytes
        if bytes.count >= 8 {
            let code = Array(bytes[0..<8])
            if code == Array("UNICODE".utf8) + [0] {
                let units = stride(from: 8, to: bytes.count - 1, by: 2).map { index in
                    little ? UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8 : UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                }
                return String(decoding: units, as: UTF16.self).trimmingNULs
            }
            if code == Array("ASCII".utf8) + [0, 0, 0] || code == [UInt8](repeating: 0, count: 8) { body = Array(bytes.dropFirst(8)) }
        }
        if let end = body.firstIndex(of: 0) { body = Array(body[..<end]) }
        return String(validating: body, as: UTF8.self) ?? body.latin1
    }
}

extension String {
    var trimmingNULs: String {
        var text = self
        while text.last == "\0" { text.removeLast() }
        return text
    }
}

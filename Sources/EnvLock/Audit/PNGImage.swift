import CZlib

/// A PNG image's pixels (PNG specification, ISO/IEC 15948), decoded for `envlock compare`.
///
/// Every colour type and bit depth is read: gray (1, 2, 4, 8, 16 bit), gray with alpha, RGB
/// and RGBA (8 and 16 bit), palette (1, 2, 4, 8 bit, with `tRNS` alpha), Adam7 interlaced or
/// not, all five row filters. Samples keep the image's own channels, as Pillow and NumPy give
/// them to a scikit-image user (`numpy.asarray(Image.open(path))`):
/// - gray below 8 bits is scaled to 0…255 (Pillow's `L` mode: 1 bit is 0 or 255, 2 bit ×85,
///   4 bit ×17); 8-bit images have `maxValue` 255, 16-bit ones 65535;
/// - a palette is expanded to RGB, or to RGBA when a `tRNS` chunk gives it alpha;
/// - a `tRNS` colour key of a gray or RGB image is not turned into alpha: the pixel values are
///   what is compared.
///
/// The chunks are walked by the audit's reader (`PNGText.walk`), every chunk read has its CRC
/// checked, and the image data is inflated as it is read, row by row, into the samples: no
/// copy of the compressed or inflated stream is ever held whole. Dimensions whose samples
/// would exceed `maxSamples` are refused from the header, before anything is inflated, and
/// inflating stops as soon as the stream gives more bytes than the header's rows hold, so a
/// decompression bomb costs no more than a genuine image of its declared size.
public struct PNGImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 gray, 2 gray and alpha, 3 RGB, 4 RGBA.
    var channels: Int
    /// 255 or 65535.
    var maxValue: Int
    /// `width * height * channels` samples, row by row, channels interleaved.
    var samples: [UInt16]
    /// The file's colour type and depth in words (`RGB 8-bit`, `palette 4-bit with tRNS`, `interlaced`).
    var format: String

    public init(width: Int, height: Int, channels: Int, maxValue: Int, samples: [UInt16], format: String) {
        self.width = width
        self.height = height
        self.channels = channels
        self.maxValue = maxValue
        self.samples = samples
        self.format = format
    }

    /// The most samples (pixels times channels) one image may hold: 2^24, 32 MiB of 16-bit
    /// samples, so that two images compared hold at most 64 MiB (a 2048x2048 RGBA image, a
    /// 2364x2364 RGB one). Larger dimensions are refused before any pixel is inflated.
    static let maxSamples = 1 << 24

    /// Decodes the PNG file at `path`.
    public static func decode(path: String) throws(ImageReadError) -> PNGImage {
        try decode(ImageFile(path: path))
    }

    /// Decodes a PNG image held in memory (tests, the fuzzer).
    public static func decode(bytes: [UInt8]) throws(ImageReadError) -> PNGImage {
        try decode(InMemoryImage(bytes: bytes))
    }

    static func decode(_ image: some ImageBytes) throws(ImageReadError) -> PNGImage {
        var header: PNGHeader?
        var palette: [UInt8]?
        var paletteAlpha: [UInt8]?
        var decoder: PNGRowDecoder?
        var dataEnded = false
        try PNGText.walk(image) { (chunk: PNGChunk) throws(ImageReadError) in
            switch chunk.name {
            case "IHDR":
                guard header == nil else { throw .malformed("a second IHDR chunk at byte \(chunk.offset)") }
                header = try PNGHeader(try chunk.data(in: image))
            case "PLTE":
                guard chunk.length <= 768, chunk.length % 3 == 0, chunk.length > 0, decoder == nil else {
                    throw .malformed("the PLTE chunk at byte \(chunk.offset) is not 1 to 256 colours before the image data")
                }
                palette = try chunk.data(in: image)
            case "tRNS":
                guard let header, header.colorType == 3 else { return }
                guard chunk.length <= 256, decoder == nil else { throw .malformed("the tRNS chunk at byte \(chunk.offset) is not a palette's alpha before the image data") }
                paletteAlpha = try chunk.data(in: image)
            case "IDAT":
                guard let header else { throw .malformed("image data before IHDR") }
                guard !dataEnded else { throw .malformed("an IDAT chunk at byte \(chunk.offset) after other chunks ended the image data") }
                if decoder == nil {
                    if header.colorType == 3 {
                        guard let palette else { throw .malformed("a palette image without a PLTE chunk") }
                        decoder = try PNGRowDecoder(header: header, palette: palette, paletteAlpha: paletteAlpha)
                    } else {
                        decoder = try PNGRowDecoder(header: header, palette: nil, paletteAlpha: nil)
                    }
                }
                try chunk.pieces(in: image) { (piece: [UInt8]) throws(ImageReadError) in try decoder!.inflate(piece) }
            default:
                // IDAT chunks must be consecutive; any other chunk after them ends the data.
                if decoder != nil { dataEnded = true }
                // A critical chunk (upper-case first letter) envlock does not know changes the image's meaning.
                if let first = chunk.type.first, (65...90).contains(first), chunk.name != "IEND" {
                    throw .malformed("an unknown critical chunk \(UntrustedTextName.safe(chunk.name)) at byte \(chunk.offset)")
                }
            }
        }
        guard let decoder else { throw .malformed("no image data (IDAT)") }
        return try decoder.finish()
    }
}

/// The IHDR chunk, checked.
struct PNGHeader {
    var width: Int
    var height: Int
    var bitDepth: Int
    var colorType: Int
    var interlaced: Bool

    init(_ data: [UInt8]) throws(ImageReadError) {
        guard data.count == 13 else { throw .malformed("the IHDR chunk is \(data.count) bytes, not 13") }
        width = Int(data.bigEndian32(at: 0))
        height = Int(data.bigEndian32(at: 4))
        bitDepth = Int(data[8])
        colorType = Int(data[9])
        guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height) else {
            throw .malformed("the image is \(width)x\(height) pixels")
        }
        let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[colorType], depths.contains(bitDepth) else {
            throw .malformed("colour type \(colorType) with bit depth \(bitDepth) is not a PNG format")
        }
        guard data[10] == 0, data[11] == 0, data[12] <= 1 else { throw .malformed("unknown compression, filter or interlace method in IHDR") }
        interlaced = data[12] == 1
        // Each side at most 2^24 first, so that the product cannot overflow.
        guard width <= PNGImage.maxSamples, height <= PNGImage.maxSamples, width * height * outputChannels <= PNGImage.maxSamples else {
            throw .tooLarge("\(width)x\(height) pixels of \(outputChannels) channels is more than the \(PNGImage.maxSamples) samples envlock compares")
        }
    }

    /// Samples per pixel in the file (a palette index is one).
    var fileChannels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
    /// Samples per pixel once decoded (a palette as RGBA, since tRNS may come; trimmed later).
    var outputChannels: Int { colorType == 3 ? 4 : fileChannels }
    var bitsPerPixel: Int { fileChannels * bitDepth }
    /// The byte distance the filters look back (at least one byte).
    var filterStride: Int { Swift.max(1, bitsPerPixel / 8) }
    func rowBytes(_ pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }

    /// Adam7's passes (first column, first row, column step, row step), or the whole image.
    var passes: [(x: Int, y: Int, dx: Int, dy: Int)] {
        interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
    }
}

/// Inflates IDAT data into filtered rows and turns each row, unfiltered, into samples.
final class PNGRowDecoder {
    let header: PNGHeader
    let palette: [UInt16]
    let hasPaletteAlpha: Bool
    var samples: [UInt16]
    var stream: UnsafeMutablePointer<z_stream>
    var streamEnded = false
    /// The pass being filled and its row.
    var pass = 0
    var row = 0
    var passWidth = 0
    var passHeight = 0
    /// The pass's first column and row and its steps.
    var passStep = (x: 0, y: 0, dx: 1, dy: 1)
    /// The filter byte and the row's bytes; the row before it, unfiltered.
    var current: [UInt8] = []
    var previous: [UInt8] = []
    var filled = 0
    var finished = false

    init(header: PNGHeader, palette: [UInt8]?, paletteAlpha: [UInt8]?) throws(ImageReadError) {
        self.header = header
        var colours: [UInt16] = []
        if let palette {
            let count = palette.count / 3
            if let paletteAlpha, paletteAlpha.count > count { throw .malformed("the tRNS chunk has more entries than the palette") }
            for index in 0..<256 {
                // An index past the palette is an error in the file; libpng shows black, as here.
                let base = index * 3
                let rgb: [UInt16] = index < count ? [UInt16(palette[base]), UInt16(palette[base + 1]), UInt16(palette[base + 2])] : [0, 0, 0]
                colours += rgb + [UInt16(paletteAlpha.flatMap { index < $0.count ? $0[index] : nil } ?? 255)]
            }
        }
        self.palette = colours
        self.hasPaletteAlpha = paletteAlpha != nil
        // Not zeroed (a tenth of a large image's decode): every sample is written before the
        // image is returned (`finish` refuses data that ends before the last row).
        samples = [UInt16](unsafeUninitializedCapacity: header.width * header.height * header.outputChannels) { _, count in
            count = header.width * header.height * header.outputChannels
        }
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard envlock_inflate_begin(stream) == Z_OK else {
            stream.deallocate()
            throw .malformed("zlib cannot start inflating")
        }
        pass = -1
        startNextPass()
    }

    deinit {
        CZlib.inflateEnd(stream)
        stream.deallocate()
    }

    /// Moves to the next pass that has pixels; `finished` when none is left.
    func startNextPass() {
        let passes = header.passes
        while true {
            pass += 1
            guard pass < passes.count else {
                finished = true
                return
            }
            let step = passes[pass]
            passStep = step
            passWidth = (header.width - step.x + step.dx - 1) / step.dx
            passHeight = (header.height - step.y + step.dy - 1) / step.dy
            if passWidth > 0, passHeight > 0 { break }
        }
        row = 0
        filled = 0
        current = [UInt8](repeating: 0, count: 1 + header.rowBytes(passWidth))
        previous = [UInt8](repeating: 0, count: 1 + header.rowBytes(passWidth))
    }

    /// Inflates one piece of the image data, decoding every row it completes.
    func inflate(_ piece: [UInt8]) throws(ImageReadError) {
        var input = piece
        try input.withUnsafeMutableBufferPointer { (input: inout UnsafeMutableBufferPointer<UInt8>) throws(ImageReadError) in
            stream.pointee.next_in = input.baseAddress
            stream.pointee.avail_in = uInt(input.count)
            while stream.pointee.avail_in > 0 {
                let before = stream.pointee.avail_in
                if streamEnded { throw .malformed("image data continues after the end of its zlib stream") }
                if finished {
                    // Every row is decoded: the stream may only end now. One more byte of output
                    // means the data holds more than the header declares (a decompression bomb).
                    var spare: UInt8 = 0
                    let status = withUnsafeMutablePointer(to: &spare) { spare in
                        stream.pointee.next_out = spare
                        stream.pointee.avail_out = 1
                        return CZlib.inflate(stream, Z_NO_FLUSH)
                    }
                    if stream.pointee.avail_out == 0 { throw .malformed("the image data holds more than the \(header.width)x\(header.height) pixels its header declares") }
                    try check(status)
                    if stream.pointee.avail_in == before, !streamEnded { throw .malformed("the image data cannot be inflated further") }
                    continue
                }
                let status = current.withUnsafeMutableBufferPointer { row in
                    stream.pointee.next_out = row.baseAddress! + filled
                    stream.pointee.avail_out = uInt(row.count - filled)
                    let status = CZlib.inflate(stream, Z_NO_FLUSH)
                    filled = row.count - Int(stream.pointee.avail_out)
                    return status
                }
                try check(status)
                if filled == current.count {
                    try finishRow()
                } else if stream.pointee.avail_in == before, !streamEnded {
                    throw .malformed("the image data cannot be inflated further")
                }
                if streamEnded, !finished { throw .truncated("the image data ends before the image's last row") }
            }
        }
    }

    func check(_ status: Int32) throws(ImageReadError) {
        switch status {
        case Z_OK, Z_BUF_ERROR: return
        case Z_STREAM_END: streamEnded = true
        default: throw .malformed("the image data is damaged (zlib \(status))")
        }
    }

    /// Unfilters the row just inflated and stores its samples.
    @_optimize(speed)
    func finishRow() throws(ImageReadError) {
        let filter = current[0]
        guard filter <= 4 else { throw .malformed("row \(row) of pass \(pass + 1) has an unknown filter \(filter)") }
        let stride = header.filterStride
        let count = current.count
        current.withUnsafeMutableBufferPointer { line in
            previous.withUnsafeBufferPointer { above in
                let line = line.baseAddress! + 1, above = above.baseAddress! + 1
                let bytes = count - 1
                switch filter {
                case 1:
                    if bytes > stride { for i in stride..<bytes { line[i] &+= line[i - stride] } }
                case 2:
                    for i in 0..<bytes { line[i] &+= above[i] }
                case 3:
                    for i in 0..<bytes {
                        let left = i >= stride ? Int(line[i - stride]) : 0
                        line[i] &+= UInt8((left + Int(above[i])) >> 1)
                    }
                case 4:
                    for i in 0..<bytes {
                        let a = i >= stride ? Int(line[i - stride]) : 0
                        let b = Int(above[i])
                        let c = i >= stride ? Int(above[i - stride]) : 0
                        let p = a + b - c
                        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                        line[i] &+= UInt8(pa <= pb && pa <= pc ? a : (pb <= pc ? b : c))
                    }
                default:
                    break
                }
            }
        }
        store()
        swap(&current, &previous)
        filled = 0
        row += 1
        if row == passHeight { startNextPass() }
    }

    /// Turns the unfiltered row into samples at the pixels its pass covers.
    @_optimize(speed)
    func store() {
        let step = passStep
        let y = step.y + row * step.dy
        let channels = header.outputChannels
        let depth = header.bitDepth
        let fileChannels = header.fileChannels
        let width = header.width
        let passWidth = self.passWidth
        let isPalette = header.colorType == 3
        // Gray below 8 bits is scaled to 0…255 as Pillow's L mode does.
        let scale: UInt16 = [1: 255, 2: 85, 4: 17][depth] ?? 1
        current.withUnsafeBufferPointer { line in
            palette.withUnsafeBufferPointer { palette in
                samples.withUnsafeMutableBufferPointer { samples in
                    let bytes = line.baseAddress! + 1
                    // The common case, a whole row of 8- or 16-bit samples side by side, in one loop.
                    if step.dx == 1, !isPalette, depth >= 8 {
                        let out = samples.baseAddress! + y * width * channels
                        if depth == 8 {
                            for i in 0..<(passWidth * channels) { out[i] = UInt16(bytes[i]) }
                        } else {
                            for i in 0..<(passWidth * channels) { out[i] = UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1]) }
                        }
                        return
                    }
                    for column in 0..<passWidth {
                        let out = ((y * width) + step.x + column * step.dx) * channels
                        if depth < 8 {
                            let bit = column * depth
                            let value = UInt16((bytes[bit >> 3] >> UInt8(8 - depth - (bit & 7))) & UInt8((1 << depth) - 1))
                            if isPalette {
                                let entry = Int(value) * 4
                                for k in 0..<4 { samples[out + k] = palette[entry + k] }
                            } else {
                                samples[out] = value * scale
                            }
                        } else if depth == 8 {
                            if isPalette {
                                let entry = Int(bytes[column]) * 4
                                for k in 0..<4 { samples[out + k] = palette[entry + k] }
                            } else {
                                let base = column * fileChannels
                                for k in 0..<fileChannels { samples[out + k] = UInt16(bytes[base + k]) }
                            }
                        } else {
                            let base = column * fileChannels * 2
                            for k in 0..<fileChannels { samples[out + k] = UInt16(bytes[base + 2 * k]) << 8 | UInt16(bytes[base + 2 * k + 1]) }
                        }
                    }
                }
            }
        }
    }

    /// The decoded image, once every row has been read.
    func finish() throws(ImageReadError) -> PNGImage {
        guard finished else { throw .truncated("the image data ends before the image's last row") }
        var channels = header.outputChannels
        if header.colorType == 3, !hasPaletteAlpha {
            // No tRNS: the palette's alpha (all opaque) is dropped, the image is RGB.
            var rgb = [UInt16](repeating: 0, count: header.width * header.height * 3)
            for pixel in 0..<(header.width * header.height) {
                for k in 0..<3 { rgb[pixel * 3 + k] = samples[pixel * 4 + k] }
            }
            samples = rgb
            channels = 3
        }
        let kinds = [0: "gray", 2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA"]
        var format = "\(kinds[header.colorType]!) \(header.bitDepth)-bit"
        if hasPaletteAlpha { format += " with tRNS" }
        if header.interlaced { format += " interlaced" }
        return PNGImage(width: header.width, height: header.height, channels: channels, maxValue: header.bitDepth == 16 ? 65535 : 255, samples: samples, format: format)
    }
}

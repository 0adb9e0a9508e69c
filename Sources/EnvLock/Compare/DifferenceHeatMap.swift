import CZlib

/// `envlock compare --heatmap FILE`: where two images differ, as an 8-bit RGB PNG of their size.
/// Each pixel's brightness is its largest channel difference, scaled so that the largest
/// difference in the image is white: black where the pixels are equal, then dark red, red,
/// yellow and white (a heat scale that stays readable in gray).
enum DifferenceHeatMap {
    /// The PNG file's bytes for `a` against `b` (the same size, channels and range: `PNGImage.common`).
    static func png(_ a: PNGImage, _ b: PNGImage) -> [UInt8] {
        let pixels = a.width * a.height
        var largest = [Int](repeating: 0, count: pixels)
        var peak = 0
        for pixel in 0..<pixels {
            var d = 0
            for k in 0..<a.channels {
                d = Swift.max(d, abs(Int(a.samples[pixel * a.channels + k]) - Int(b.samples[pixel * a.channels + k])))
            }
            largest[pixel] = d
            peak = Swift.max(peak, d)
        }
        // Rows of filter byte 0 then RGB.
        let rowBytes = 1 + 3 * a.width
        var raw = [UInt8](repeating: 0, count: rowBytes * a.height)
        for y in 0..<a.height {
            for x in 0..<a.width {
                let heat = peak == 0 ? 0 : (largest[y * a.width + x] * 765 + peak - 1) / peak
                let base = y * rowBytes + 1 + 3 * x
                raw[base] = UInt8(Swift.min(255, heat))
                raw[base + 1] = UInt8(Swift.min(255, Swift.max(0, heat - 255)))
                raw[base + 2] = UInt8(Swift.min(255, Swift.max(0, heat - 510)))
            }
        }
        var header = bigEndian(UInt32(a.width)) + bigEndian(UInt32(a.height))
        header += [8, 2, 0, 0, 0]
        return PNGText.signature + chunk("IHDR", header) + chunk("IDAT", deflate(raw)) + chunk("IEND", [])
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ name: String, _ data: [UInt8]) -> [UInt8] {
        let type = Array(name.utf8)
        return bigEndian(UInt32(data.count)) + type + data + bigEndian(PNGText.crc32(data, continuing: PNGText.crc32(type)))
    }

    /// A zlib stream of `bytes` (zlib's `compress2`, level 6, which cannot fail with room enough).
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in compress2(out.baseAddress, &length, input.baseAddress, uLong(input.count), 6) }
        }
        precondition(status == Z_OK, "zlib compress2 failed with \(status) although given compressBound's room")
        return Array(output[0..<Int(length)])
    }
}

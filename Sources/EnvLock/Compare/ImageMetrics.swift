#if canImport(Glibc)
import Glibc
#endif

/// How two decoded images differ, in the measures scikit-image users know: the share of
/// pixels that differ, the largest and mean absolute difference, PSNR and SSIM.
///
/// Both images are compared in a common format (`PNGImage.common`): their own channels and
/// depth when they have the same, else the richer of the two (gray becomes RGB by repeating
/// the value, a missing alpha is opaque, 8-bit samples are scaled to 16 bits by 257, as
/// `skimage.util.img_as_uint` does). Differences are in that format's units: 0…255 for 8-bit
/// images, 0…65535 for 16-bit ones.
public struct ImageMetrics: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// The channels compared (1 gray … 4 RGBA).
    var channels: Int
    /// 255 or 65535: the data range PSNR and SSIM use.
    var maxValue: Int
    /// Pixels with at least one channel different.
    var differingPixels: Int
    /// Pixels with at least one channel different by more than the tolerance.
    var pixelsBeyondTolerance: Int
    var tolerance: Int
    /// The largest absolute difference of one sample.
    var maxDifference: Int
    /// The mean absolute difference over all samples (`numpy.abs(a - b).mean()`).
    var meanDifference: Double
    /// `skimage.metrics.peak_signal_noise_ratio(a, b, data_range=maxValue)`; infinity when identical.
    var psnr: Double
    /// `skimage.metrics.structural_similarity(a, b, channel_axis=-1, data_range=maxValue)`;
    /// nil for an image narrower or shorter than the 7-pixel window.
    var ssim: Double?

    var pixels: Int { width * height }
    var identicalPixels: Bool { differingPixels == 0 }

    /// The window SSIM slides (scikit-image's default `win_size`).
    static let ssimWindow = 7

    /// Measures `a` against `b`, which must have the same dimensions, channels and range
    /// (`PNGImage.common`); SSIM's rows are shared among `threads` tasks.
    @_optimize(speed)
    static func measure(_ a: PNGImage, _ b: PNGImage, tolerance: Int, threads: Int = 2) async -> ImageMetrics {
        precondition(a.width == b.width && a.height == b.height && a.channels == b.channels && a.maxValue == b.maxValue)
        async let ssim = structuralSimilarity(a, b, threads: threads)
        let channels = a.channels
        var differing = 0, beyond = 0, maxDifference = 0
        var absoluteSum = 0
        var squaredSum: UInt64 = 0
        a.samples.withUnsafeBufferPointer { x in
            b.samples.withUnsafeBufferPointer { y in
                for pixel in 0..<(a.width * a.height) {
                    var largest = 0
                    for k in 0..<channels {
                        let d = abs(Int(x[pixel * channels + k]) - Int(y[pixel * channels + k]))
                        absoluteSum += d
                        squaredSum += UInt64(d * d)
                        largest = Swift.max(largest, d)
                    }
                    if largest > 0 { differing += 1 }
                    if largest > tolerance { beyond += 1 }
                    maxDifference = Swift.max(maxDifference, largest)
                }
            }
        }
        let samples = Double(a.samples.count)
        let meanSquared = Double(squaredSum) / samples
        // skimage.metrics.peak_signal_noise_ratio: 10 * log10(data_range**2 / mse).
        let range = Double(a.maxValue)
        let psnr = meanSquared == 0 ? Double.infinity : 10 * log10(range * range / meanSquared)
        return ImageMetrics(
            width: a.width, height: a.height, channels: channels, maxValue: a.maxValue, differingPixels: differing,
            pixelsBeyondTolerance: beyond, tolerance: tolerance, maxDifference: maxDifference,
            meanDifference: Double(absoluteSum) / samples, psnr: psnr, ssim: await ssim
        )
    }

    /// The mean structural similarity (Wang et al. 2004) as scikit-image 0.26 computes it by
    /// default (`skimage/metrics/_structural_similarity.py`, scikit-image commit 0107c763):
    /// a 7x7 uniform window, K1 0.01, K2 0.03, sample covariance (`NP / (NP - 1)`), each
    /// channel on its own, the mean taken over the positions whose window lies inside the
    /// image (`crop(S, pad)`), then over the channels. The window sums are exact integers
    /// (column sums slid down the rows, then along each row, held exactly in Doubles), so
    /// only the final ratio is rounded; scikit-image's float filters agree within about 1e-12.
    static func structuralSimilarity(_ a: PNGImage, _ b: PNGImage, threads: Int) async -> Double? {
        let window = ssimWindow
        guard a.width >= window, a.height >= window else { return nil }
        let outputRows = a.height - window + 1
        let bands = Swift.max(1, Swift.min(threads, outputRows / 16))
        let total = await withTaskGroup(of: Double.self) { group in
            for band in 0..<bands {
                let first = outputRows * band / bands, end = outputRows * (band + 1) / bands
                group.addTask { ssimSum(a, b, rows: first..<end) }
            }
            var total = 0.0
            for await sum in group { total += sum }
            return total
        }
        return total / Double(outputRows * (a.width - window + 1) * a.channels)
    }

    /// SSIM's sum over every window position of two images of the same format (the fuzzer).
    public static func ssimSumForFuzzing(_ a: PNGImage, _ b: PNGImage) -> Double {
        ssimSum(a, b, rows: 0..<(a.height - ssimWindow + 1))
    }

    /// The sum of SSIM over the window positions whose top row is in `rows`, all channels.
    // The hot loops are compiled for speed although the module is built for size (Package.swift).
    @_optimize(speed)
    static func ssimSum(_ a: PNGImage, _ b: PNGImage, rows: Range<Int>) -> Double {
        let window = ssimWindow
        let range = Double(a.maxValue)
        let c1 = (0.01 * range) * (0.01 * range), c2 = (0.03 * range) * (0.03 * range)
        let meanScale = 1.0 / Double(window * window)
        let covarianceScale = 1.0 / Double(window * window * (window * window - 1))
        let stride = a.channels
        let rowLength = a.width * stride
        let n = Double(window * window)
        let outputLength = (a.width - window + 1) * stride
        // Per sample column of the row (all channels interleaved): the sums over the window's
        // rows of x, y, x², y² and xy; then per window position the sums over its columns.
        // Every one is an integer below 2^53 (49 · 65535² · 49 for n·Σxy), so Double holds it
        // exactly, and the loops run on contiguous Doubles the compiler vectorizes.
        let columns = UnsafeMutableBufferPointer<Double>.allocate(capacity: 5 * rowLength)
        let windows = UnsafeMutableBufferPointer<Double>.allocate(capacity: 5 * outputLength)
        defer {
            columns.deallocate()
            windows.deallocate()
        }
        columns.initialize(repeating: 0)
        windows.initialize(repeating: 0)
        let sumX = columns.baseAddress!, sumY = sumX + rowLength, sumXX = sumY + rowLength, sumYY = sumXX + rowLength, sumXY = sumYY + rowLength
        let wX = windows.baseAddress!, wY = wX + outputLength, wXX = wY + outputLength, wYY = wXX + outputLength, wXY = wYY + outputLength
        var total = 0.0
        a.samples.withUnsafeBufferPointer { x in
            b.samples.withUnsafeBufferPointer { y in
                let x = x.baseAddress!, y = y.baseAddress!
                /// Adds row `row` to the column sums.
                func add(_ row: Int) {
                    let base = row * rowLength
                    for i in 0..<rowLength {
                        let p = Double(x[base + i]), q = Double(y[base + i])
                        sumX[i] += p; sumY[i] += q; sumXX[i] += p * p; sumYY[i] += q * q; sumXY[i] += p * q
                    }
                }
                /// Takes row `old` out of the column sums and puts row `new` in.
                func replace(_ old: Int, with new: Int) {
                    let out = old * rowLength, into = new * rowLength
                    for i in 0..<rowLength {
                        let p = Double(x[into + i]), q = Double(y[into + i]), r = Double(x[out + i]), t = Double(y[out + i])
                        sumX[i] += p - r
                        sumY[i] += q - t
                        sumXX[i] += p * p - r * r
                        sumYY[i] += q * q - t * t
                        sumXY[i] += p * q - r * t
                    }
                }
                /// SSIM at window position `j` from its five sums, kept for position `j + stride`.
                @inline(__always) func similarity(_ j: Int, _ sx: Double, _ sy: Double, _ sxx: Double, _ syy: Double, _ sxy: Double) -> Double {
                    wX[j] = sx; wY[j] = sy; wXX[j] = sxx; wYY[j] = syy; wXY[j] = sxy
                    let ux = sx * meanScale, uy = sy * meanScale
                    // n·Σx² − (Σx)² is exact: both terms are integers below 2^53.
                    let vx = (n * sxx - sx * sx) * covarianceScale
                    let vy = (n * syy - sy * sy) * covarianceScale
                    let vxy = (n * sxy - sx * sy) * covarianceScale
                    let numerator = (2 * ux * uy + c1) * (2 * vxy + c2)
                    let denominator = (ux * ux + uy * uy + c1) * (vx + vy + c2)
                    return numerator / denominator
                }
                for row in rows.lowerBound..<(rows.lowerBound + window) { add(row) }
                for top in rows {
                    if top > rows.lowerBound { replace(top - 1, with: top + window - 1) }
                    var rowTotal = 0.0
                    // The first position of each channel sums its window's columns; each next
                    // one slides the previous window a column along.
                    for j in 0..<stride {
                        var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
                        for k in 0..<window {
                            let i = j + k * stride
                            sx += sumX[i]; sy += sumY[i]; sxx += sumXX[i]; syy += sumYY[i]; sxy += sumXY[i]
                        }
                        rowTotal += similarity(j, sx, sy, sxx, syy, sxy)
                    }
                    let reach = window * stride
                    for j in stride..<outputLength {
                        let leaving = j - stride, entering = leaving + reach
                        rowTotal += similarity(
                            j, wX[leaving] + sumX[entering] - sumX[leaving], wY[leaving] + sumY[entering] - sumY[leaving],
                            wXX[leaving] + sumXX[entering] - sumXX[leaving], wYY[leaving] + sumYY[entering] - sumYY[leaving],
                            wXY[leaving] + sumXY[entering] - sumXY[leaving]
                        )
                    }
                    total += rowTotal
                }
            }
        }
        return total
    }
}

extension PNGImage {
    /// `a` and `b` in one format: their own when they share it, else the richer one's
    /// channels (colour if either has colour, alpha if either has alpha) and range.
    public static func common(_ a: PNGImage, _ b: PNGImage) -> (PNGImage, PNGImage) {
        if a.channels == b.channels, a.maxValue == b.maxValue { return (a, b) }
        let colour = a.channels >= 3 || b.channels >= 3
        let alpha = a.channels % 2 == 0 || b.channels % 2 == 0
        let channels = (colour ? 3 : 1) + (alpha ? 1 : 0)
        let maxValue = Swift.max(a.maxValue, b.maxValue)
        return (a.converted(channels: channels, maxValue: maxValue), b.converted(channels: channels, maxValue: maxValue))
    }

    /// This image with `channels` channels and `maxValue` range (only ever more of either).
    func converted(channels: Int, maxValue: Int) -> PNGImage {
        if channels == self.channels, maxValue == self.maxValue { return self }
        let scale = UInt16(maxValue / self.maxValue)
        let hasColour = self.channels >= 3, hasAlpha = self.channels % 2 == 0
        let colourChannels = self.channels >= 3 ? 3 : 1
        var out = [UInt16](repeating: 0, count: width * height * channels)
        for pixel in 0..<(width * height) {
            let source = pixel * self.channels, target = pixel * channels
            for k in 0..<(channels >= 3 ? 3 : 1) {
                out[target + k] = samples[source + (hasColour ? k : 0)] * scale
            }
            if channels % 2 == 0 {
                out[target + channels - 1] = hasAlpha ? samples[source + colourChannels] * scale : UInt16(maxValue)
            }
        }
        return PNGImage(width: width, height: height, channels: channels, maxValue: maxValue, samples: out, format: format)
    }
}

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
    public var channels: Int
    /// 255 or 65535: the data range PSNR and SSIM use.
    public var maxValue: Int
    /// Pixels with at least one channel different.
    public var differingPixels: Int
    /// Pixels with at least one channel different by more than the tolerance.
    public var pixelsBeyondTolerance: Int
    public var tolerance: Int
    /// The largest absolute difference of one sample.
    public var maxDifference: Int
    /// The mean absolute difference over all samples (`numpy.abs(a - b).mean()`).
    public var meanDifference: Double
    /// `skimage.metrics.peak_signal_noise_ratio(a, b, data_range=maxValue)`; infinity when identical.
    public var psnr: Double
    /// `skimage.metrics.structural_similarity(a, b, channel_axis=-1, data_range=maxValue)`;
    /// nil for an image narrower or shorter than the 7-pixel window.
    public var ssim: Double?

    public var pixels: Int { width * height }
    public var identicalPixels: Bool { differingPixels == 0 }

    /// The window SSIM slides (scikit-image's default `win_size`).
    public static let ssimWindow = 7

    /// Measures `a` against `b`, which must have the same dimensions, channels and range
    /// (`PNGImage.common`); SSIM's rows are shared among `threads` tasks.
    public static func measure(_ a: PNGImage, _ b: PNGImage, tolerance: Int, threads: Int = 2) async -> ImageMetrics {
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
    /// (column sums slid down the rows, then along each row), so only the final ratio is
    /// rounded; scikit-image's float filters agree within about 1e-12.
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

    /// The sum of SSIM over the window positions whose top row is in `rows`, all channels.
    static func ssimSum(_ a: PNGImage, _ b: PNGImage, rows: Range<Int>) -> Double {
        let window = ssimWindow
        let n = Int64(window * window)
        let range = Double(a.maxValue)
        let c1 = (0.01 * range) * (0.01 * range), c2 = (0.03 * range) * (0.03 * range)
        let meanScale = 1.0 / Double(n)
        let covarianceScale = 1.0 / Double(n * (n - 1))
        let stride = a.channels
        let rowLength = a.width * stride
        // Per sample column of the row (all channels interleaved): the sums over the window's rows.
        var sumX = [Int64](repeating: 0, count: rowLength), sumY = sumX, sumXX = sumX, sumYY = sumX, sumXY = sumX
        var total = 0.0
        a.samples.withUnsafeBufferPointer { x in
            b.samples.withUnsafeBufferPointer { y in
                func addRow(_ row: Int, sign: Int64) {
                    let base = row * rowLength
                    for i in 0..<rowLength {
                        let p = Int64(x[base + i]), q = Int64(y[base + i])
                        sumX[i] += sign * p
                        sumY[i] += sign * q
                        sumXX[i] += sign * p * p
                        sumYY[i] += sign * q * q
                        sumXY[i] += sign * p * q
                    }
                }
                for row in rows.lowerBound..<(rows.lowerBound + window) { addRow(row, sign: 1) }
                for top in rows {
                    if top > rows.lowerBound {
                        addRow(top - 1, sign: -1)
                        addRow(top + window - 1, sign: 1)
                    }
                    for channel in 0..<stride {
                        var sx: Int64 = 0, sy: Int64 = 0, sxx: Int64 = 0, syy: Int64 = 0, sxy: Int64 = 0
                        for k in 0..<window {
                            let i = k * stride + channel
                            sx += sumX[i]; sy += sumY[i]; sxx += sumXX[i]; syy += sumYY[i]; sxy += sumXY[i]
                        }
                        var i = channel
                        while true {
                            let ux = Double(sx) * meanScale, uy = Double(sy) * meanScale
                            // n·Σx² − (Σx)² is exact in 64 bits for 16-bit samples (≤ 2^44).
                            let vx = Double(n * sxx - sx * sx) * covarianceScale
                            let vy = Double(n * syy - sy * sy) * covarianceScale
                            let vxy = Double(n * sxy - sx * sy) * covarianceScale
                            let numerator = (2 * ux * uy + c1) * (2 * vxy + c2)
                            let denominator = (ux * ux + uy * uy + c1) * (vx + vy + c2)
                            total += numerator / denominator
                            let leaving = i, entering = i + window * stride
                            guard entering < rowLength else { break }
                            sx += sumX[entering] - sumX[leaving]; sy += sumY[entering] - sumY[leaving]
                            sxx += sumXX[entering] - sumXX[leaving]; syy += sumYY[entering] - sumYY[leaving]
                            sxy += sumXY[entering] - sumXY[leaving]
                            i += stride
                        }
                    }
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

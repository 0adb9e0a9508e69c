#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why an image's record could not be read: the file is unreadable, cut short, or not what
/// its format says. An audit lists such an image as `unreadable` and goes on.
public enum ImageReadError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(reason: String)
    case truncated(String)
    case malformed(String)
    /// The image is larger than envlock decodes (`PNGImage.maxSamples`); said before any
    /// pixel is inflated.
    case tooLarge(String)

    public var description: String {
        switch self {
        case .cannotOpen(let reason): "cannot read the file: \(reason)"
        case .truncated(let what): "the file is cut short: \(what)"
        case .malformed(let what): "the file is damaged: \(what)"
        case .tooLarge(let what): "the image is too large: \(what)"
        }
    }
}

/// Random access to an image's bytes: an audit reads headers and metadata at offsets and
/// seeks over pixel data, so its cost does not grow with the image.
protocol ImageBytes {
    var size: Int { get }
    /// Exactly `count` bytes at `offset`, or `.truncated` naming `what` when the image ends first.
    func read(at offset: Int, count: Int, what: @autoclosure () -> String) throws(ImageReadError) -> [UInt8]
}

/// An image held in memory (tests, the fuzzer).
struct InMemoryImage: ImageBytes {
    var bytes: [UInt8]
    var size: Int { bytes.count }

    func read(at offset: Int, count: Int, what: @autoclosure () -> String) throws(ImageReadError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else { throw .truncated(what()) }
        return Array(bytes[offset..<(offset + count)])
    }
}

/// An image file read with `pread`: only the bytes asked for leave the disk.
final class ImageFile: ImageBytes {
    let descriptor: Int32
    let size: Int

    init(path: String) throws(ImageReadError) {
        // The images `envlock audit` is given are this machine's files, never under a --root.
        let descriptor: Int32
        let status: POSIXFile.Status
        do throws(POSIXFile.ReadFailure) {
            (descriptor, status) = try POSIXFile.openRegularFile(at: path, role: .image)
        } catch {
            switch error {
            case .system(let failure): throw .cannotOpen(reason: failure.reason)
            case .notRegularFile, .tooLarge: throw .cannotOpen(reason: "not a regular file")
            }
        }
        // Only headers and metadata are read: without this hint the kernel's readahead would
        // pull in the first 128 KiB or more of every image, pixels included.
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_RANDOM)
        self.descriptor = descriptor
        self.size = Int(status.size)
    }

    deinit { close(descriptor) }

    func read(at offset: Int, count: Int, what: @autoclosure () -> String) throws(ImageReadError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else { throw .truncated(what()) }
        let bytes: [UInt8]
        do throws(POSIXFailure) {
            bytes = try POSIXFile.bytes(at: offset, count: count, of: descriptor)
        } catch {
            throw .cannotOpen(reason: error.reason)
        }
        guard bytes.count == count else { throw .truncated(what()) }
        return bytes
    }
}

extension [UInt8] {
    /// The unsigned 32-bit big-endian number at `index` (PNG chunk lengths, git pack indexes).
    package func bigEndian32(at index: Int) -> UInt32 {
        UInt32(self[index]) << 24 | UInt32(self[index + 1]) << 16 | UInt32(self[index + 2]) << 8 | UInt32(self[index + 3])
    }

    /// Latin-1 text: PNG tEXt and zTXt chunks hold ISO 8859-1, one byte per character.
    var latin1: String {
        // ASCII (all a JSON record with escapes holds) is the same bytes in UTF-8.
        if allSatisfy({ $0 < 0x80 }) { return String(decoding: self, as: UTF8.self) }
        return String(String.UnicodeScalarView(map { Unicode.Scalar($0) }))
    }
}

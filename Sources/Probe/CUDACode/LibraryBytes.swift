#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// A file read at offsets: the fat binary reader asks only for the headers it walks, never
/// for the whole library (libtorch_cuda.so is 850 MB).
protocol LibraryBytes {
    var size: Int { get }
    /// Exactly `count` bytes at `offset`, or `.truncated` naming `what` when the file ends first.
    func read(at offset: Int, count: Int, what: @autoclosure () -> String) throws(LibraryReadError) -> [UInt8]
}

extension LibraryBytes {
    /// Whether `count` bytes at `offset` lie inside the file, without overflowing.
    func contains(offset: Int, count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= size && count <= size - offset
    }
}

/// A library held in memory: the crafted files of the tests.
struct InMemoryLibrary: LibraryBytes {
    var bytes: [UInt8]
    var size: Int { bytes.count }

    func read(at offset: Int, count: Int, what: @autoclosure () -> String) throws(LibraryReadError) -> [UInt8] {
        guard contains(offset: offset, count: count) else { throw .truncated(what()) }
        return Array(bytes[offset..<(offset + count)])
    }
}

/// A library under the probe root read with `pread`, opened once through the `HostContext`.
final class LibraryFile: LibraryBytes {
    let descriptor: Int32
    let size: Int
    /// The file's identity when it was opened, to check that it did not change while read.
    let status: FileStatus

    init(_ absolute: String, context: HostContext) throws(FileReadError) {
        let opened = try context.openRegularFile(absolute)
        descriptor = opened.descriptor
        status = opened.status
        size = Int(opened.status.size)
        // Only headers scattered over hundreds of megabytes are read: readahead would pull
        // in the kernels between them.
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_RANDOM)
    }

    deinit { close(descriptor) }

    func read(at offset: Int, count: Int, what: @autoclosure () -> String) throws(LibraryReadError) -> [UInt8] {
        guard contains(offset: offset, count: count) else { throw .truncated(what()) }
        let bytes: [UInt8]
        do throws(POSIXFailure) {
            bytes = try POSIXFile.bytes(at: offset, count: count, of: descriptor)
        } catch {
            throw .cannotRead(error.reason)
        }
        guard bytes.count == count else { throw .truncated(what()) }
        return bytes
    }

    /// The identity of the open file now.
    func currentStatus() throws(POSIXFailure) -> FileStatus {
        try POSIXFile.status(of: descriptor)
    }
}

extension [UInt8] {
    func littleEndian16(at index: Int) -> UInt16 {
        UInt16(self[index]) | UInt16(self[index + 1]) << 8
    }

    func littleEndian32(at index: Int) -> UInt32 {
        UInt32(littleEndian16(at: index)) | UInt32(littleEndian16(at: index + 2)) << 16
    }

    func littleEndian64(at index: Int) -> UInt64 {
        UInt64(littleEndian32(at: index)) | UInt64(littleEndian32(at: index + 4)) << 32
    }
}

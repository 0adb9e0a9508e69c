#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a file could not be read.
public enum FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing at that path: usually "not installed", which callers turn into `absent`.
    case notFound(path: String)
    case permissionDenied(path: String)
    /// The file is larger than a detector will read; a sane source never is.
    case tooLarge(path: String, limit: Int)
    case notUTF8(path: String)
    /// A FIFO, device or folder where a file should be: never read, since reading could block.
    case notRegularFile(path: String)
    /// Any other system error, with its errno text.
    case system(path: String, errno: Int32, message: String)

    /// The one mapping of an errno to a reason to read about `path`: nothing there,
    /// permission denied, or the C library's words.
    package init(errno code: Int32, path: String) {
        switch code {
        case ENOENT, ENOTDIR: self = .notFound(path: path)
        case EACCES, EPERM: self = .permissionDenied(path: path)
        default: self = .system(path: path, errno: code, message: errnoDescription(code))
        }
    }

    /// The system layer's failure, about the path it names.
    package init(_ failure: POSIXFailure) {
        self.init(errno: failure.errno, path: failure.path)
    }

    public var path: String {
        switch self {
        case .notFound(let path), .permissionDenied(let path), .tooLarge(let path, _), .notUTF8(let path), .notRegularFile(let path), .system(let path, _, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): not found"
        case .permissionDenied(let path): "\(path): permission denied"
        case .tooLarge(let path, let limit): "\(path): larger than \(limit) bytes"
        case .notUTF8(let path): "\(path): not valid UTF-8"
        case .notRegularFile(let path): "\(path): not a regular file (a FIFO, device or folder)"
        case .system(let path, _, let message): "\(path): \(message)"
        }
    }
}

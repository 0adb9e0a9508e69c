/// Why the GPU code of a library could not be read: the file, or a header inside it, is not
/// what an ELF file with CUDA fat binaries must be. Every case names where it stopped, so
/// that a user can check the file with `readelf -S`.
enum LibraryReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (its errno text).
    case cannotRead(String)
    /// The file ends before a header it declares: a partial download or copy.
    case truncated(String)
    /// A header holds a value no valid file has (a size past its container, a zero size).
    case malformed(String)
    /// The file declares more entries than any real library holds; refused before reading them.
    case tooMany(String)

    var description: String {
        switch self {
        case .cannotRead(let reason): "cannot be read: \(reason)"
        case .truncated(let what): "is cut short: \(what)"
        case .malformed(let what): "is malformed: \(what)"
        case .tooMany(let what): "is refused: \(what)"
        }
    }
}

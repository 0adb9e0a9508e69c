/// Opens shared libraries such as `libnvidia-ml.so.1` and `libcuda.so.1`.
///
/// The system loader uses `dlopen` with the bare soname, so `LD_LIBRARY_PATH`, the ld.so cache
/// and the default paths decide, exactly as they do for PyTorch. Tests that run in-process
/// use a loader rooted at a folder of fake libraries instead.
public protocol LibraryLoader: Sendable {
    /// The sonames or paths tried for `name`, in order (for messages).
    func candidates(for name: String) -> [String]
}

/// dlopen by soname first, then the usual driver folders that the ld.so cache may miss
/// (container toolkits mount the driver there without running ldconfig).
public struct SystemLibraryLoader: LibraryLoader {
    public static let fallbackFolders = [
        "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
        "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib",
    ]

    public init() {}

    public func candidates(for name: String) -> [String] {
        [name] + Self.fallbackFolders.map { "\($0)/\(name)" }
    }
}

/// Loads libraries from one folder only (tests with fake libraries).
public struct FolderLibraryLoader: LibraryLoader {
    public var folder: String

    public init(folder: String) {
        self.folder = folder
    }

    public func candidates(for name: String) -> [String] {
        ["\(folder)/\(name)"]
    }
}

/// The library loader detectors get under a foreign `--root`: it offers no library, since
/// one loaded here is this machine's driver, not that tree's.
public struct NoLibraryLoader: LibraryLoader {
    public init() {}

    public func candidates(for name: String) -> [String] { [] }
}

/// Opens shared libraries such as `libnvidia-ml.so.1` and `libcuda.so.1`.
///
/// The system loader uses `dlopen` with the bare soname, so `LD_LIBRARY_PATH`, the ld.so cache
/// and the default paths decide, exactly as they do for PyTorch. Tests that run in-process
/// use a loader rooted at a folder of fake libraries instead.
protocol LibraryLoader: Sendable {
    /// The sonames or paths tried for `name`, in order (for messages).
    func candidates(for name: String) -> [String]
}

/// dlopen by soname first, then the usual driver folders that the ld.so cache may miss
/// (container toolkits mount the driver there without running ldconfig).
struct SystemLibraryLoader: LibraryLoader {
    static let fallbackFolders = [
        "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
        "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib",
    ]

    init() {}

    func candidates(for name: String) -> [String] {
        [name] + Self.fallbackFolders.map { "\($0)/\(name)" }
    }
}

/// Loads libraries from one folder only (tests with fake libraries).
struct FolderLibraryLoader: LibraryLoader {
    var folder: String

    init(folder: String) {
        self.folder = folder
    }

    func candidates(for name: String) -> [String] {
        ["\(folder)/\(name)"]
    }
}

/// The library loader detectors get under a foreign `--root`: it offers no library, since
/// one loaded here is this machine's driver, not that tree's.
struct NoLibraryLoader: LibraryLoader {
    init() {}

    func candidates(for name: String) -> [String] { [] }
}

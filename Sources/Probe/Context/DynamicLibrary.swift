#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a shared library could not be opened.
enum DynamicLibraryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No candidate exists: the library is not installed here.
    case notFound(name: String, tried: [String])
    /// A candidate exists but the dynamic loader refused it (wrong architecture, a missing
    /// dependency, a broken file); `message` is the loader's own text.
    case loadFailed(path: String, message: String)

    var description: String {
        switch self {
        case .notFound(let name, let tried):
            // The bare soname goes through LD_LIBRARY_PATH and the ld.so cache; the rest are
            // the driver folders a container toolkit may mount without running ldconfig.
            "\(name) not found on the library path" + (tried.count > 1 ? " or in \(tried.dropFirst().map { $0.split(separator: "/").dropLast().joined(separator: "/") }.map { "/" + $0 }.joined(separator: ", "))" : "")
        case .loadFailed(let path, let message):
            "\(path) exists but could not be loaded: \(message); reinstall the NVIDIA driver or fix the library path"
        }
    }
}

/// An open shared library. This is the one place in envlock that calls `dlopen` and `dlsym`
/// and casts a symbol address to a function type; the library bindings built on it
/// (`NVMLLibrary`, `CUDADriverLibrary`) hand Swift values to everything else.
///
/// Handles are never closed: libcuda starts helper threads at `cuInit` that would run
/// unmapped code after a `dlclose`, and a probe loads each library at most once.
struct DynamicLibrary {
    /// The candidate that opened, as given (a soname or a path).
    let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the first of the candidates `loader` names for `name` (a detector's
    /// `context.libraries`, so that a probe under a foreign root loads nothing) that the
    /// dynamic loader accepts, with `RTLD_NOW | RTLD_LOCAL` so that missing symbols show at
    /// once and nothing leaks into the global namespace.
    static func open(_ name: String, from loader: any LibraryLoader) throws(DynamicLibraryError) -> DynamicLibrary {
        let candidates = loader.candidates(for: name)
        var refusal: DynamicLibraryError?
        for candidate in candidates {
            // The dynamic loader reads this machine, never a --root: the check is on the
            // real path, through FileSystem, like the dlopen that follows.
            if candidate.contains("/") && !FileSystem.exists(candidate) { continue }
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                return DynamicLibrary(path: candidate, handle: handle)
            }
            let message = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            // A bare soname that the loader cannot find is "not installed"; anything else
            // (an existing file the loader rejects) is a real failure worth reporting.
            if !candidate.contains("/") && message.containsBytes("No such file or directory") { continue }
            if refusal == nil { refusal = .loadFailed(path: candidate, message: message) }
        }
        throw refusal ?? .notFound(name: name, tried: candidates)
    }

    /// The function `symbol` typed as the C function type `Function`, or nil when the library
    /// does not export it. `Function` must be a `@convention(c)` type matching the C declaration.
    func function<Function>(_ symbol: String, as type: Function.Type) -> Function? {
        guard let address = dlsym(handle, symbol) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }

    /// The first of `symbols` that the library exports (newest ABI first), with its name.
    func firstFunction<Function>(_ symbols: [String], as type: Function.Type) -> (symbol: String, function: Function)? {
        for symbol in symbols {
            if let found = function(symbol, as: type) { return (symbol, found) }
        }
        return nil
    }
}

/// Reads a NUL-terminated string that a C function writes into a buffer of `capacity` bytes.
///
/// Returns the C function's status and the string (empty when the function failed).
func withCStringBuffer<Status>(capacity: Int, _ fill: (UnsafeMutablePointer<CChar>, Int) -> Status) -> (status: Status, text: String) {
    var buffer = [CChar](repeating: 0, count: capacity + 1)
    let status = buffer.withUnsafeMutableBufferPointer { pointer in
        fill(pointer.baseAddress!, capacity)
    }
    // Guard against a library that fills the whole buffer without a terminator.
    buffer[capacity] = 0
    let text = buffer.withUnsafeBufferPointer { pointer in
        String(decoding: UnsafeRawBufferPointer(pointer).prefix { $0 != 0 }, as: UTF8.self)
    }
    return (status, text)
}

extension DynamicLibraryError {
    /// A driver library that is nowhere to be found means no driver is installed (`absent`);
    /// one that exists but cannot be loaded is a broken driver (`failed`).
    var outcome: DetectorOutcome {
        if case .notFound = self { return .absent(description + ": no NVIDIA driver is installed") }
        return .failed(description)
    }
}

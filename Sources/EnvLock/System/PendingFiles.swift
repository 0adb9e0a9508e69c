#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The temporary files envlock has created and not yet renamed, linked into place or removed,
/// so that a signal that ends envlock early (SIGTERM from `docker stop`, Ctrl-C) removes them
/// before it exits: no half-written cache entry, output or second copy of a private key is left.
///
/// Creating a temporary file and renaming it into place each happen under one lock, with every
/// signal blocked on the calling thread, so the signal handler (`removeAllBeforeExit`) never
/// runs on the thread that holds it. The handler takes the same lock and never gives it back:
/// it sees each file either not yet created, still temporary (and removes it), or already in
/// place whole, and no thread creates or renames a file after it.
package final class PendingFiles: Sendable {
    /// The registry every atomic write of this process uses.
    package static let shared = PendingFiles()

    /// More than envlock ever writes at once (one file per thread); a writer waits for a free slot.
    package let capacity: Int
    private let lock = Atomic<Bool>(false)
    /// The temporary paths, as C strings allocated and freed only under `lock`, so that the
    /// signal handler reads them without allocating and without racing a writer.
    nonisolated(unsafe) private let paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    /// A registry of its own, for tests; envlock uses `shared`.
    package init(capacity: Int = 64) {
        self.capacity = capacity
        paths = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        paths.initialize(repeating: nil, count: capacity)
    }

    deinit {
        for slot in 0..<capacity { free(paths[slot]) }
        paths.deallocate()
    }

    /// Initializes `shared`. Call before a signal handler can run `removeAllBeforeExit`:
    /// Swift initializes statics on first use, which is not safe inside a signal handler.
    package static func prepare() {
        _ = shared
    }

    /// The paths now pending, for tests.
    package var pending: [String] {
        locked { (0..<capacity).compactMap { paths[$0].map { String(cString: $0) } } }
    }

    /// Creates a temporary file with `create` (which returns a descriptor, or -1 with errno set)
    /// and remembers `path` when it succeeds.
    package func create(_ path: String, _ create: () -> Int32) -> Int32 {
        while true {
            let outcome: Int32? = locked {
                guard let slot = (0..<capacity).first(where: { paths[$0] == nil }) else { return nil }
                let descriptor = create()
                if descriptor >= 0 { paths[slot] = strdup(path) }
                return descriptor
            }
            if let outcome { return outcome }
            // Every slot is taken: another thread will finish its write in a moment.
            sched_yield()
        }
    }

    /// Runs `body` (the rename, link or unlink that ends `path`'s life as a temporary file)
    /// where no signal can end envlock half-way, then forgets `path`.
    package func settle<T>(_ path: String, _ body: () -> T) -> T {
        locked {
            let result = body()
            for slot in 0..<capacity {
                guard let stored = paths[slot], strcmp(stored, path) == 0 else { continue }
                free(stored)
                paths[slot] = nil
                break
            }
            return result
        }
    }

    /// Removes every pending temporary file and keeps the registry locked for good, so no
    /// thread creates or renames one after. Only async-signal-safe calls: for a signal handler
    /// that is about to end the process.
    package func removeAllBeforeExit() {
        // A writer holds the lock only for one open or rename, with signals blocked on its own
        // thread, so this handler never waits for itself.
        while !lock.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            sched_yield()
        }
        for slot in 0..<capacity {
            if let path = paths[slot] { unlink(path) }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        while !lock.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            sched_yield()
        }
        let result = body()
        lock.store(false, ordering: .releasing)
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        return result
    }
}

#if canImport(Glibc)
import Glibc
#endif

// The input under test, kept where a signal handler can reach it without allocating.
nonisolated(unsafe) var currentInput: UnsafeMutableBufferPointer<UInt8> = .allocate(capacity: 1 << 17)
nonisolated(unsafe) var currentLength = 0
nonisolated(unsafe) var currentTarget: UnsafeMutableBufferPointer<CChar> = .allocate(capacity: 64)
nonisolated(unsafe) var startedAt: Int64 = 0

/// Saves the input that crashed or hung, so it can be replayed and added to the corpus.
enum Watchdog {
    static func start() {
        for signalNumber in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(signalNumber) { number in
                Watchdog.save(kind: "crash")
                signal(number, SIG_DFL)
                raise(number)
            }
        }
        var thread = pthread_t()
        pthread_create(&thread, nil, { _ in
            while true {
                sleep(1)
                let started = startedAt
                if started != 0 && Watchdog.monotonicSeconds() - started > 5 {
                    Watchdog.save(kind: "hang")
                    let message = "envlock-fuzz: an input ran longer than 5 s\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    abort()
                }
            }
        }, nil)
    }

    static func begin(target: String, input: [UInt8]) {
        currentLength = min(input.count, currentInput.count)
        _ = currentInput.initialize(from: input.prefix(currentLength))
        let name = Array(target.utf8CString.prefix(63)) + [0]
        _ = currentTarget.initialize(from: name)
        startedAt = monotonicSeconds()
    }

    static func end() {
        startedAt = 0
    }

    static func monotonicSeconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec)
    }

    /// Async-signal-safe: only open, write and close.
    static func save(kind: StaticString) {
        var path = [CChar](repeating: 0, count: 128)
        var index = 0
        func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            for byte in bytes where index < 120 { path[index] = CChar(bitPattern: byte); index += 1 }
        }
        "fuzz-".utf8CString.withUnsafeBufferPointer { $0.withMemoryRebound(to: UInt8.self) { append(UnsafeBufferPointer(rebasing: $0.dropLast())) } }
        kind.withUTF8Buffer { append($0) }
        path[index] = CChar(bitPattern: UInt8(ascii: "-")); index += 1
        var nameIndex = 0
        while currentTarget[nameIndex] != 0 && index < 120 { path[index] = currentTarget[nameIndex]; index += 1; nameIndex += 1 }
        for byte in ".bin".utf8 { path[index] = CChar(bitPattern: byte); index += 1 }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if descriptor >= 0 {
            _ = write(descriptor, currentInput.baseAddress, currentLength)
            close(descriptor)
        }
    }
}

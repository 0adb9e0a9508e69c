#if canImport(Glibc)
import Glibc
#endif

/// `envlock-differential literal`: not written yet.
enum LiteralCases {
    static func run(_ arguments: [String]) {
        print("not implemented")
        exit(70)
    }
}

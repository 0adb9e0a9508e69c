#if canImport(Glibc)
import Glibc
#endif

/// `envlock-differential json`: not written yet.
enum JSONCases {
    static func run(_ arguments: [String]) {
        print("not implemented")
        exit(70)
    }
}

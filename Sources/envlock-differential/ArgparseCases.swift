#if canImport(Glibc)
import Glibc
#endif

/// `envlock-differential argparse`: not written yet.
enum ArgparseCases {
    static func run(_ arguments: [String]) {
        print("not implemented")
        exit(70)
    }
}

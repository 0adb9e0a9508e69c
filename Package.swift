// swift-tools-version: 6.2
import PackageDescription

// libyaml is linked statically so that the release binary needs nothing beyond glibc at run time.
let staticYAML: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "-l:libyaml.a"])]
// zlib (compressed PNG text chunks read by `envlock audit`, git's packed objects) likewise.
let staticZlib: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "-l:libz.a"])]
// The release binary must stay under 20 MB stripped (scripts/check-release-binary.sh; BENCHMARKS.md
// "Binary size" measures each of these). envlock's own modules optimized for size save 0.3 MB.
// -Osize alone has the metadata of generic types (a Dictionary of a detector's own type) built
// at run time from mangled names, where each one's Hashable key means a search through all
// 4,700 protocol conformances of the binary: with direct metadata accessors a probe that finds
// nothing runs a fifth fewer instructions, for 50 KB (BENCHMARKS.md "Verify outside a venv").
let releaseSize: [SwiftSetting] = [
    .unsafeFlags(["-Osize", "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release))
]
// lld instead of gold. The Swift static runtime's link arguments export every symbol of the
// package's object files (--export-dynamic): 19,000 dynamic symbols, 1.3 MB that nothing looks
// up, since envlock loads no plugins that would bind to it; --no-export-dynamic keeps them out.
// --icf=all folds identical functions (0.25 MB, mostly BoringSSL's and the C++ runtime's; a
// Swift object file's code is one section, folded only when whole). The end-to-end tests pass
// against a binary linked so (BENCHMARKS.md "Binary size").
let releaseLink: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "--icf=all"], .when(configuration: .release)),
]

let package = Package(
    name: "envlock",
    products: [
        .executable(name: "envlock", targets: ["envlock"]),
        .library(name: "EnvLock", targets: ["EnvLock"]),
        .library(name: "Probe", targets: ["Probe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // The SubprocessFoundation trait would pull in full Foundation (and ICU): keep it off.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        // Already required by swift-subprocess; named here for FilePath.
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CYAML", path: "Sources/CYAML"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "EnvLock",
            dependencies: [
                "CYAML",
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: releaseSize,
            linkerSettings: staticYAML + staticZlib
        ),
        .target(
            name: "Probe",
            dependencies: [
                "EnvLock",
                "CZlib",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // zlib (GitObjects) comes linked with EnvLock's staticZlib.
            swiftSettings: releaseSize
        ),
        .executableTarget(
            name: "envlock",
            dependencies: [
                "EnvLock",
                "Probe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: releaseSize,
            linkerSettings: releaseLink
        ),
        .executableTarget(name: "envlock-fuzz", dependencies: ["EnvLock", "Probe"]),
        .executableTarget(name: "envlock-bench", dependencies: ["EnvLock", "Probe"]),
        // envlock's readings of Python semantics (json, ast.literal_eval, argparse) for the
        // differential tests against CPython (scripts/differential/); not shipped.
        .executableTarget(name: "envlock-differential", dependencies: ["EnvLock", "Probe"]),
        // What every test target shares: paths to the package and ../shared, plain file helpers.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "EnvLockTests", dependencies: ["EnvLock", "TestSupport"]),
        .testTarget(name: "ProbeTests", dependencies: ["Probe", "EnvLock", "TestSupport"]),
        // The command line's own logic (what `DirectCommandLine` reads against ArgumentParser).
        .testTarget(name: "CommandLineTests", dependencies: ["envlock", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "EnvLock",
                "TestSupport",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
    ]
)

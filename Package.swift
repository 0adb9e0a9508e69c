// swift-tools-version: 6.2
import PackageDescription

// libyaml is linked statically so that the release binary needs nothing beyond glibc at run time.
let staticYAML: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "-l:libyaml.a"])]
// zlib (compressed PNG text chunks, read by `envlock audit`) likewise.
let staticZlib: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "-l:libz.a"])]

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
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            linkerSettings: staticYAML
        ),
        .target(
            name: "Probe",
            dependencies: [
                "EnvLock",
                "CZlib",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            linkerSettings: staticZlib
        ),
        .executableTarget(
            name: "envlock",
            dependencies: [
                "EnvLock",
                "Probe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(name: "envlock-fuzz", dependencies: ["EnvLock", "Probe"]),
        .executableTarget(name: "envlock-bench", dependencies: ["EnvLock", "Probe"]),
        // What every test target shares: paths to the package and ../shared, plain file helpers.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "EnvLockTests", dependencies: ["EnvLock", "TestSupport"]),
        .testTarget(name: "ProbeTests", dependencies: ["Probe", "EnvLock", "TestSupport"]),
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

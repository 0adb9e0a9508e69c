import EnvLock
import Probe

/// The inputs under fuzz: every document loader and every pure probe parser. Each target
/// takes arbitrary bytes; it must return or throw, never crash or hang.
enum FuzzTargets {
    /// A fuzzed profile's `extends:` must not make the fuzzer read files from this machine.
    @Sendable static func refuseExtends(_ path: String) throws(DocumentError) -> [UInt8] {
        throw .unreadable(path: path, reason: "the fuzzer reads no extended profiles")
    }

    static let all: [(name: String, run: @Sendable ([UInt8]) -> Void)] = [
        ("yaml", { bytes in _ = Result { () throws(YAMLError) in try YAMLReader.read(bytes, path: "fuzz") } }),
        ("profile", { bytes in _ = Result { () throws(DocumentError) in try Profile.load(bytes, path: "fuzz", readFile: refuseExtends) } }),
        ("lock", { bytes in
            if case .success(let loaded) = Result(catching: { () throws(DocumentError) in try LoadedLock.load(bytes, path: "fuzz") }) {
                _ = loaded.lock.fingerprint
                _ = Result { () throws(TrustError) in try loaded.checkTrust(TrustPolicy(trustedKeys: [], allowUnsigned: true, now: Timestamp(secondsSinceEpoch: 0))) }
                _ = loaded.lock.yaml
            }
        }),
        ("snapshot", { bytes in _ = Result { () throws(DocumentError) in try Snapshot.load(bytes, path: "fuzz") } }),
        ("facts-document", { bytes in _ = Result { () throws(DocumentError) in try FactsDocument.load(bytes, path: "fuzz") } }),
        ("image-record", { bytes in _ = ImageRecordReader.read(bytes: bytes) }),
        ("png-image", { bytes in
            if case .success(let image) = Result(catching: { () throws(ImageReadError) in try PNGImage.decode(bytes: bytes) }), image.width >= 7, image.height >= 7 {
                // The measures too, on the image against itself turned to RGBA 16-bit.
                let (a, b) = PNGImage.common(image, PNGImage(width: image.width, height: image.height, channels: 4, maxValue: 65535, samples: [UInt16](repeating: 0, count: image.width * image.height * 4), format: "zero"))
                _ = ImageMetrics.ssimSumForFuzzing(a, b)
            }
        }),
        ("nvidia-require-cuda", { bytes in
            let expression = String(decoding: bytes, as: UTF8.self)
            let machine = NvidiaRequireCUDA.Machine(cuda: "12.2", driver: "535.104.05", gpus: [.init(arch: "8.9"), .init(arch: "8.0", brand: "Tesla")])
            _ = NvidiaRequireCUDA.check([expression], on: machine).message
            _ = NvidiaRequireCUDA.compareVersion(expression, .lessEqual, "12.1.0")
        }),
        ("huggingface-cache", { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = HuggingFaceCacheDetector.parseRepositoryFolder(text)
            _ = HuggingFaceCacheDetector.refProblem(text)
            _ = FactPattern(HuggingFaceCacheDetector.factKey(kind: "models", id: text, ref: text))
        }),
        ("os-release", { bytes in _ = OSReleaseDetector.parse(String(decoding: bytes, as: UTF8.self)) }),
        ("cpuinfo", { bytes in _ = CPUInfoDetector.parse(String(decoding: bytes, as: UTF8.self)) }),
        ("nvidia-proc", { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = Result { () throws(NvidiaProcDetector.ParseError) in try NvidiaProcDetector.parseProcVersion(text) }
            _ = Result { () throws(NvidiaProcDetector.ParseError) in try NvidiaProcDetector.parseSysVersion(text) }
        }),
        ("nvidia-smi", { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = Result { () throws(NvidiaSMIDetector.QueryParseError) in try NvidiaSMIDetector.parseQuery(text, fields: NvidiaSMIDetector.queryFields) }
            _ = Result { () throws(NvidiaSMIDetector.QueryParseError) in try NvidiaSMIDetector.parseQuery(text, fields: nil) }
            _ = NvidiaSMIDetector.parseSummary(text)
            _ = NvidiaSMIDetector.complaint(in: text)
        }),
        ("cuda-toolkit", { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = Result { () throws(CUDAToolkitDetector.ParseError) in try CUDAToolkitDetector.parseVersionJSON(text) }
            _ = Result { () throws(CUDAToolkitDetector.ParseError) in try CUDAToolkitDetector.parseVersionText(text) }
            _ = Result { () throws(CUDAToolkitDetector.ParseError) in try CUDAToolkitDetector.parseNVCCVersion(text) }
        }),
        ("cudnn", { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = Result { () throws(CuDNNSystemDetector.ParseError) in try CuDNNSystemDetector.parseHeader(text, path: "fuzz") }
            _ = CuDNNSystemDetector.libraryVersion(fileName: text)
        }),
        ("proc-maps", { bytes in
            for file in RuntimeLibrariesDetector.parseMaps(String(decoding: bytes, as: UTF8.self)) {
                _ = RuntimeLibrariesDetector.component(ofPath: file.path)
            }
        }),
        ("proc-environ", { bytes in
            _ = RunningProcess.parseEnviron(bytes)
            _ = RunningProcess.parseCommandLine(bytes)
        }),
        ("dist-info-record", { bytes in _ = DistributionRecords.parseRecordPaths(String(decoding: bytes, as: UTF8.self)) }),
        ("timestamp", { bytes in _ = Timestamp(parsing: String(decoding: bytes, as: UTF8.self)) }),
        ("fact-pattern", { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let parts = text.split(separator: "\n", maxSplits: 1).map(String.init)
            if parts.count == 2, let pattern = FactPattern(parts[0]) { _ = pattern.matches(parts[1]) }
        }),
        ("specifier", { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let parts = text.split(separator: "\n", maxSplits: 1).map(String.init)
            if let specifiers = try? SpecifierSet(parsing: parts.first ?? "") { _ = specifiers.containsInstalled(parts.last ?? "") }
            _ = try? Version(parsing: text)
        }),
    ]
}

#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// `envlock compare` against numpy and scikit-image on PNGs in every variant it reads, written
/// by Pillow and by `scripts/compare-reference.py`'s own writer (which also computes the
/// reference measures), and on hostile files.
///
/// The reference needs python3 with Pillow, NumPy and scikit-image (scripts/install-test-deps.sh
/// installs them). Without them the tests fail and say so: a skip would hide that the measures
/// were never checked.
@Suite struct CompareTests {
    static let script = SharedData.packageRoot + "/scripts/compare-reference.py"

    /// The generated images and what the reference says of each pair, made once per test run.
    struct Reference: Sendable {
        var folder: String
        var pairs: [MinimalJSON.Value]
        var hostile: [MinimalJSON.Value]
    }

    static let reference: Task<Reference, any Error> = Task {
        let folder = TemporaryFolder()
        let result = try await runProgram("python3", [script, folder.path], environment: Envlock.baseEnvironment())
        guard result.status == 0 else {
            throw ReferenceFailure(message: "compare-reference.py exited \(result.status) (it needs python3 with Pillow, NumPy and scikit-image: run scripts/install-test-deps.sh):\n\(result.stderr)")
        }
        let document = try MinimalJSON.parse(Array(readFile(folder.file("expected.json")).utf8))
        guard case .array(let pairs)? = document["pairs"], case .array(let hostile)? = document["hostile"] else {
            throw ReferenceFailure(message: "expected.json has no pairs or hostile lists")
        }
        return Reference(folder: folder.path, pairs: pairs, hostile: hostile)
    }

    struct ReferenceFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func string(_ value: MinimalJSON.Value?) -> String? {
        switch value {
        case .string(let text)?, .number(let text)?: text
        default: nil
        }
    }

    static func number(_ value: MinimalJSON.Value?) -> Double? {
        string(value).flatMap { $0 == "inf" ? Double.infinity : Double($0) }
    }

    // The limits cover making the reference (Python, 15 s alone, much longer beside the whole suite).
    @Test(.timeLimit(.minutes(5)))
    func everyPNGVariantMeasuresAsScikitImageDoes() async throws {
        let reference = try await Self.reference.value
        #expect(reference.pairs.count >= 20)
        for pair in reference.pairs {
            let name = Self.string(pair["name"]) ?? "?"
            let a = reference.folder + "/" + Self.string(pair["a"])!, b = reference.folder + "/" + Self.string(pair["b"])!
            let tolerance = Self.string(pair["tolerance"])!
            let result = try await Envlock.run(["compare", a, b, "--tolerance", tolerance, "--format", "json"])
            let identical = pair["identical_pixels"] == .bool(true)
            #expect(result.status == (identical ? 0 : 1), "\(name): \(result.stdout)\(result.stderr)")
            let document = try MinimalJSON.parse(Array(result.stdout.utf8))
            guard case .array(let images)? = document["images"], let metrics = images.first?["metrics"] else {
                Issue.record("\(name): no metrics in \(result.stdout)\(result.stderr)")
                continue
            }
            for key in ["differing_pixels", "pixels_beyond_tolerance", "max_difference"] {
                #expect(Self.string(metrics[key]) == Self.string(pair[key]), "\(name) \(key): envlock \(Self.string(metrics[key]) ?? "-"), numpy \(Self.string(pair[key]) ?? "-")")
            }
            let mean = Self.number(metrics["mean_difference"])!, expectedMean = Self.number(pair["mean_difference"])!
            #expect(abs(mean - expectedMean) <= 1e-6 * Swift.max(1, expectedMean), "\(name) mean: envlock \(mean), numpy \(expectedMean)")
            let psnr = Self.number(metrics["psnr"])!, expectedPSNR = Self.number(pair["psnr"])!
            #expect(psnr == expectedPSNR || abs(psnr - expectedPSNR) <= 1e-4, "\(name) PSNR: envlock \(psnr), skimage \(expectedPSNR)")
            let ssim = Self.number(metrics["ssim"])!, expectedSSIM = Self.number(pair["ssim"])!
            #expect(abs(ssim - expectedSSIM) <= 1e-4, "\(name) SSIM: envlock \(ssim), skimage \(expectedSSIM)")
        }
    }

    @Test func identicalPixelsInOtherBytesExitZeroAndSaySo() async throws {
        let reference = try await Self.reference.value
        let result = try await Envlock.run(["compare", reference.folder + "/rgb8-a.png", reference.folder + "/rgb8-a-rewritten.png"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.unwrappedStdout.contains("identical bytes: no; identical pixels: yes"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("the files differ only in metadata or compression"), "\(result.stdout)")
        let same = try await Envlock.run(["compare", reference.folder + "/rgb8-a.png", reference.folder + "/rgb8-a.png"])
        #expect(same.status == 0)
        #expect(same.unwrappedStdout.contains("identical bytes: yes"), "\(same.stdout)")
        #expect(same.unwrappedStdout.contains("PSNR inf dB; SSIM 1.000000"), "\(same.stdout)")
    }

    @Test(.timeLimit(.minutes(5)))
    func hostileImagesAreRefusedWithAReasonInBoundedTime() async throws {
        let reference = try await Self.reference.value
        let good = reference.folder + "/rgb8-a.png"
        for entry in reference.hostile {
            let name = Self.string(entry["name"])!, path = reference.folder + "/" + Self.string(entry["path"])!
            let started = ContinuousClock.now
            let result = try await Envlock.run(["compare", good, path])
            let took = ContinuousClock.now - started
            #expect(result.status == 2, "\(name): \(result.stdout)\(result.stderr)")
            #expect(result.unwrappedStdout.contains("UNREADABLE"), "\(name): \(result.stdout)")
            #expect(result.unwrappedStdout.contains(Self.string(entry["reason"])!), "\(name): \(result.stdout)")
            // A debug build beside the whole suite on 2 cores took up to 18 s for any of these (alone,
            // well under one): the bound is that no hostile file costs more than a minute.
            #expect(took < .seconds(60), "\(name) took \(took)")
        }
    }

    @Test func aFolderIsComparedImageByImageWithTotals() async throws {
        let reference = try await Self.reference.value
        let folder = TemporaryFolder()
        let a = try readBytes(reference.folder + "/rgb8-a.png")
        _ = writeImage(folder.file("machine-1.png"), a)
        _ = writeImage(folder.file("machine-2.png"), try readBytes(reference.folder + "/rgb8-a-rewritten.png"))
        _ = writeImage(folder.file("machine-3.png"), try readBytes(reference.folder + "/rgb8-b.png"))
        let result = try await Envlock.run(["compare", reference.folder + "/rgb8-a.png", folder.path])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.unwrappedStdout.contains("totals: 3 images, 2 identical, 1 different, 0 unreadable"), "\(result.stdout)")
        #expect(result.unwrappedStdout.contains("DIFFERENT \(folder.file("machine-3.png"))"), "\(result.stdout)")
        _ = writeImage(folder.file("broken.png"), Array(a.prefix(100)))
        let broken = try await Envlock.run(["compare", reference.folder + "/rgb8-a.png", folder.path, "--format", "markdown"])
        #expect(broken.status == 2, "\(broken.stdout)")
        #expect(broken.stdout.contains("| image | verdict |"), "\(broken.stdout)")
    }

    @Test func culpritsComeFromTheRecordsAndTheSnapshots() async throws {
        let reference = try await Self.reference.value
        let folder = TemporaryFolder()
        // The same pixels as the pair rgb8-a/rgb8-b, with Fooocus records added.
        let record = { (sampler: String, styles: String) in
            #"{"sampler": "\#(sampler)", "scheduler": "karras", "styles": "\#(styles)", "base_model": "juggernautXL_v8Rundiffusion.safetensors", "guidance_scale": 4, "version": "Fooocus v2.5.5"}"#
        }
        let a = withText(try readBytes(reference.folder + "/rgb8-a.png"), [("parameters", record("dpmpp_2m_sde_gpu", "['Fooocus V2', 'Fooocus Sharp']")), ("fooocus_scheme", "fooocus")])
        let b = withText(try readBytes(reference.folder + "/rgb8-b.png"), [("parameters", record("dpmpp_2m_sde_gpu", "['Fooocus V2']")), ("fooocus_scheme", "fooocus")])
        let grid = { (sms: Int, threshold: Int) in #""gpu.0.sm_count": "\#(sms)", "gpu.0.max_threads_per_sm": "2048", "gpu.0.torch_rng_threshold": "\#(threshold)""# }
        let left = folder.write("a.json", #"{"schema": "envlock.snapshot/1", "facts": {"gpu.0.name": "NVIDIA H100 80GB HBM3", "nvidia.driver": "550.54.15", "torch.version": "2.4.1", \#(grid(132, 270_336))}}"#)
        let right = folder.write("b.json", #"{"schema": "envlock.snapshot/1", "facts": {"gpu.0.name": "NVIDIA A100-SXM4-80GB", "nvidia.driver": "550.54.15", "torch.version": "2.4.1", \#(grid(108, 221_184))}}"#)
        let result = try await Envlock.run(["compare", writeImage(folder.file("a.png"), a), writeImage(folder.file("b.png"), b), "--snapshot", left, "--snapshot", right])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let text = result.unwrappedStdout
        let order = ["different-settings", "gpu-model", "gpu-sampler", "cuda-random-grid", "prompt-expansion"].map { text.firstRange(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order == order.sorted { $0! < $1! }, "\(result.stdout)")
        #expect(text.contains("fact: job.fooocus.config.styles: A "), "\(result.stdout)")
        #expect(text.contains(#"snapshots: gpu.0.name A "NVIDIA H100 80GB HBM3", B "NVIDIA A100-SXM4-80GB""#), "\(result.stdout)")
        #expect(text.contains(#"both records: sampler "dpmpp_2m_sde_gpu""#), "\(result.stdout)")
        #expect(text.contains("cuda-random-grid: B's 108 SMs (8 blocks of 256 threads each) draw different CUDA random numbers from A's 132 SMs (8 blocks of 256 threads each) above 221184 elements"), "\(result.stdout)")
        #expect(!text.contains("nvidia.driver"), "an equal fact is no culprit: \(result.stdout)")
    }

    @Test func theHeatMapIsAPNGOfTheImagesSizeAndNeverReplacesAnInput() async throws {
        let reference = try await Self.reference.value
        let folder = TemporaryFolder()
        let a = reference.folder + "/rgba16-a.png", b = reference.folder + "/rgba16-b.png"
        let result = try await Envlock.run(["compare", a, b, "--heatmap", folder.file("heat.png"), "--format", "json"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        // envlock reads its own heat map back: a 67x61 RGB 8-bit PNG, black where the images agree.
        let heat = try await Envlock.run(["compare", folder.file("heat.png"), folder.file("heat.png")])
        #expect(heat.status == 0, "\(heat.stdout)\(heat.stderr)")
        #expect(heat.stdout.contains("(RGB 8-bit and RGB 8-bit)"), "\(heat.stdout)")
        #expect(heat.unwrappedStdout.contains("67x61, 3 channels of 0-255"), "\(heat.stdout)")
        let before = try readBytes(b)
        let refused = try await Envlock.run(["compare", a, b, "--heatmap", b])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(try readBytes(b) == before)
    }

    @Test func aSnapshotGivenOnceIsAUsageError() async throws {
        let result = try await Envlock.run(["compare", "a.png", "b.png", "--snapshot", "a.json"])
        #expect(result.status == 64, "\(result.stderr)")
    }

    /// `png` with text chunks inserted after IHDR (Pillow's PngInfo puts them there).
    func withText(_ png: [UInt8], _ texts: [(String, String)]) -> [UInt8] {
        let chunks = texts.flatMap { TestImages.chunk("tEXt", Array($0.0.utf8) + [0] + Array($0.1.utf8)) }
        return Array(png[0..<33]) + chunks + Array(png[33...])
    }
}

func readBytes(_ path: String) throws -> [UInt8] {
    try TestFiles.bytes(path)
}

extension CompareTests {
    /// Headers at the format's extremes are refused from the header alone: 2^31-1 on each side
    /// (whose sample count overflows 64 bits when multiplied carelessly) and 2^24 + 1 pixels of
    /// one row.
    @Test func extremeDimensionsAreRefusedFromTheHeader() async throws {
        let folder = TemporaryFolder()
        let reference = try await Self.reference.value
        for (width, height) in [(UInt32(Int32.max), UInt32(Int32.max)), (UInt32(1 << 24) + 1, 1)] {
            let header = TestImages.bigEndian(width) + TestImages.bigEndian(height) + [8, 6, 0, 0, 0]
            let png: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10] + TestImages.chunk("IHDR", header) + TestImages.chunk("IDAT", [0x78, 0x9C, 3, 0, 0, 0, 0, 1]) + TestImages.chunk("IEND", [])
            let path = writeImage(folder.file("extreme-\(width).png"), png)
            let result = try await Envlock.run(["compare", reference.folder + "/rgb8-a.png", path])
            #expect(result.status == 2, "\(width)x\(height): \(result.stdout)\(result.stderr)")
            #expect(result.unwrappedStdout.contains("the image is too large"), "\(result.stdout)")
        }
    }
}

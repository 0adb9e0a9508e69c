import EnvLock

/// The torch and CUDA libraries a running process has actually loaded, read from
/// `/proc/PID/maps` (`--pid`): which cuDNN the dynamic linker chose, not which one is installed.
///
/// For each component found (`cudnn`, `cublas`, `cudart`, `torch`, …):
///
/// - `runtime.C.path`: the mapped file, in the process's own filesystem view;
/// - `runtime.C.version`: the version of the library's own distribution when its RECORD lists
///   the file (`nvidia-cudnn-cu12` for cuDNN, torch for `libtorch_cuda.so`), else the version
///   in the file name when it carries more than a major (`libcudnn.so.8.9.2` → `8.9.2`), else
///   `unknown`. A library vendored in another wheel (torch 2.2.0's
///   `torch/lib/libcusparseLt-f80c68d1.so.0`) never takes that wheel's version: torch 2.2.0
///   carries a cuSPARSELt 0.x, not a cuSPARSELt 2.2.0;
/// - `runtime.C.source`: `wheel nvidia-cudnn-cu12 8.9.2.26`, `system /usr/lib/…/libcudnn.so.8.9.2`,
///   `unrecorded /path` for a file in site-packages that no RECORD lists, or `deleted /path` for
///   a file replaced on disk after the process loaded it.
///
/// `runtime.state` is `loaded`, or `not-loaded-yet` for a process that has mapped no torch or
/// CUDA library (still starting): rules on the missing `runtime.` facts then only warn.
public struct RuntimeLibrariesDetector: Detector {
    public let name = "runtime-libraries"
    let provides = ["runtime."]
    /// Without --pid there is nothing to read.
    func mayBlock(in context: HostContext) -> Bool { context.process != nil }

    init() {}

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let process = context.process else {
            return .skipped("no --pid: only a running process shows which libraries it loaded")
        }
        let maps: String
        do {
            maps = try context.readProcessFile("maps", of: process)
        } catch {
            guard case .permissionDenied = error else {
                return .failed("\(error.description): the libraries process \(process.pid) loaded cannot be read")
            }
            // The access check that let envlock read environ may refuse maps later: the process
            // may have exec'd a setuid program since.
            return .failed("\(error.description): \(ProcessAccessDenial.cause(procFolder: process.procFolder).description); the libraries process \(process.pid) loaded cannot be read")
        }
        let loaded = Self.parseMaps(maps).compactMap { file in Self.component(ofPath: file.path).map { ($0, file) } }
        guard !loaded.isEmpty else {
            var outcome = DetectorOutcome.ok([RuntimeState.key: RuntimeState.notLoadedYet])
            outcome.detail = "process \(process.pid) has not loaded torch or any CUDA library yet (still starting, or not a CUDA job)"
            return outcome
        }
        var records = DistributionRecords(files: context.filesystem(of: process))
        var facts = [RuntimeState.key: RuntimeState.loaded]
        var diagnostics: [String] = []
        var systemCopies: [(component: String, path: String)] = []
        for (component, file) in loaded {
            let owner = file.deleted ? nil : records.owner(of: file.path)
            let source = Self.source(of: file, owner: owner, inSitePackages: owner == nil && records.isInSitePackages(file.path))
            guard facts["runtime.\(component).path"] == nil else {
                diagnostics.append("\(component): also mapped \(file.path) (\(source)); the facts describe \(facts["runtime.\(component).path"]!), mapped first")
                continue
            }
            facts["runtime.\(component).path"] = file.path
            facts["runtime.\(component).version"] = Self.version(of: component, fileName: PythonPath.basename(file.path), owner: owner)
            facts["runtime.\(component).source"] = source
            if source.hasPrefix("system ") { systemCopies.append((component, file.path)) }
            if file.deleted {
                diagnostics.append("\(component): \(file.path) was replaced or removed on disk after process \(process.pid) loaded it; restart the process to run what is installed now")
            }
        }
        // Name the wheel's copy a system library was chosen over, so the report says what to fix.
        for (component, path) in systemCopies {
            guard let stem = LibraryFileName(PythonPath.basename(path))?.stem else { continue }
            for (owner, wheelCopy) in records.recordedLibraries(stem: stem) {
                diagnostics.append("\(component): the linker chose the system copy \(path) over \(owner.name) \(owner.version)'s \(wheelCopy) (a folder earlier on LD_LIBRARY_PATH, LD_PRELOAD or the system's library cache put it first)")
            }
        }
        diagnostics.append(contentsOf: records.problems)
        return .ok(facts, diagnostics: diagnostics)
    }

    /// `wheel NAME VERSION`; `unrecorded PATH` for a file in a site-packages folder that no
    /// RECORD lists (copied there by hand or by a build); `system PATH` for one outside any;
    /// `deleted PATH` for a file replaced on disk since it was mapped.
    static func source(of file: MappedFile, owner: DistributionOwner?, inSitePackages: Bool) -> String {
        if file.deleted { return "deleted \(file.path)" }
        if let owner { return "wheel \(owner.name) \(owner.version)" }
        return (inSitePackages ? "unrecorded " : "system ") + file.path
    }

    /// The owner's version when the owner is the library's own distribution, else the file
    /// name's version when it has more than a major, else `unknown`.
    ///
    /// The own wheel's version is the precise one (`nvidia-cuda-nvrtc-cu12 12.1.105` installs
    /// `libnvrtc-builtins.so.12.1`). Another wheel's version says nothing about a library it
    /// bundles, and a major alone (`.so.0`, `.so.8`) is only the soname's, so neither is given
    /// as the library's version.
    static func version(of component: String, fileName: String, owner: DistributionOwner?) -> String {
        if let owner, isOwnDistribution(owner.name, of: component) { return owner.version }
        if let fromName = LibraryFileName(fileName)?.version, fromName.contains(".") { return fromName }
        return "unknown"
    }

    /// The `cuda-wheels` component (`CUDAWheelsDetector.component(ofDistribution:)`) of the
    /// NVIDIA wheel each CUDA library fact component comes in: `nvidia-cublas-cu12` installs
    /// both cuBLAS and cuBLASLt, `nvidia-cuda-runtime-cu12` the CUDA runtime.
    static let wheelComponents: [String: String] = [
        "cudart": "cuda", "cublas": "cublas", "cublaslt": "cublas", "cudnn": "cudnn", "nccl": "nccl",
        "nvrtc": "nvrtc", "nvrtc_builtins": "nvrtc", "nvjitlink": "nvjitlink", "cufft": "cufft", "cufftw": "cufft",
        "curand": "curand", "cusolver": "cusolver", "cusolvermg": "cusolver", "cusparse": "cusparse",
        "cusparselt": "cusparselt", "cupti": "cupti", "nvtx": "nvtx",
    ]

    /// Whether the distribution `name` (PEP 503 normalized) is the one that ships `component`
    /// as itself rather than bundling it: its NVIDIA wheel for a CUDA library (a cuDNN
    /// sub-library's is nvidia-cudnn), torch for its own libraries, the package of an `_C`
    /// extension module, flash-attn for its module. The driver's libcuda and NVML have none.
    static func isOwnDistribution(_ name: String, of component: String) -> Bool {
        let wheelComponent = component.hasPrefix("cudnn_") ? "cudnn" : wheelComponents[component]
        if let wheelComponent { return CUDAWheelsDetector.component(ofDistribution: name)?.component == wheelComponent }
        switch component {
        case "torch_cuda", "c10_cuda": return name == "torch"
        case "flash_attn": return name == "flash-attn"
        default:
            // `torch_c_flatbuffer` is torch's `_C_flatbuffer` module; `torchvision` is not torch's.
            return extensionPackages.contains(name) && (component == name || component.hasPrefix(name + "_"))
        }
    }

    /// One file mapped into a process.
    public struct MappedFile: Sendable, Equatable {
        public var path: String
        /// The kernel marks a mapping whose file was unlinked or replaced since with ` (deleted)`.
        var deleted: Bool
    }

    /// The files mapped in a `/proc/PID/maps` text, each once, in the order first mapped.
    ///
    /// A line is `address perms offset dev inode path`; the path (which may contain spaces)
    /// starts after the fifth field's padding, and anonymous or `[heap]`-like mappings have none.
    public static func parseMaps(_ text: String) -> [MappedFile] {
        var seen: Set<String> = []
        var files: [MappedFile] = []
        for line in text.split(separator: "\n") {
            var rest = line[...]
            for _ in 0..<5 {
                rest = rest.drop { $0 == " " }
                rest = rest.drop { $0 != " " }
            }
            rest = rest.drop { $0 == " " }
            guard rest.hasPrefix("/") else { continue }
            var path = String(rest)
            let deleted = path.hasSuffix(" (deleted)")
            if deleted { path = String(path.dropLast(" (deleted)".count)) }
            if seen.insert(path).inserted { files.append(MappedFile(path: path, deleted: deleted)) }
        }
        return files
    }

    /// Library stems (the name between `lib` and `.so`) and the fact component of each.
    static let libraryComponents: [String: String] = [
        "cudart": "cudart", "cublas": "cublas", "cublasLt": "cublaslt", "cudnn": "cudnn", "nccl": "nccl",
        "nvrtc": "nvrtc", "nvrtc-builtins": "nvrtc_builtins", "nvJitLink": "nvjitlink", "cufft": "cufft",
        "cufftw": "cufftw", "curand": "curand", "cusolver": "cusolver", "cusolverMg": "cusolvermg",
        "cusparse": "cusparse", "cusparseLt": "cusparselt", "cupti": "cupti", "nvToolsExt": "nvtx",
        "cuda": "libcuda", "nvidia-ml": "nvml", "torch_cuda": "torch_cuda", "c10_cuda": "c10_cuda",
    ]

    /// Python packages whose `_C*.so` extension modules show which copy the process imported.
    static let extensionPackages: Set<String> = ["torch", "torchvision", "xformers"]

    /// The fact component a mapped file belongs to, or nil when it is none of torch's or CUDA's:
    /// `cudnn` for `…/libcudnn.so.8`, `cudnn_ops_infer` for a cuDNN sub-library, `torch` for
    /// `…/torch/_C.cpython-310-x86_64-linux-gnu.so`, `flash_attn` for flash-attention's module.
    public static func component(ofPath path: String) -> String? {
        // The component becomes one segment of a fact key: a file name with spaces, dots or
        // other bytes (any file can be mapped) must not make a malformed or forged key.
        guard let component = candidateComponent(ofPath: path),
              component.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
        else { return nil }
        return component
    }

    private static func candidateComponent(ofPath path: String) -> String? {
        let name = PythonPath.basename(path)
        if name.hasPrefix("_C"), name.hasSuffix(".so") {
            let package = PythonPath.basename(PythonPath.dirname(path))
            guard extensionPackages.contains(package) else { return nil }
            let module = name.prefix { $0 != "." }
            return module == "_C" ? package : package + "_" + module.dropFirst().lowercased()
        }
        if name.hasPrefix("flash_attn"), name.containsBytes(".so") { return "flash_attn" }
        guard let library = LibraryFileName(name) else { return nil }
        if library.stem.hasPrefix("cudnn_") { return library.stem.lowercased() }
        return libraryComponents[library.stem]
    }
}

/// A shared library's file name taken apart: `libcudart-d0da41ae.so.11.0` is stem `cudart`
/// (auditwheel's hash dropped) and version `11.0`; `libtorch_cuda.so` has no version.
struct LibraryFileName: Sendable, Equatable {
    var stem: String
    var version: String?

    init?(_ name: String) {
        let bytes = Array(name.utf8)
        guard bytes.starts(with: Array("lib".utf8)) else { return nil }
        // The first `.so` that ends the name or is followed by `.`: `libnvrtc-builtins.so.12.1`.
        var so: Int?
        var index = 3
        while index + 3 <= bytes.count {
            if bytes[index] == UInt8(ascii: "."), bytes[index + 1] == UInt8(ascii: "s"), bytes[index + 2] == UInt8(ascii: "o"),
               index + 3 == bytes.count || bytes[index + 3] == UInt8(ascii: ".") {
                so = index
                break
            }
            index += 1
        }
        guard let so, so > 3 else { return nil }
        var stem = Substring(String(decoding: bytes[3..<so], as: UTF8.self))
        if let dash = stem.lastIndex(of: "-") {
            let hash = stem[stem.index(after: dash)...]
            if hash.count == 8, hash.allSatisfy(\.isHexDigit) { stem = stem[..<dash] }
        }
        let version = bytes.count > so + 4 ? String(decoding: bytes[(so + 4)...], as: UTF8.self) : ""
        self.stem = String(stem)
        self.version = !version.isEmpty && version.allSatisfy({ $0.isNumber || $0 == "." }) ? String(version) : nil
    }
}

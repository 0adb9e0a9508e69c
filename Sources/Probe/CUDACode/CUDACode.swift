#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// The GPU code compiled into the installed CUDA libraries, read from their fat binaries
/// (`FatbinReader`) without cuobjdump and without loading them, and which of it each GPU runs
/// (`GPUCodeChoice`).
///
/// Keys, per library (COMPONENT in the table):
///
/// | library | COMPONENT |
/// | --- | --- |
/// | torch/lib/libtorch_cuda.so | `torch` |
/// | torch/lib/libtorch_cuda_linalg.so | `torch_linalg` |
/// | torchvision/_C.so | `torchvision` |
/// | xformers/_C.so | `xformers` |
/// | xformers/_C_flashattention.so | `xformers_flash` |
/// | flash_attn_2_cuda*.so beside flash_attn/ | `flash_attn` |
///
/// `cuda_code.COMPONENT.sass` and `.ptx` are the SASS and PTX architectures as lists
/// (`["sm_50","sm_86","sm_90"]`, `["compute_80"]`, `[]` for none); `cuda_code.COMPONENT.gpu.N`
/// is what GPU N runs: `sm_86`, `ptx compute_80` (compiled by the driver when it loads), or
/// `none` (the kernels cannot launch). A package that is not installed, or installed without
/// the library (a CPU build), gives no keys; a library that cannot be read or parsed makes the
/// detector fail with the reason, its keys unreadable.
///
/// The GPUs' compute capabilities come from the GPU detectors, which this one waits for; N
/// numbers the GPUs as the `gpu.N` facts of the same source do. The keys stay out of the
/// `gpu.` family, which one GPU source owns whole (`FactMergePolicy`).
struct CUDACodeDetector: SysPathDetector {
    let name = "cuda-code"
    let provides = ["cuda_code."]
    /// The GPU detectors in the order the merge prefers them, then python.
    static let gpuSources = ["nvml", "cuda-driver", "nvidia-smi"]
    let dependencies = ["python"] + CUDACodeDetector.gpuSources

    /// Where one component's library is: a file in a package folder, or files beside one.
    struct Component: Sendable {
        var name: String
        var package: String
        /// The file's path inside the package folder; nil: a file beside the package whose
        /// name starts with `besidePrefix` and ends with `.so`.
        var path: String?
        var besidePrefix: String?
    }

    static let components: [Component] = [
        Component(name: "torch", package: "torch", path: "lib/libtorch_cuda.so"),
        Component(name: "torch_linalg", package: "torch", path: "lib/libtorch_cuda_linalg.so"),
        Component(name: "torchvision", package: "torchvision", path: "_C.so"),
        Component(name: "xformers", package: "xformers", path: "_C.so"),
        Component(name: "xformers_flash", package: "xformers", path: "_C_flashattention.so"),
        Component(name: "flash_attn", package: "flash_attn", besidePrefix: "flash_attn_2_cuda"),
    ]

    init() {}

    func detect(in context: HostContext, sysPath: [String], earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        var diagnostics: [String] = []
        var failures: [String] = []
        var unreadable: [String: String] = [:]
        let libraries = Self.libraries(on: sysPath, in: context, diagnostics: &diagnostics, failures: &failures)
        if libraries.isEmpty && failures.isEmpty {
            return .absent("no CUDA library of torch, torchvision, xformers or flash_attn on sys.path")
        }
        let read = Self.read(libraries.map { ($0.path, $0.status) }, in: context)
        diagnostics += read.diagnostics
        var facts: [String: String] = [:]
        var found: [(component: String, variants: Set<GPUCodeVariant>)] = []
        for library in libraries {
            switch read.results[library.path]! {
            case .success(let contents):
                let sorted = contents.variants.sorted()
                facts["cuda_code.\(library.component).sass"] = FactList.encode(sorted.filter { $0.kind == .sass }.map(\.name))
                facts["cuda_code.\(library.component).ptx"] = FactList.encode(sorted.filter { $0.kind == .ptx }.map(\.name))
                for (kind, count) in contents.unknownKinds.sorted(by: { $0.key < $1.key }) {
                    diagnostics.append("\(library.path): \(count) fat binary entries of kind \(kind), neither PTX nor ELF, were not counted")
                }
                if contents.undecodedCubins > 0 {
                    diagnostics.append("\(library.path): \(contents.undecodedCubins) compressed cubins for sm_90 or later could not be opened (zstd, or LZ4 that does not decompress); they count as plain builds, not architecture-specific (a) ones")
                }
                found.append((library.component, contents.variants))
            case .failure(let error):
                let reason = "\(context.hostPath(library.path)) \(error)"
                failures.append(reason)
                for suffix in ["sass", "ptx"] { unreadable["cuda_code.\(library.component).\(suffix)"] = reason }
            }
        }
        let (capabilities, gpuNote) = Self.capabilities(earlier)
        if let gpuNote { diagnostics.append(gpuNote) }
        for (index, capability) in capabilities {
            for library in found {
                facts["cuda_code.\(library.component).gpu.\(index)"] = GPUCodeChoice.choose(for: capability, from: library.variants).factValue
            }
        }
        var outcome = failures.isEmpty ? DetectorOutcome.ok(facts, diagnostics: diagnostics)
            : DetectorOutcome.failed(failures.joined(separator: "; ") + "; reinstall the package", facts: facts, diagnostics: diagnostics)
        outcome.unreadable = unreadable
        return outcome
    }

    /// The libraries of the installed components, by component, in table order.
    static func libraries(on sysPath: [String], in context: HostContext, diagnostics: inout [String], failures: inout [String]) -> [(component: String, path: String, status: FileStatus?)] {
        var libraries: [(component: String, path: String, status: FileStatus?)] = []
        var folders: [String: String?] = [:]
        for component in components {
            let folder: String?
            if let known = folders[component.package] {
                folder = known
            } else {
                folder = PythonInstallation.packageFolder(component.package, on: sysPath, in: context)
                folders[component.package] = folder
            }
            guard let folder else { continue }
            if let path = component.path {
                let library = PythonPath.join(folder, path)
                do throws(POSIXFailure) {
                    libraries.append((component.name, library, try context.status(library)))
                } catch {
                    // No such file is a build without it (a CPU-only torch); anything else is a failure.
                    if error.errno != ENOENT && error.errno != ENOTDIR {
                        failures.append("\(context.hostPath(library)) cannot be read: \(error.reason)")
                    }
                }
            } else if let prefix = component.besidePrefix {
                let parent = PythonPath.dirname(folder)
                do throws(FileReadError) {
                    let names = try context.listDirectory(parent).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".so") }
                    if names.count > 1 { diagnostics.append("\(context.hostPath(parent)) holds \(names.count) \(prefix)*.so files (\(names.joined(separator: ", "))); the first is read") }
                    if let name = names.first { libraries.append((component.name, PythonPath.join(parent, name), nil)) }
                } catch {
                    failures.append(error.description)
                }
            }
        }
        return libraries
    }

    /// What the libraries at `paths` hold, from the cache entry where a library is unchanged
    /// (its status as found, or a `stat` now), else read (and remembered).
    static func read(_ libraries: [(path: String, status: FileStatus?)], in context: HostContext) -> (results: [String: Result<FatbinReader.Contents, LibraryReadError>], diagnostics: [String]) {
        let paths = libraries.map(\.path)
        var diagnostics: [String] = []
        let cache = context.digestCacheFolder.map { GPUCodeCache(cacheFolder: $0, paths: paths.map(context.hostPath)) }
        var remembered: [String: GPUCodeCache.Remembered] = [:]
        if let cache {
            let loaded = cache.load()
            remembered = loaded.libraries
            if let note = loaded.note { diagnostics.append(note) }
        }
        var results: [String: Result<FatbinReader.Contents, LibraryReadError>] = [:]
        var toRemember: [String: GPUCodeCache.Remembered] = [:]
        var changed = false
        let started = DistributionDigestCache.now()
        for (path, found) in libraries {
            let key = context.hostPath(path)
            if let entry = remembered[key] {
                do throws(POSIXFailure) {
                    let status: FileStatus
                    if let found { status = found } else { status = try context.status(path) }
                    let identity = ModelDigest.FileIdentity(status)
                    if identity.line == entry.identity {
                        results[path] = .success(entry.contents)
                        toRemember[key] = entry
                        continue
                    }
                } catch {
                    // Read below, where the failure gets its reason.
                }
            }
            changed = true
            let file: LibraryFile
            do throws(FileReadError) {
                file = try LibraryFile(path, context: context)
            } catch {
                results[path] = .failure(.cannotRead(error.description))
                continue
            }
            do throws(LibraryReadError) {
                let contents = try FatbinReader.contents(of: file)
                results[path] = .success(contents)
                let identity = ModelDigest.FileIdentity(file.status)
                // Remembered only when the file did not change while it was read, and its last
                // change lies safely before the read started (git's "racy" rule).
                let unchanged: Bool
                do throws(POSIXFailure) {
                    unchanged = ModelDigest.FileIdentity(try file.currentStatus()) == identity
                } catch {
                    unchanged = false
                    diagnostics.append("\(key): not cached: cannot \(error.operation): \(error.reason)")
                }
                if unchanged && DistributionDigestCache.isSettled(identity, hashingStarted: started) {
                    toRemember[key] = GPUCodeCache.Remembered(identity: identity.line, contents: contents)
                }
            } catch {
                results[path] = .failure(error)
            }
        }
        if let cache, changed || toRemember.count != remembered.count, !toRemember.isEmpty, let problem = cache.save(toRemember) {
            diagnostics.append(problem)
        }
        return (results, diagnostics)
    }

    /// The compute capability of each GPU by index, from the first GPU detector that read
    /// the GPUs, and a note when none finished in time to be asked.
    static func capabilities(_ earlier: [String: DetectorOutcome]) -> (capabilities: [(index: String, capability: ArchListEntry.Capability)], note: String?) {
        guard let source = gpuSources.first(where: { earlier[$0]?.status == .ok }), let facts = earlier[source]?.facts else {
            let late = gpuSources.filter { earlier[$0] == nil }
            return ([], late.isEmpty ? nil : "cuda_code.*.gpu.N is left out: \(late.joined(separator: ", ")) did not finish in time to say which GPUs there are")
        }
        var capabilities: [(index: String, capability: ArchListEntry.Capability)] = []
        for (key, value) in facts where key.hasPrefix("gpu.") && key.hasSuffix(".compute_capability") {
            let index = String(key.dropFirst(4).dropLast(".compute_capability".count))
            guard !index.contains("."), let capability = ArchListEntry.Capability(value) else { continue }
            capabilities.append((index, capability))
        }
        return (capabilities.sorted { (Int($0.index) ?? 0, $0.index) < (Int($1.index) ?? 0, $1.index) }, nil)
    }
}

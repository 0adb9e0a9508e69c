#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// Every detector reads a `--root` tree as chroot would: a link in any file or folder it reads
/// (os-release, /proc, site-packages and dist-info METADATA, .pth files, cuDNN headers, CUDA's
/// version.json, torch's version.py, conda-meta, Hugging Face refs) that climbs out of the
/// root, by `..` or by an absolute target, resolves inside the root instead. Each escaping link
/// points at a file outside the root that would show up as a fact if it were read.
@Suite struct RootEscapeTests {
    /// The word in every file outside the root; it must never reach the output.
    static let sentinel = "ESCAPED"
    /// The version in every file outside the root, which a detector would report as a fact.
    static let sentinelVersion = "66.6.6"

    /// The files outside the root, each one a detector would turn into a fact.
    static func plantOutside(_ outside: TemporaryFolder) {
        outside.write("os-release", "ID=\(sentinel)\nVERSION_ID=\(sentinelVersion)\n")
        outside.write("cpuinfo", "processor\t: 0\nmodel name\t: \(sentinel) CPU\nflags\t\t: fpu \(sentinel.lowercased())\n")
        outside.write("nvidia-version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  \(sentinelVersion)  Thu Jan 1 00:00:00 UTC 2026\n")
        outside.write("cudnn_version.h", "#define CUDNN_MAJOR 66\n#define CUDNN_MINOR 6\n#define CUDNN_PATCHLEVEL 6\n")
        outside.write("cuda/version.json", "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"\(sentinelVersion)\"}}\n")
        outside.write("cuda/include/cudnn_version.h", "#define CUDNN_MAJOR 66\n#define CUDNN_MINOR 6\n#define CUDNN_PATCHLEVEL 6\n")
        outside.write("METADATA", "Metadata-Version: 2.1\nName: \(sentinel)\nVersion: \(sentinelVersion)\n")
        outside.write("pkg.dist-info/METADATA", "Metadata-Version: 2.1\nName: \(sentinel)-folder\nVersion: \(sentinelVersion)\n")
        outside.write("paths.pth", "\(sentinel)-dir\n")
        outside.write("version.py", "__version__ = '\(sentinelVersion)+\(sentinel)'\ngit_version = '\(sentinel)'\ncuda = '66.6'\n")
        outside.write("conda-record.json", "{\"name\": \"\(sentinel)\", \"version\": \"\(sentinelVersion)\", \"build\": \"0\", \"channel\": \"x\"}\n")
        outside.write("conda-meta/record-1-0.json", "{\"name\": \"\(sentinel)-folder\", \"version\": \"\(sentinelVersion)\", \"build\": \"0\"}\n")
        outside.write("ref", "\(sentinel)\n")
        outside.write("pyvenv.cfg", "home = /\(sentinel)\nversion = \(sentinelVersion)\n")
    }

    /// A tree whose own files make a Python environment, a conda prefix and a Hugging Face
    /// cache that detectors do read (the controls), and whose other files link out.
    static func plantRoot(_ root: TemporaryFolder, outside: String, relative: Bool) {
        // `relative`: enough `..` to reach the real `/` from anywhere in the tree, then down to
        // the outside folder; otherwise the outside folder's absolute path.
        func out(_ name: String) -> String {
            (relative ? String(repeating: "../", count: 40) + outside.dropFirst() : outside) + "/" + name
        }
        func link(_ path: String, _ target: String) {
            makeFolders(root.file(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])))
            #expect(symlink(target, root.file(path)) == 0, "\(path)")
        }
        let site = "venv/lib/python3.11/site-packages"
        root.write("venv/bin/python", "")
        root.write("venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.4\n")
        root.write("usr/lib/python3.11/os.py", "")
        root.write("\(site)/inside-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: inside\nVersion: 1.0\n")
        root.write("\(site)/torch/__init__.py", "")
        makeFolders(root.file("\(site)/\(sentinel)-dir"))
        root.write("venv/conda-meta/inside-1.0-0.json", "{\"name\": \"inside\", \"version\": \"1.0\", \"build\": \"0\"}\n")
        root.write("root/.cache/huggingface/hub/models--org--inside/refs/main", String(repeating: "a", count: 40))

        link("etc/os-release", out("os-release"))
        link("usr/lib/os-release", out("os-release"))
        link("proc/cpuinfo", out("cpuinfo"))
        link("proc/driver/nvidia/version", out("nvidia-version"))
        link("usr/include/cudnn_version.h", out("cudnn_version.h"))
        link("usr/local/cuda", out("cuda"))
        link("\(site)/dist-1.0.dist-info/METADATA", out("METADATA"))
        link("\(site)/folder-1.0.dist-info", out("pkg.dist-info"))
        link("\(site)/file-1.0.egg-info", out("METADATA"))
        link("\(site)/linked.pth", out("paths.pth"))
        link("\(site)/torch/version.py", out("version.py"))
        link("venv/conda-meta/linked-1.0-0.json", out("conda-record.json"))
        link("usr/conda-meta", out("conda-meta"))
        link("root/.cache/huggingface/hub/models--org--inside/refs/linked", out("ref"))
        link("root/.cache/huggingface/hub/models--org--linked", out(""))
        link("other/bin/python", "/venv/bin/python")
        link("other/pyvenv.cfg", out("pyvenv.cfg"))
    }

    @Test(arguments: [true, false])
    func noDetectorReadsAFileOutsideTheRoot(relative: Bool) async throws {
        let outside = TemporaryFolder()
        let root = TemporaryFolder()
        Self.plantOutside(outside)
        Self.plantRoot(root, outside: outside.path, relative: relative)
        let kind = relative ? "relative" : "absolute"
        for python in ["/venv/bin/python", "/other/bin/python"] {
            let result = try await Envlock.run(["probe", "--root", root.path, "--python", python, "--format", "json"])
            #expect(result.status == 0, "\(kind), \(python): \(result.stderr)")
            for word in [Self.sentinel, Self.sentinel.lowercased(), Self.sentinelVersion] {
                #expect(!result.stdout.contains(word), "\(kind), \(python): \(word) from outside the root in \(result.stdout)")
                #expect(!result.stderr.contains(word), "\(kind), \(python): \(word) from outside the root in \(result.stderr)")
            }
            guard python == "/venv/bin/python" else { continue }
            // The controls: the same detectors did read the tree's own files.
            let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
            #expect(snapshot.facts["python.packages.inside"] == "1.0", "\(kind): \(snapshot.facts)")
            #expect(snapshot.facts["conda.packages.inside"] == "1.0", "\(kind): \(snapshot.facts)")
            #expect(snapshot.facts.values.contains(String(repeating: "a", count: 40)), "\(kind): \(snapshot.facts)")
        }
    }

    /// The job detectors read the job's checkout under the root too: a Fooocus checkout whose
    /// config.txt and presets link out.
    @Test(arguments: [true, false])
    func noJobDetectorReadsAFileOutsideTheRoot(relative: Bool) async throws {
        let outside = TemporaryFolder()
        let root = TemporaryFolder()
        outside.write("config.txt", "{\"default_model\": \"\(Self.sentinel).safetensors\"}\n")
        outside.write("presets/default.json", "{\"default_refiner\": \"\(Self.sentinel)-refiner.safetensors\"}\n")
        let checkout = "app/Fooocus"
        root.write("\(checkout)/fooocus_version.py", "version = '2.5.5'\n")
        root.write("\(checkout)/entry_with_update.py", "")
        root.write("\(checkout)/.git/HEAD", String(repeating: "b", count: 40) + "\n")
        installProvenPython(in: root)
        let climb = relative ? String(repeating: "../", count: 40) + outside.path.dropFirst() : outside.path
        #expect(symlink(climb + "/config.txt", root.file("\(checkout)/config.txt")) == 0)
        #expect(symlink(climb + "/presets", root.file("\(checkout)/presets")) == 0)
        let result = try await Envlock.run(["probe", "--root", root.path, "--format", "json", "--", "python3", "/\(checkout)/entry_with_update.py"])
        let kind = relative ? "relative" : "absolute"
        #expect(result.status == 0, "\(kind): \(result.stderr)")
        for word in [Self.sentinel, Self.sentinel.lowercased()] {
            #expect(!result.stdout.contains(word), "\(kind): \(word) from outside the root in \(result.stdout)")
            #expect(!result.stderr.contains(word), "\(kind): \(word) from outside the root in \(result.stderr)")
        }
        // The control: the detector read the checkout's own files and went on to the config.
        let snapshot = try Snapshot.load(Array(result.stdout.utf8), path: "stdout")
        #expect(snapshot.facts["job.fooocus.version"] == "2.5.5", "\(kind): \(snapshot.facts)")
        #expect(snapshot.facts["job.fooocus.commit"] == String(repeating: "b", count: 40), "\(kind): \(snapshot.facts)")
        #expect(snapshot.facts["job.fooocus.model.base.file"] != nil, "\(kind): \(snapshot.facts)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// What users see, byte for byte: the output of probe, lock, verify, diff, fleet and the help
/// texts on one fixture machine, compared with the files in Tests/Golden/.
///
/// The fixture machine is the profile kit's (the fake L4 driver, the torch 2.2.0 + cu121 stack
/// in a site-packages folder, an offline Hugging Face cache) running a Fooocus checkout. What
/// belongs to the machine running the tests, not to the fixture, is masked before comparing:
/// the fixture's temporary folder and the package's, the lock's creation time and fingerprint, and the values
/// of the `host.*` and `swift.version` facts (the real kernel, CPU, C library and OS).
///
/// When a change alters output on purpose, record anew with `ENVLOCK_GOLDEN_RECORD=1` and
/// review the diff of Tests/Golden/ in the commit; recording always fails the run, so that it
/// cannot pass unnoticed.
@Suite(.serialized) struct GoldenOutputTests {
    static let goldenFolder = SharedData.packageRoot + "/Tests/Golden/"
    static let profile = SharedData.packageRoot + "/profiles/fooocus-torch2.2.0-cu121.yaml"

    /// Facts whose values come from the machine running the tests.
    static let machineKeys = ["host.arch", "host.cpu.flags", "host.cpu.model", "host.glibc", "host.kernel", "host.name", "host.os.id", "host.os.version", "swift.version"]

    /// One run: its arguments, exit status and both output streams.
    struct Run {
        var arguments: [String]
        var result: ProgramResult
        /// Mask digests that hash temporary paths or times (a fleet group, an edited lock).
        var maskDigests = false
        /// Environment variables this run adds to the machine's (`default_sampler=…`).
        var variables: [String] = []
    }

    /// The fixture machine, its lock, and a drifted copy of its site-packages.
    struct Machine {
        let folder = TemporaryFolder()
        let checkout: FooocusCheckout
        var environment: [String: String]
        var command: [String]

        init() async throws {
            var checkout = try FooocusCheckout()
            // The checkout's own launch.py names its temporary folder; the golden one must not.
            _ = checkout.folder.write("Fooocus/launch.py", "print('Fooocus')\n")
            try checkout.recommit()
            ProfileKitTests.writeStack(in: folder, site: "site", extra: ProfileKitTests.pinnedPackages("fooocus-torch2.2.0-cu121"))
            ProfileKitTests.writeStack(in: folder, site: "drifted", torch: "2.3.1", xformers: "0.0.26.post1", extra: ProfileKitTests.pinnedPackages("fooocus-torch2.2.0-cu121"))
            environment = try await ProfileKitTests.machine(hub: ProfileKitTests.writeHubCache(in: folder))
            environment["XDG_CACHE_HOME"] = folder.file("cache")
            environment["HOME"] = folder.file("home")
            environment["LANG"] = "C.UTF-8"
            // A stand-in CPython 3.11 installation of the fixture's own (the proven argparse.py,
            // nothing else): what the job's interpreter runs at start (job.fooocus.python_startup)
            // is then the same on every machine, where a real installation's site folders differ.
            // No golden run starts the interpreter.
            installProvenPython(in: folder)
            environment["PATH"] = folder.file("usr/bin") + ":" + (environment["PATH"] ?? "")
            command = checkout.command()
            self.checkout = checkout
        }

        func run(_ arguments: [String], input: String? = nil, adding variables: [String: String] = [:]) async throws -> Run {
            let environment = environment.merging(variables) { $1 }
            var run = Run(arguments: arguments, result: try await runProgram(Envlock.binary, arguments, environment: environment, workingDirectory: folder.path, input: input))
            // The variables a run adds are part of its command line, as a shell would show them.
            run.variables = variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return run
        }

        /// Replaces what belongs to this test run or this host with stable placeholders.
        func masked(_ text: String, lock: String?) async throws -> String {
            // The commit's files name the checkout's temporary folder (entry_with_update.py).
            var text = text.replacing(checkout.commit, with: "<COMMIT>").replacing(checkout.folder.path, with: "<CHECKOUT>").replacing(folder.path, with: "<FIXTURE>")
                .replacing(SharedData.packageRoot, with: "<PACKAGE>")
                // Which proven CPython 3.11 this machine has (pyenv's, or the system's).
                .replacing(/read as \S+argparse\.py \(CPython [^']+'s argparse\)/, with: "read as <PYTHON 3.11>/argparse.py (CPython <3.11 RELEASE>'s argparse)")
            if let lock {
                for field in ["fingerprint", "created"] {
                    if let value = GoldenOutputTests.field(field, in: lock) { text = text.replacing(value, with: "<\(field.uppercased())>") }
                }
            }
            // A machine value quoted anywhere (a rule's "found"); two-letter values such as an
            // OS version "12" are too common to replace blindly and are masked by line below.
            let facts = try await hostFacts.value
            for key in GoldenOutputTests.machineKeys {
                if let value = facts[key], value.count >= 3 { text = text.replacing("\"\(value)\"", with: "\"<HOST VALUE>\"") }
            }
            // The host name labels fleet members, quoted or in a Markdown cell, whatever its length.
            if let name = facts["host.name"] {
                text = text.replacing("\"\(name)\"", with: "\"<HOST VALUE>\"").replacing("| \(name) |", with: "| <HOST VALUE> |")
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
                for key in GoldenOutputTests.machineKeys {
                    guard let range = line.firstRange(of: key) else { continue }
                    let after = line[range.upperBound...]
                    // The key itself, not a longer key it begins.
                    if let next = after.first, next.isLetter || next.isNumber || next == "." || next == "_" { continue }
                    // A line that names the key but holds no value (a JSON "key" field, a rule's header) stays.
                    if after.allSatisfy({ "\",:`| ".contains($0) }) { continue }
                    return line[..<range.upperBound] + " <HOST VALUE>"
                }
                if line.hasPrefix("host: ") { return "host: <HOST VALUE>" }
                return line
            }
            return lines.joined(separator: "\n")
        }

        /// This machine's own facts, read once from a plain probe.
        var hostFacts: Task<[String: String], any Error> {
            let environment = environment
            return Task {
                let result = try await runProgram(Envlock.binary, ["probe", "--format", "json", "--site-packages", "/nonexistent"], environment: environment)
                return try Snapshot.load(Array(result.stdout.utf8), path: "envlock probe output").facts
            }
        }
    }

    /// A fleet group's fingerprint hashes the job's absolute paths, which are temporary;
    /// `text` with the hex digits after every `sha256:` replaced by `<DIGEST>`.
    static func maskedDigests(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: "sha256:") {
            result += rest[..<range.upperBound] + "<DIGEST>"
            rest = rest[range.upperBound...].drop { $0.isHexDigit }
        }
        return result + rest
    }

    /// A top-level `field: value` of a lock's YAML.
    static func field(_ name: String, in lock: String) -> String? {
        for line in lock.split(separator: "\n") where line.hasPrefix(name + ": ") {
            var value = line.dropFirst(name.count + 2)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    /// Compares (or, when recording, writes) one golden file holding every run of a case.
    static func check(_ name: String, _ runs: [Run], machine: Machine, lock: String? = nil, files: [(String, String)] = []) async throws {
        var text = ""
        for var run in runs {
            if run.maskDigests || run.arguments.first == "fleet" {
                run.result.stdout = maskedDigests(run.result.stdout)
                run.result.stderr = maskedDigests(run.result.stderr)
            }
            text += "$ " + run.variables.map { $0 + " " }.joined() + "envlock " + run.arguments.joined(separator: " ") + "\n"
            text += "exit \(run.result.status)\n"
            text += "--- stdout\n" + run.result.stdout + (run.result.stdout.hasSuffix("\n") || run.result.stdout.isEmpty ? "" : "\\ no newline at end\n")
            text += "--- stderr\n" + run.result.stderr + (run.result.stderr.hasSuffix("\n") || run.result.stderr.isEmpty ? "" : "\\ no newline at end\n")
        }
        for (fileName, content) in files {
            text += "--- file \(fileName)\n" + content
        }
        let actual = try await machine.masked(text, lock: lock)
        let path = goldenFolder + name + ".txt"
        if getenv("ENVLOCK_GOLDEN_RECORD") != nil {
            makeFolders(goldenFolder)
            _ = writeFile(path, actual)
            Issue.record("recorded \(path); review it, then run again without ENVLOCK_GOLDEN_RECORD")
            return
        }
        guard fileExists(path) else {
            Issue.record("\(path) is missing: record it with ENVLOCK_GOLDEN_RECORD=1")
            return
        }
        let expected = readFile(path)
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
            let shown = { (lines: [Substring]) in first < lines.count ? String(lines[first]) : "<end>" }
            Issue.record("\(name): output differs from \(path) at line \(first + 1):\n  expected: \(shown(expectedLines))\n  actual:   \(shown(actualLines))")
        }
    }

    @Test func probeInEveryFormat() async throws {
        let machine = try await Machine()
        let site = machine.folder.file("site")
        var runs: [Run] = []
        for format in ["text", "json", "yaml", "markdown"] {
            runs.append(try await machine.run(["probe", "--site-packages", site, "--format", format, "--"] + machine.command))
        }
        runs.append(try await machine.run(["probe", "--site-packages", site, "--format", "json", "--output", machine.folder.file("probe.json")]))
        try await Self.check("probe", runs, machine: machine, files: [("probe.json", readFile(machine.folder.file("probe.json")))])
    }

    @Test func lockVerifyAndDrift() async throws {
        let machine = try await Machine()
        let site = machine.folder.file("site")
        let lockPath = machine.folder.file("fooocus.lock")
        var runs = [try await machine.run(["lock", "--profile", Self.profile, "--output", lockPath, "--site-packages", site, "--"] + machine.command)]
        let lock = readFile(lockPath)
        for format in ["text", "json", "yaml", "markdown"] {
            runs.append(try await machine.run(["verify", lockPath, "--allow-unsigned", "--site-packages", site, "--format", format, "--"] + machine.command))
        }
        let drifted = machine.folder.file("drifted")
        let wrongJob = machine.checkout.command("launch.py", ["--attention-split"])
        for format in ["text", "json", "yaml", "markdown"] {
            runs.append(try await machine.run(["verify", lockPath, "--allow-unsigned", "--site-packages", drifted, "--format", format, "--"] + wrongJob))
        }
        // Untrusted: unsigned without --allow-unsigned, and a lock edited after locking.
        runs.append(try await machine.run(["verify", lockPath, "--site-packages", site]))
        runs.append(try await machine.run(["verify", lockPath, "--site-packages", site, "--format", "json"]))
        let edited = machine.folder.write("edited.lock", lock.replacing("profile: ", with: "profile: x"))
        var editedRun = try await machine.run(["verify", edited, "--allow-unsigned", "--site-packages", site])
        editedRun.maskDigests = true
        runs.append(editedRun)
        // The machine fails the profile: lock refuses, then --force writes it.
        runs.append(try await machine.run(["lock", "--profile", Self.profile, "--output", machine.folder.file("refused.lock"), "--site-packages", drifted]))
        try await Self.check("lock-verify", runs, machine: machine, lock: lock, files: [("fooocus.lock", lock)])
    }

    /// The reports people read (issue 29): failures first and passes as a count, one line per
    /// cause, each fact once, lines within 100 columns. A Fooocus launch with one wrong setting
    /// (a *_gpu sampler from an environment override), then the same launch with a command line
    /// Fooocus refuses (--attention-split beside --attention-pytorch), as run, verify in every
    /// format, and verify --all; the JSON keeps every rule with its cause.
    @Test func reportsPeopleRead() async throws {
        let machine = try await Machine()
        let site = machine.folder.file("site")
        let lockPath = machine.folder.file("fooocus.lock")
        var runs = [try await machine.run(["lock", "--profile", Self.profile, "--output", lockPath, "--site-packages", site, "--"] + machine.command)]
        let gpuSampler = ["default_sampler": "dpmpp_2m_sde_gpu"]
        let refused = machine.checkout.command("launch.py", ["--attention-split", "--attention-pytorch", "--all-in-fp16", "--vae-in-fp16"])
        runs.append(try await machine.run(["run", lockPath, "--allow-unsigned", "--site-packages", site, "--"] + machine.command, adding: gpuSampler))
        runs.append(try await machine.run(["run", lockPath, "--allow-unsigned", "--site-packages", site, "--"] + refused, adding: gpuSampler))
        for format in ["text", "markdown", "json"] {
            runs.append(try await machine.run(["verify", lockPath, "--allow-unsigned", "--site-packages", site, "--format", format, "--"] + refused, adding: gpuSampler))
        }
        runs.append(try await machine.run(["verify", lockPath, "--allow-unsigned", "--site-packages", site, "--all", "--"] + machine.command))
        runs.append(try await machine.run(["verify", lockPath, "--allow-unsigned", "--site-packages", site, "--all", "--format", "markdown", "--"] + machine.command))
        try await Self.check("reports", runs, machine: machine, lock: readFile(lockPath))
        // Text reports fit 100 columns; only a value too long for any line (a digest, a path)
        // stands whole on its own. Markdown and JSON are for renderers and programs.
        for run in runs where !run.arguments.contains("markdown") && !run.arguments.contains("json") {
            for line in (run.result.stdout + run.result.stderr).split(separator: "\n") where line.count > TextWrap.defaultWidth {
                #expect(line.split(separator: " ").count == 1, "a line of envlock \(run.arguments[0]) is \(line.count) columns wide: \(line)")
            }
        }
    }

    @Test func diffAndFleet() async throws {
        let machine = try await Machine()
        let left = machine.folder.file("left.json")
        let right = machine.folder.file("right.yaml")
        var runs = [
            try await machine.run(["probe", "--site-packages", machine.folder.file("site"), "--format", "json", "--output", left, "--"] + machine.command),
            try await machine.run(["probe", "--site-packages", machine.folder.file("drifted"), "--format", "yaml", "--output", right, "--"] + machine.checkout.command("launch.py", ["--attention-split"])),
        ]
        for format in ["text", "json", "yaml", "markdown"] {
            runs.append(try await machine.run(["diff", left, right, "--format", format]))
        }
        runs.append(try await machine.run(["diff", left, right, "--all"]))
        runs.append(try await machine.run(["diff", left, left]))
        runs.append(try await machine.run(["diff", "-", right], input: readFile(left)))
        runs.append(try await machine.run(["diff", left, machine.folder.file("missing.json")]))
        for format in ["text", "json", "markdown"] {
            runs.append(try await machine.run(["fleet", left, right, "--format", format]))
        }
        try await Self.check("diff-fleet", runs, machine: machine)
    }

    @Test func helpAndUsage() async throws {
        let machine = try await Machine()
        var runs = [
            try await machine.run([]),
            try await machine.run(["--help"]),
            try await machine.run(["--version"]),
            try await machine.run(["frobnicate"]),
            try await machine.run(["probe", "--frobnicate"]),
            try await machine.run(["verify"]),
        ]
        for command in ["probe", "lock", "verify", "run", "diff", "fleet", "audit", "require-cuda", "keygen", "signed-bytes"] {
            runs.append(try await machine.run([command, "--help"]))
        }
        runs.append(try await machine.run(["help", "verify"]))
        try await Self.check("help", runs, machine: machine)
    }
}

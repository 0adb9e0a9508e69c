#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// The deployment kit in examples/ cannot rot silently: its shell scripts parse (and pass
/// shellcheck), its YAML loads, and every `envlock` subcommand and flag it uses exists.
@Suite struct ExamplesKitTests {
    static let examples = SharedData.packageRoot + "/examples"

    /// Every file under examples/, as a path relative to it, skipping `lock/` folders (a
    /// user's own lock and key, never committed).
    static func files(under folder: String = examples, prefix: String = "") -> [String] {
        ((try? listFolder(folder)) ?? []).flatMap { name -> [String] in
            let path = folder + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { return [] }
            if info.st_mode & S_IFMT == S_IFDIR {
                return name == "lock" ? [] : files(under: path, prefix: prefix + name + "/")
            }
            return [prefix + name]
        }
    }

    static let shellScripts = files().filter { $0.hasSuffix(".sh") || $0.hasSuffix(".sbatch") }
    static let yamlFiles = files().filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
    static let shellcheck: String? = {
        let candidates: [String] = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck", "/bin/shellcheck"]
        return candidates.first { access($0, X_OK) == 0 }
    }()

    @Test func theKitHasItsParts() {
        let all = Set(Self.files())
        for part in ["fooocus/Dockerfile", "fooocus/README.md", "comfyui/Dockerfile", "diffusers/Dockerfile", "kubernetes/entrypoint.sh",
                     "kubernetes/init-container.yaml", "kubernetes/readiness-deployment.yaml", "slurm/prolog.sh", "ci/check-image.sh",
                     "kubernetes/nfd-publish-daemonset.yaml", "kubernetes/conformant-deployment.yaml", "slurm/envlock-features.sh",
                     "slurm/healthcheck.sh", "slurm/helpers.conf"] {
            #expect(all.contains(part), "examples/\(part) is missing")
        }
    }

    @Test(arguments: shellScripts)
    func shellScriptsParse(script: String) async throws {
        let result = try await runProgram("/bin/bash", ["-n", Self.examples + "/" + script], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "\(script): \(result.stderr)")
    }

    @Test(.enabled(if: shellcheck != nil, "shellcheck is not installed (scripts/install-test-deps.sh installs it)"), arguments: shellScripts)
    func shellScriptsPassShellcheck(script: String) async throws {
        let result = try await runProgram(Self.shellcheck ?? "shellcheck", [Self.examples + "/" + script], environment: Envlock.baseEnvironment())
        #expect(result.status == 0, "\(script): \(result.stdout)\(result.stderr)")
    }

    @Test(arguments: yamlFiles)
    func yamlLoads(file: String) throws {
        let text: String = readFile(Self.examples + "/" + file)
        let root = try YAMLReader.read(Array(text.utf8), path: file)
        guard case .mapping = root else {
            Issue.record("\(file): the top level is not a mapping")
            return
        }
    }

    /// One `envlock SUBCOMMAND --flag…` found in an example.
    struct Invocation: CustomStringConvertible {
        var file: String
        var subcommand: String
        var flags: [String]
        var description: String { "\(file): envlock \(subcommand) \(flags.joined(separator: " "))" }
    }

    /// The envlock invocations in scripts, Dockerfiles, YAML and the code blocks of READMEs:
    /// continuation lines joined, comments skipped, JSON-array commands (`["envlock", "run", …]`)
    /// read as words; a command's flags end at `--`, a pipe, a redirection or a separator.
    static func invocations(in file: String, text: String) -> [Invocation] {
        var lines: [String] = []
        var inCode = !file.hasSuffix(".md")
        for line in text.replacing("\\\n", with: " ").split(separator: "\n", omittingEmptySubsequences: false) {
            if file.hasSuffix(".md") && line.hasPrefix("```") {
                inCode.toggle()
                continue
            }
            let trimmed = line.drop { $0 == " " }
            if inCode && !trimmed.hasPrefix("#") { lines.append(String(line)) }
        }
        let separators: Set<String> = ["|", "||", "&&", ";", "--", ")", ">", ">>", "2>&1", "<"]
        var found: [Invocation] = []
        for line in lines {
            let punctuation: Set<Character> = ["\"", "'", ",", "[", "]", "{", "}"]
            let spaced = String(line.map { (character: Character) -> Character in punctuation.contains(character) ? " " : character })
            let words: [String] = spaced.split(separator: " ").map(String.init)
            for (index, word) in words.enumerated() where word == "envlock" || word == "$(envlock" {
                // `kubectl -n envlock …`, `--entrypoint envlock IMAGE`: the word is an option's value.
                guard index + 1 < words.count, index == 0 || !words[index - 1].hasPrefix("-") else { continue }
                let subcommand = words[index + 1]
                guard subcommand.first?.isLetter == true, subcommand.allSatisfy({ $0.isLowercase || $0 == "-" }) else { continue }
                var flags: [String] = []
                for next in words[(index + 2)...] {
                    if separators.contains(next) || next.hasPrefix(">") || next.hasPrefix("2>") || next.hasSuffix(")") || next.hasSuffix(";") { break }
                    if next.hasPrefix("--"), next.count > 2 { flags.append(String(next.prefix { $0 != "=" })) }
                }
                found.append(Invocation(file: file, subcommand: subcommand, flags: flags))
            }
        }
        return found
    }

    @Test func everyEnvlockSubcommandAndFlagTheExamplesUseExists() async throws {
        var invocations: [Invocation] = []
        for file in Self.files() where !file.hasSuffix(".py") && !file.hasSuffix(".txt") {
            invocations += Self.invocations(in: file, text: readFile(Self.examples + "/" + file))
        }
        let subcommands = Set(invocations.map(\.subcommand))
        #expect(invocations.count >= 20, "the scan found too little to mean anything: \(invocations)")
        #expect(subcommands.isSuperset(of: ["lock", "verify", "run", "probe", "require-cuda", "diff", "fleet", "keygen"]), "\(subcommands.sorted())")
        let overview = try await Envlock.run(["--help"])
        let known = Set(overview.stdout.split(separator: "SUBCOMMANDS:").last?.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), let name = line.split(separator: " ").first, name.allSatisfy({ $0.isLowercase || $0 == "-" }) else { return nil }
            return String(name)
        } ?? [])
        #expect(known.contains("verify"), "envlock --help lists no subcommands: \(overview.stdout)")
        for invocation in invocations where !known.contains(invocation.subcommand) {
            Issue.record("\(invocation): envlock has no subcommand \(invocation.subcommand)")
        }
        var help: [String: String] = [:]
        for subcommand in subcommands.intersection(known) {
            let result = try await Envlock.run([subcommand, "--help"])
            #expect(result.status == 0, "envlock \(subcommand) --help: \(result.stderr)")
            help[subcommand] = result.stdout
        }
        for invocation in invocations {
            guard let text = help[invocation.subcommand] else { continue }
            for flag in invocation.flags {
                #expect(Self.helpNames(text, flag), "\(invocation): envlock \(invocation.subcommand) has no \(flag)")
            }
        }
    }

    /// Whether `flag` appears in a help text as a whole option name (`--all` is not `--allow-unsigned`).
    static func helpNames(_ help: String, _ flag: String) -> Bool {
        var rest = Substring(help)
        while let range = rest.firstRange(of: flag) {
            let after = rest[range.upperBound...].first
            if after.map({ !($0.isLetter || $0.isNumber || $0 == "-") }) ?? true { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }

    @Test func theScanFindsFlagsInEveryForm() {
        let found = Self.invocations(in: "x.yaml", text: """
            # envlock itself is never read from a comment
            command: ["envlock", "verify", "/etc/envlock/a.lock", "--trust", "/k.pem", "--format", "markdown"]
            run: envlock run a.lock --allow-unsigned -- python3 launch.py --attention-pytorch | tee log
            x: "$(envlock require-cuda a.lock)" && envlock probe \\
              --format json > out.json
            """)
        #expect(found.map(\.description) == [
            "x.yaml: envlock verify --trust --format", "x.yaml: envlock run --allow-unsigned",
            "x.yaml: envlock require-cuda ", "x.yaml: envlock probe --format",
        ])
    }
}

#if canImport(Glibc)
import Glibc
#endif
@testable import EnvLock
import Testing

/// One `COPY` or `ADD` of a Dockerfile: the sources it takes from the build context.
struct DockerfileCopy: CustomStringConvertible {
    var line: Int
    var instruction: String
    /// Sources read from the build context: not those of `--from=` (another stage or image),
    /// nor `ADD`'s URLs and git repositories.
    var sources: [String]
    /// What this reading of Dockerfiles cannot check here, to be taught rather than passed over.
    var unsupported: String?

    var description: String { "line \(line): \(instruction)" }
}

/// The build context a Dockerfile of examples/ sees when the walkthrough builds it: a fresh
/// clone (`git ls-files`) at the repository root, plus what the walkthrough's steps create.
struct DockerContext {
    /// Every file, and every folder that holds one, as a path relative to the context.
    private(set) var entries: Set<String> = []

    init(files: some Sequence<String>) {
        for file in files {
            var parts = file.split(separator: "/").map(String.init)
            while !parts.isEmpty {
                entries.insert(parts.joined(separator: "/"))
                parts.removeLast()
            }
        }
    }

    /// The COPY and ADD instructions of a Dockerfile, continuation lines joined and comment
    /// lines dropped (Docker drops them inside a continued instruction too), in shell form
    /// (`COPY a b dest/`) or JSON form (`COPY ["a", "dest/"]`).
    static func copies(in dockerfile: String) -> [DockerfileCopy] {
        var found: [DockerfileCopy] = []
        var pending = ""
        var start = 0
        for (index, raw) in dockerfile.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("#") || (line.isEmpty && !pending.isEmpty) { continue }
            if pending.isEmpty { start = index + 1 }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            pending += line
            if let copy = copy(pending, line: start) { found.append(copy) }
            pending = ""
        }
        return found
    }

    static func copy(_ instruction: String, line: Int) -> DockerfileCopy? {
        var words = instruction.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let keyword = words.first?.uppercased(), keyword == "COPY" || keyword == "ADD" else { return nil }
        words.removeFirst()
        var copy = DockerfileCopy(line: line, instruction: instruction, sources: [])
        var fromStage = false
        while let flag = words.first, flag.hasPrefix("--") {
            if flag.hasPrefix("--from=") { fromStage = true }
            words.removeFirst()
        }
        var arguments = words
        let rest = words.joined(separator: " ")
        if rest.hasPrefix("["), case .array(let items)? = try? MinimalJSON.parse(Array(rest.utf8)) {
            arguments = items.compactMap { if case .string(let text) = $0 { text } else { nil } }
            guard arguments.count == items.count else {
                copy.unsupported = "a JSON-form argument that is not a string"
                return copy
            }
        }
        guard arguments.count >= 2 else {
            copy.unsupported = "no source or no destination"
            return copy
        }
        if fromStage { return copy }
        for source in arguments.dropLast() {
            if source.hasPrefix("<<") {
                copy.unsupported = "a here-document: teach this test to read its body"
            } else if source.contains("$") {
                copy.unsupported = "a variable in a source (\(source)): teach this test to expand it"
            } else if keyword == "ADD", source.contains("://") || source.hasPrefix("git@") {
                continue
            } else {
                copy.sources.append(source)
            }
        }
        return copy
    }

    /// What a Docker build would not find: each source must name a file or folder of the
    /// context, and a glob (Go's filepath.Match, as fnmatch with FNM_PATHNAME reads it) must
    /// match one. A glob that matches nothing in a fresh clone copies nothing (BuildKit) or
    /// fails (the legacy builder): either way the example means something it does not do.
    func problems(_ copy: DockerfileCopy) -> [String] {
        if let unsupported = copy.unsupported { return ["\(copy): \(unsupported)"] }
        return copy.sources.compactMap { source in
            var parts: [Substring] = []
            for part in source.split(separator: "/") where part != "." {
                if part == ".." {
                    guard !parts.isEmpty else { return "\(copy): \(source) is outside the build context" }
                    parts.removeLast()
                } else {
                    parts.append(part)
                }
            }
            let path = parts.joined(separator: "/")
            if path.isEmpty { return nil }
            if path.contains(where: { "*?[\\".contains($0) }) {
                return entries.contains { fnmatch(path, $0, FNM_PATHNAME) == 0 } ? nil : "\(copy): \(source) matches nothing in a fresh clone"
            }
            return entries.contains(path) ? nil : "\(copy): \(source) is not in a fresh clone (git ls-files) and no walkthrough step creates it"
        }
    }

    /// The paths a walkthrough's shell steps create (its ```sh blocks, run from the repository
    /// root): `--output PATH`, `mkdir -p DIR`, `cp SOURCE… DEST` (DEST/ keeps each name) and
    /// `> FILE`.
    static func created(byWalkthrough markdown: String) -> [String] {
        var created: [String] = []
        for command in shellCommands(inMarkdown: markdown) {
            // Quotes only group words here; none of these paths holds a space.
            let words = command.split(separator: " ").map { String($0.filter { $0 != "\"" && $0 != "'" }) }
            for (index, word) in words.enumerated() where index + 1 < words.count && (word == "--output" || word == ">") {
                created.append(words[index + 1])
            }
            if words.first == "mkdir" { created += words.dropFirst().filter { !$0.hasPrefix("-") } }
            if words.first == "cp" {
                let operands = words.dropFirst().filter { !$0.hasPrefix("-") }
                guard let destination = operands.last, operands.count >= 2 else { continue }
                if destination.hasSuffix("/") {
                    created += operands.dropLast().map { destination + ($0.split(separator: "/").last.map(String.init) ?? $0) }
                } else {
                    created.append(destination)
                }
            }
        }
        return created
    }

    /// The commands of a Markdown file's ```sh blocks: continuation lines joined, comments
    /// dropped, split at `&&`, `;` and `|`.
    static func shellCommands(inMarkdown markdown: String) -> [String] {
        var commands: [String] = []
        var inShell = false
        for line in markdown.replacing("\\\n", with: " ").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inShell = !inShell && ["sh", "bash", "shell"].contains(String(line.dropFirst(3)))
                continue
            }
            guard inShell else { continue }
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            for part in code.replacing("&&", with: ";").replacing("|", with: ";").split(separator: ";") {
                let command = part.split(separator: " ").joined(separator: " ")
                if !command.isEmpty { commands.append(command) }
            }
        }
        return commands
    }
}

/// The example Dockerfiles build from a fresh clone: every file they copy from the build
/// context is tracked by git or made by a step of the walkthrough beside them. No Docker
/// engine is needed, so the examples cannot rot silently where there is none.
@Suite struct ExampleDockerfileTests {
    static let root = SharedData.packageRoot
    static let isCheckout = access(root + "/.git", F_OK) == 0

    static func trackedFiles() async throws -> Set<String> {
        let listed = try await runProgram("git", ["-C", root, "ls-files", "-z"], environment: Envlock.baseEnvironment())
        #expect(listed.status == 0, "git ls-files: \(listed.stderr)")
        return Set(listed.stdout.split(separator: "\0").map(String.init))
    }

    @Test(.enabled(if: isCheckout, "not a git checkout: a fresh clone's files cannot be listed"))
    func everyExampleDockerfileCopiesOnlyWhatAFreshCloneHas() async throws {
        let tracked = try await Self.trackedFiles()
        #expect(tracked.contains("Package.swift") && tracked.contains("examples/fooocus/Dockerfile"), "git ls-files listed too little: \(tracked.count) files")
        // Files a .dockerignore leaves out are not in the context; this test would have to read it.
        for ignore in tracked where ignore.hasSuffix(".dockerignore") {
            Issue.record("\(ignore): teach this test to leave out what it ignores")
        }
        let dockerfiles = tracked.filter { path in
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return path.hasPrefix("examples/") && (name == "Dockerfile" || name.hasPrefix("Dockerfile.") || name.hasSuffix(".Dockerfile"))
        }.sorted()
        #expect(dockerfiles.count >= 3, "\(dockerfiles)")
        var checked = 0
        for dockerfile in dockerfiles {
            let folder = String(dockerfile[..<(dockerfile.lastIndex(of: "/") ?? dockerfile.startIndex)])
            let walkthrough = readFile(Self.root + "/" + folder + "/README.md")
            #expect(!walkthrough.isEmpty, "\(folder)/README.md: no walkthrough beside \(dockerfile)")
            // The context is the clone only when the walkthrough builds from the repository root.
            for command in DockerContext.shellCommands(inMarkdown: walkthrough) where command.hasPrefix("docker build ") {
                #expect(command.hasSuffix(" ."), "\(folder)/README.md: \(command) does not build from the repository root")
            }
            let context = DockerContext(files: tracked.union(DockerContext.created(byWalkthrough: walkthrough)))
            let text = readFile(Self.root + "/" + dockerfile)
            let copies = DockerContext.copies(in: text)
            for copy in copies {
                checked += copy.sources.count
                for problem in context.problems(copy) { Issue.record("\(dockerfile) \(problem)") }
            }
            // SwiftPM checks the folder of every target the manifest declares, the test targets
            // too, before it builds one product: a build stage without Tests/ fails.
            if text.contains("swift build") {
                let copied = Set(copies.flatMap(\.sources))
                #expect(copied.isSuperset(of: ["Package.swift", "Sources", "Tests"]), "\(dockerfile) builds envlock from \(copied.sorted())")
            }
        }
        #expect(checked >= 10, "the scan found too few COPY sources to mean anything: \(checked)")
    }

    /// The reading itself, on each form: a source missing from the clone, several sources, a
    /// glob that matches and one that does not, --from (another stage), ADD of a URL, JSON
    /// form, continuation lines with a comment inside, a path that leaves the context.
    @Test func theReadingFindsEveryMissingSourceInEveryForm() {
        let context = DockerContext(files: ["Package.swift", "Sources/a/main.swift", "examples/x/req.txt", "examples/x/README.md"]
            + DockerContext.created(byWalkthrough: """
                ```sh
                mkdir -p examples/x/lock && cp team.pub.pem examples/x/lock/
                envlock lock --key team.pem --output examples/x/lock/x.lock # made here
                ```
                """))
        let copies = DockerContext.copies(in: """
            FROM swift AS build
            COPY Package.swift Package.resolved ./
            copy Sources \\
            # a comment inside a continued instruction
                 Sources
            COPY --from=build /usr/local/bin/envlock /usr/local/bin/
            COPY --chown=1:1 ["examples/x/req.txt", "examples/*/README.md", "/tmp/"]
            COPY Sources/*/*.c /tmp/
            ADD https://example.com/a.tar.gz ./Sources/../Package.swift /tmp/
            COPY ../outside /tmp/
            COPY examples/x/lock/team.pub.pem examples/x/lock/x.lock examples/x/lock/other.lock /etc/
            COPY $HOME/x /tmp/
            """)
        #expect(copies.map(\.line) == [2, 3, 6, 7, 8, 9, 10, 11, 12])
        #expect(copies.map(\.sources) == [
            ["Package.swift", "Package.resolved"], ["Sources"], [], ["examples/x/req.txt", "examples/*/README.md"], ["Sources/*/*.c"],
            ["./Sources/../Package.swift"], ["../outside"], ["examples/x/lock/team.pub.pem", "examples/x/lock/x.lock", "examples/x/lock/other.lock"], [],
        ])
        let problems = copies.flatMap(context.problems)
        #expect(problems.count == 5, "\(problems)")
        for expected in ["Package.resolved is not in a fresh clone", "Sources/*/*.c matches nothing", "../outside is outside the build context",
                         "other.lock is not in a fresh clone", "a variable in a source ($HOME/x)"] {
            #expect(problems.contains { $0.contains(expected) }, "no problem says \(expected): \(problems)")
        }
    }
}

import ArgumentParser
import Testing
import TestSupport

@testable import envlock

/// `DirectCommandLine` reads the hot commands' lines without ArgumentParser. Whatever it accepts
/// must mean exactly what ArgumentParser makes of the same line; whatever it declines is left to
/// ArgumentParser, so declining is always safe, and accepting is what these tests police.
@Suite struct DirectCommandLineTests {
    /// What the two readers made of one line.
    enum Outcome: Equatable {
        /// Both read it, to the same invocation.
        case same
        /// The direct reader declined; whether ArgumentParser accepted it.
        case declined(parsedByArgumentParser: Bool)
        /// The direct reader accepted a line that ArgumentParser reads otherwise or refuses.
        case mismatch(String)
    }

    /// One hot command: its name, its grammar, its help, and both readers compared on a line.
    struct Command: Sendable, CustomStringConvertible {
        let name: String
        let grammar: DirectCommandLine.Grammar
        let help: @Sendable () -> String
        let compare: @Sendable ([String]) -> Outcome
        var description: String { name }
    }

    static func compare<Parsed: ParsableCommand, Read: Equatable>(
        _ arguments: [String], direct: (ArraySlice<String>) -> Read?, parsed: (Parsed) -> Read
    ) -> Outcome {
        let fromArgumentParser: Read? = (try? Parsed.parseAsRoot(arguments)).flatMap { $0 as? Parsed }.map(parsed)
        guard let read = direct(arguments[...]) else { return .declined(parsedByArgumentParser: fromArgumentParser != nil) }
        guard let fromArgumentParser else { return .mismatch("ArgumentParser refuses \(arguments), the direct reader gives \(read)") }
        return read == fromArgumentParser ? .same : .mismatch("\(arguments): direct \(read), ArgumentParser \(fromArgumentParser)")
    }

    static let commands = [
        Command(name: "probe", grammar: ProbeInvocation.grammar, help: { ProbeCommand.helpMessage(columns: 10_000) }) {
            compare($0, direct: ProbeInvocation.init(direct:), parsed: { (command: ProbeCommand) in command.invocation })
        },
        Command(name: "verify", grammar: VerifyInvocation.grammar, help: { VerifyCommand.helpMessage(columns: 10_000) }) {
            compare($0, direct: VerifyInvocation.init(direct:), parsed: { (command: VerifyCommand) in command.invocation })
        },
        Command(name: "run", grammar: RunInvocation.grammar, help: { RunCommand.helpMessage(columns: 10_000) }) {
            compare($0, direct: RunInvocation.init(direct:), parsed: { (command: RunCommand) in command.invocation })
        },
    ]

    /// Values that mean something to some option, and values no option takes.
    static func values(existingFolder: String) -> [String] {
        [
            "json", "yaml", "text", "markdown", "JSON", "xml", "", "-", "-x", "--", "--root", "-o", "a=b", "=",
            "0", "5", "007", "-1", "+3", " 7", "1e3", "2147483648", "99999999999999999999", "0x10",
            "/", existingFolder, existingFolder + "/", existingFolder + "/missing", "env.lock", "out.json", "x y", "caf\u{e9}", "\u{1b}[31m",
            "nfd", "slurm", "nfd=", "nfd=" + existingFolder, "NFD", "900", "verdict.json", "attest.pem",
        ]
    }

    /// Spellings that are not the command's options but look like them.
    static let foreignSpellings = [
        "-h", "--help", "help", "--version", "--bogus", "-x", "-oout.json", "-o=out.json", "--Format", "--form", "--formats",
        "--site_packages", "--no-cache=true", "--allow-unsigned=1", "---root", "-root", "--generate-completion-script", "--experimental-dump-help",
    ]

    /// A random line for `command`: options in every spelling, values good and bad, positionals, `--`.
    static func line(for command: Command, values: [String], using generator: inout SplitMix64) -> [String] {
        let spellings = Array(command.grammar.options.keys) + Array(command.grammar.aliases.keys)
        var line: [String] = []
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            switch Int.random(in: 0..<20, using: &generator) {
            case 0..<9:
                let spelling = spellings.randomElement(using: &generator)!
                line.append(spelling)
                if command.grammar.options[command.grammar.aliases[spelling] ?? spelling] != .flag || Bool.random(using: &generator) {
                    line.append(values.randomElement(using: &generator)!)
                }
            case 9..<13:
                let spelling = spellings.filter { $0.hasPrefix("--") }.randomElement(using: &generator)!
                line.append(spelling + "=" + values.randomElement(using: &generator)!)
            case 13..<17:
                line.append(values.randomElement(using: &generator)!)
            case 17:
                line.append(foreignSpellings.randomElement(using: &generator)!)
            default:
                line.append("--")
                for _ in 0..<Int.random(in: 0...3, using: &generator) {
                    line.append((values + spellings).randomElement(using: &generator)!)
                }
            }
        }
        // Most lines of verify and run name a lock and end in a job; so do most generated ones.
        if command.grammar.positionals == 1, Int.random(in: 0..<10, using: &generator) < 7 {
            let end = line.firstIndex(of: "--") ?? line.endIndex
            line.insert("env.lock", at: Int.random(in: 0...end, using: &generator))
        }
        if !line.contains("--"), Bool.random(using: &generator) {
            line += ["--", "python", "main.py"]
        }
        return line
    }

    @Test(arguments: commands)
    func whateverIsReadDirectlyArgumentParserReadsTheSame(command: Command) throws {
        let folder = try TestFiles.scratchFolder()
        defer { TestFiles.removeTree(folder) }
        let values = Self.values(existingFolder: folder)
        var generator = SplitMix64(seed: 14)
        var same = 0
        var declinedButValid = 0
        for _ in 0..<1_200 {
            let line = Self.line(for: command, values: values, using: &generator)
            switch command.compare(line) {
            case .same: same += 1
            case .declined(let parsed): if parsed { declinedButValid += 1 }
            case .mismatch(let why): Issue.record("\(command.name) \(why)")
            }
        }
        // Random lines are mostly invalid; of the valid ones, the direct reader must read most
        // (it declines repeated options, values starting with `-`, and other rare spellings),
        // or this test would pass by declining everything.
        #expect(same >= 30 && same >= 2 * declinedButValid, "\(command.name): \(same) lines read directly, \(declinedButValid) valid lines declined")
    }

    /// The lines the README, the examples and the docs show are read directly (these are what
    /// runs before every job), and mean what ArgumentParser makes of them.
    @Test(arguments: [
        ["probe"], ["probe", "--format", "json"], ["probe", "--format=markdown", "-o", "machine.json"],
        ["probe", "--site-packages", "a", "--site-packages", "b", "--no-cache"], ["probe", "--python", "venv/bin/python", "--format", "yaml"],
        ["probe", "--pid", "4242"], ["probe", "--root", "/", "--", "python", "entry_with_update.py", "--attention-pytorch"],
        ["probe", "--output", "m.yaml", "--replace-protected", "--format", "yaml"],
        ["verify", "env.lock"], ["verify", "env.lock", "--trust", "team.pub.pem"], ["verify", "--trust", "a.pem", "env.lock", "--trust", "b.pem", "--format", "json"],
        ["verify", "env.lock", "--allow-unsigned", "--min-serial", "7", "--python", "/usr/bin/python3"],
        ["verify", "env.lock", "--trust=team.pub.pem", "--pid", "1", "--", "python", "main.py", "--listen"],
        ["verify", "env.lock", "--trust", "team.pub.pem", "--publish", "nfd", "--publish-expiry", "900", "--", "python3", "launch.py"],
        ["verify", "fooocus.lock", "--trust", "team.pub.pem", "--publish", "slurm"], ["verify", "env.lock", "--publish=nfd=/run/features.d"],
        ["verify", "env.dsse.json", "--trust", "team.pub.pem", "--attest", "verdict.json", "--attest-key", "node.pem"],
        ["run", "env.lock", "--trust", "team.pub.pem", "--", "python", "entry_with_update.py", "--attention-pytorch", "--all-in-fp16"],
        ["run", "env.lock", "--allow-unsigned", "--no-cache", "--", "python", "--", "-x"],
    ])
    func documentedLinesAreReadDirectly(line: [String]) throws {
        let command = try #require(Self.commands.first { $0.name == line[0] })
        #expect(command.compare(Array(line.dropFirst())) == .same)
        #expect(DirectCommandLine.invocation(line) != nil)
    }

    /// Lines whose meaning ArgumentParser decides (help, errors, ambiguities) are left to it.
    @Test(arguments: [
        ["probe", "--help"], ["probe", "-h"], ["probe", "help"], ["probe", "--version"], ["probe", "--format", "JSON"],
        ["probe", "--format", "json", "--format", "text"], ["probe", "--pid", "0"], ["probe", "--pid", "+5"], ["probe", "--pid", "99999999999"],
        ["probe", "--root", "/nonexistent/envlock"], ["probe", "--root="], ["probe", "-o"], ["probe", "-oout.json"], ["probe", "--no-cache=true"],
        ["probe", "--no-cache", "--no-cache"], ["probe", "--python", "-x"], ["probe", "stray"], ["probe", ""], ["probe", "--generate-completion-script", "bash"],
        ["verify"], ["verify", "a.lock", "b.lock"], ["verify", "-"], ["verify", "env.lock", "--min-serial", "-1"], ["verify", "env.lock", "--min-serial=+1"],
        ["verify", "env.lock", "--publish", "NFD"], ["verify", "env.lock", "--publish", "nfd="], ["verify", "env.lock", "--publish-expiry", "60"],
        ["verify", "env.lock", "--publish", "slurm", "--publish-expiry", "60"], ["verify", "env.lock", "--publish", "nfd", "--publish-expiry", "0"],
        ["verify", "env.lock", "--attest", "verdict.json"], ["verify", "env.lock", "--attest-key", "node.pem"],
        ["run", "env.lock"], ["run", "env.lock", "--"], ["run", "env.lock", "--pid", "5", "--", "python"], ["run", "env.lock", "python"],
        ["lock", "--profile", "p.yaml", "-o", "env.lock"], ["--version"], [],
    ])
    func otherLinesAreLeftToArgumentParser(line: [String]) {
        #expect(DirectCommandLine.invocation(line) == nil)
    }

    /// `--name` or `-n` from a word of help text (`--name=<v>` too), or nil for other words.
    static func optionSpelling(_ word: Substring) -> String? {
        let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
        guard name.hasPrefix("-"), name != "-", name != "--" else { return nil }
        return name
    }

    /// A new option added to a hot command must be added to its grammar too, or every line that
    /// uses it silently takes the slow road.
    @Test(arguments: commands)
    func knowsEveryOptionTheHelpLists(command: Command) {
        let help = command.help()
        // The first column of the OPTIONS section: "  -o, --output <file>   Write to …".
        let options = help.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("OPTIONS:") }.dropFirst()
        let names = options.compactMap { $0.split(separator: "  ", omittingEmptySubsequences: true).first }
        let spellings = names.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "," }) }.compactMap(Self.optionSpelling)
        let known = Set(command.grammar.options.keys).union(command.grammar.aliases.keys).union(["-h", "--help"])
        #expect(!spellings.isEmpty)
        for spelling in Set(spellings) where !known.contains(spelling) {
            Issue.record("\(command.name): --help lists \(spelling), which DirectCommandLine does not know")
        }
        for spelling in command.grammar.options.keys {
            #expect(help.contains(spelling), "\(command.name): the grammar has \(spelling), which --help does not list")
        }
    }
}

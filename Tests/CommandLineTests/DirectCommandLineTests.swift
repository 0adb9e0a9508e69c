import ArgumentParser
import FoundationEssentials
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

    /// One hot command: its name, its grammar, and both readers compared on a line.
    struct Command: Sendable, CustomStringConvertible {
        let name: String
        let grammar: DirectCommandLine.Grammar
        let compare: @Sendable ([String]) -> Outcome
        var description: String { name }
    }

    static func compare<Parsed: ParsableCommand, Read: Equatable>(
        _ arguments: [String], direct: (ArraySlice<String>) throws -> Read, parsed: (Parsed) throws -> Read
    ) -> Outcome {
        var fromArgumentParser: Read?
        // A refused line is what this compares, not a failure of the test; a help request comes
        // back as a value of ArgumentParser's own type, hence the cast.
        if let command = (try? Parsed.parseAsRoot(arguments)) as? Parsed {
            do {
                fromArgumentParser = try parsed(command)
            } catch {
                return .mismatch("ArgumentParser validated \(arguments), but building its invocation throws \(error)")
            }
        }
        let read: Read
        do {
            read = try direct(arguments[...])
        } catch {
            return .declined(parsedByArgumentParser: fromArgumentParser != nil)
        }
        guard let fromArgumentParser else { return .mismatch("ArgumentParser refuses \(arguments), the direct reader gives \(read)") }
        return read == fromArgumentParser ? .same : .mismatch("\(arguments): direct \(read), ArgumentParser \(fromArgumentParser)")
    }

    static let commands = [
        Command(name: ProbeInvocation.commandName, grammar: ProbeInvocation.grammar) {
            compare($0, direct: ProbeInvocation.init(direct:), parsed: { (command: ProbeCommand) in try command.invocation })
        },
        Command(name: VerifyInvocation.commandName, grammar: VerifyInvocation.grammar) {
            compare($0, direct: VerifyInvocation.init(direct:), parsed: { (command: VerifyCommand) in try command.invocation })
        },
        Command(name: RunInvocation.commandName, grammar: RunInvocation.grammar) {
            compare($0, direct: RunInvocation.init(direct:), parsed: { (command: RunCommand) in try command.invocation })
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
        ["probe", "--format", "json", "--format", "text"], ["probe", "--pid", "0"], ["probe", "--pid", "99999999999"], ["probe", "--pid", "1e3"],
        ["probe", "--root", "/nonexistent/envlock"], ["probe", "--root="], ["probe", "-o"], ["probe", "-oout.json"], ["probe", "--no-cache=true"],
        ["probe", "--no-cache", "--no-cache"], ["probe", "--python", "-x"], ["probe", "stray"], ["probe", ""], ["probe", "--generate-completion-script", "bash"],
        ["verify"], ["verify", "a.lock", "b.lock"], ["verify", "-"], ["verify", "env.lock", "--min-serial", "-1"], ["verify", "env.lock", "--min-serial=x"],
        ["verify", "env.lock", "--publish", "NFD"], ["verify", "env.lock", "--publish", "nfd="], ["verify", "env.lock", "--publish-expiry", "60"],
        ["verify", "env.lock", "--publish", "slurm", "--publish-expiry", "60"], ["verify", "env.lock", "--publish", "nfd", "--publish-expiry", "0"],
        ["verify", "env.lock", "--attest", "verdict.json"], ["verify", "env.lock", "--attest-key", "node.pem"],
        ["run", "env.lock"], ["run", "env.lock", "--"], ["run", "env.lock", "--pid", "5", "--", "python"], ["run", "env.lock", "python"],
        ["lock", "--profile", "p.yaml", "-o", "env.lock"], ["--version"], [],
    ])
    func otherLinesAreLeftToArgumentParser(line: [String]) {
        #expect(DirectCommandLine.invocation(line) == nil)
    }

    /// What ArgumentParser declares for a command, as its `--experimental-dump-help` writes it
    /// (ArgumentParserToolInfo's `ToolInfoV0`, the parts read here).
    struct DumpedHelp: Decodable {
        struct Command: Decodable {
            var commandName: String
            var arguments: [Argument]?
        }

        struct Argument: Decodable {
            var kind: String
            var names: [Name]?
            var isRepeating: Bool
            var parsingStrategy: String
        }

        struct Name: Decodable {
            var kind: String
            var name: String
        }

        var command: Command
    }

    /// ArgumentParser's declaration of envlock's subcommand `name`, through the public full parse
    /// and error message, as `envlock NAME --experimental-dump-help` gets it.
    static func declaration(of name: String) throws -> DumpedHelp.Command {
        let message: String
        do {
            _ = try EnvlockCommand.parseAsRoot([name, "--experimental-dump-help"])
            Issue.record("--experimental-dump-help parsed as a command line")
            message = ""
        } catch {
            message = EnvlockCommand.fullMessage(for: error)
        }
        let command = try JSONDecoder().decode(DumpedHelp.self, from: Data(message.utf8)).command
        #expect(command.commandName == name)
        return command
    }

    /// The grammar each hot command's arguments make, in ArgumentParser's own declaration: an
    /// option declared there but missing from the grammar would send every line using it down
    /// the slow road, one in the grammar but not declared there would be read directly where
    /// ArgumentParser refuses it, and a kind or alias that differs would read a line otherwise.
    @Test(arguments: commands)
    func grammarIsArgumentParsersDeclaration(command: Command) throws {
        let declared = try Self.declaration(of: command.name)
        var options: [String: DirectCommandLine.Kind] = [:]
        var aliases: [String: String] = [:]
        var positionals = 0
        for argument in try #require(declared.arguments) {
            let names = argument.names ?? []
            // ArgumentParser's own -h/--help and --version, which the direct reader declines.
            if names.contains(where: { ["help", "version"].contains($0.name) }) { continue }
            switch argument.kind {
            case "positional":
                if argument.parsingStrategy == "postTerminator" { continue }
                #expect(argument.parsingStrategy == "default" && !argument.isRepeating, "\(command.name): a positional the direct reader cannot count")
                positionals += 1
            case "option", "flag":
                let long = try #require(names.first { $0.kind == "long" }, "\(command.name): an option without a long name").name
                options["--" + long] = argument.kind == "flag" ? .flag : argument.isRepeating ? .repeatedValue : .value
                for short in names where short.kind == "short" { aliases["-" + short.name] = "--" + long }
                #expect(names.count == 1 + names.filter { $0.kind == "short" }.count, "\(command.name): --\(long) has names the direct reader does not know")
            default:
                Issue.record("\(command.name): an argument of kind \(argument.kind)")
            }
        }
        #expect(!options.isEmpty)
        let grammar = command.grammar.options
        let undeclared = grammar.keys.filter { options[$0] == nil }.sorted()
        let unknown = options.keys.filter { grammar[$0] == nil }.sorted()
        let otherKind = options.keys.filter { grammar[$0] != nil && grammar[$0] != options[$0] }.sorted()
        #expect(unknown.isEmpty, "\(command.name): ArgumentParser declares \(unknown), which the direct reader's grammar lacks")
        #expect(undeclared.isEmpty, "\(command.name): the direct reader's grammar has \(undeclared), which ArgumentParser does not declare")
        #expect(otherKind.isEmpty, "\(command.name): \(otherKind) take other values in ArgumentParser's declaration")
        #expect(command.grammar.aliases == aliases)
        #expect(command.grammar.positionals == positionals)
    }
}

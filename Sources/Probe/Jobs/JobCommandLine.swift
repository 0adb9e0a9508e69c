import EnvLock

/// The one reading of a job's command line for `run.require` and `run.forbid`: the same parse
/// the job detectors make (the app recognised the same way, the job's own argparse), so the
/// run policy and the job's facts never answer the same question differently. A program
/// without an option table is read by the generic reader over its script's arguments (not the
/// interpreter's own options, such as `python3 -u`).
enum JobCommandLine {
    static func reading(_ job: JobInvocation?, in machine: HostContext) -> RunPolicy.Reading {
        guard let job, let launch = JobInvocation.launch(job.command) else { return .arguments([]) }
        let context = job.context(in: machine)
        let app: (name: String, parser: PythonArgparse, host: PythonArgparse.Host)
        if FooocusDetector.checkout(of: launch, job: job, in: context) != nil {
            app = ("Fooocus", FooocusOptions.parser, .unknown)
        } else if let checkout = ComfyUIDetector.checkout(of: launch, job: job, in: context) {
            app = ("ComfyUI", ComfyUIOptions.parser, ComfyUIOptions.host(checkout: checkout, job: job, context: context))
        } else {
            return .arguments(launch.arguments)
        }
        let found: JobArgparse.Found
        switch JobArgparse.find(for: launch, job: job, in: context) {
        case .success(let proven): found = proven
        case .failure(let undetermined): return .undecided("which argparse reads \(app.name)'s command line is not known: \(undetermined.reason)")
        }
        switch app.parser.parse(launch.arguments, revision: found.proven.revision, host: app.host) {
        case .parsed(let namespace):
            return .app(AppCommandLine(name: app.name, parser: app.parser, revision: found.proven.revision, host: app.host, namespace: namespace))
        case .exits(let status, let message):
            return .undecided(status == 0 ? "\(app.name) prints its help and exits" : "\(app.name)'s argparse refuses the command line: \(message)")
        case .undetermined(let reason):
            return .undecided("\(app.name)'s argparse: \(reason)")
        }
    }
}

/// An app's parsed command line, asked what an option ends up as.
struct AppCommandLine: CommandLineReading {
    let name: String
    let parser: PythonArgparse
    let revision: PythonArgparse.Revision
    let host: PythonArgparse.Host
    /// The namespace argparse returned, before the app's own changes after parsing.
    let namespace: [String: PythonValue]

    /// The dest of `option`, and the value the parser gives it from `tokens` alone.
    func value(of option: String, from tokens: [String]) -> (dest: String, value: PythonValue?)? {
        guard let argument = parser.arguments.first(where: { $0.flags.contains(option) }) else { return nil }
        guard case .parsed(let alone) = parser.parse(tokens, revision: revision, host: host) else { return (argument.dest, nil) }
        return (argument.dest, alone[argument.dest])
    }

    func gives(_ option: String, _ value: String?) -> Bool? {
        // The entry parsed by the same parser: an entry the app would refuse is never given.
        guard let expected = self.value(of: option, from: [value.map { option + "=" + $0 } ?? option]) else { return nil }
        guard let wanted = expected.value else { return false }
        return namespace[expected.dest] == wanted
    }

    func changes(_ option: String) -> Bool? {
        guard let defaults = value(of: option, from: []) else { return nil }
        return namespace[defaults.dest] != defaults.value
    }
}

import EnvLock

/// `job.command.*`: what any job runs, whatever the app: the program, the script file and its
/// SHA-256, and the script's arguments. Apps envlock knows get their own detectors beside this.
struct JobCommandDetector: Detector {
    let name = "job-command"
    let provides = ["job.command."]
    var job: JobInvocation?

    init(job: JobInvocation?) {
        self.job = job
    }

    func detect(in context: HostContext, earlier: [String: DetectorOutcome]) async -> DetectorOutcome {
        guard let job, let launch = JobInvocation.launch(job.command) else { return .skipped(JobDetectors.noCommand) }
        var facts = [
            "job.command.program": launch.program,
            "job.command.arguments": FactList.encode(launch.arguments),
        ]
        guard let script = launch.script else { return .ok(facts) }
        // A bare program name is looked up on PATH by exec; only a path names a file to hash.
        guard launch.program != script || script.contains("/") else { return .ok(facts) }
        let path = job.physicalPath(script, in: context)
        facts["job.command.script"] = path
        do {
            facts["job.command.script_sha256"] = ModelDigest.text(of: try context.readBytes(path, limit: 64 << 20, as: .jobScript))
        } catch {
            return .failed("cannot read the job's script: \(error)", facts: facts)
        }
        return .ok(facts)
    }
}

/// Why a command is not the launch of an app a job detector knows: the detector's `absent`.
struct Absence: Error, Sendable, Equatable {
    var reason: String
}

/// The job detectors, in the order their facts take precedence; each gets the same command.
enum JobDetectors {
    static let noCommand = "no command given: pass the job after -- (envlock verify LOCK -- python launch.py …)"

    static func all(for job: JobInvocation?) -> [any Detector] {
        [JobCommandDetector(job: job), FooocusDetector(job: job), ComfyUIDetector(job: job)]
    }

    /// The `job.` facts and detector reports for `job` (nil: no command was given, and every
    /// job detector says so). Runs without the machine probe's deadline: hashing a 7 GB
    /// checkpoint for the first time takes seconds, and a job fact cut short by a timer
    /// would only fail the check for no reason.
    static func probe(_ job: JobInvocation?, in context: HostContext) async -> Snapshot {
        await Prober(detectors: all(for: job), deadline: nil).probe(job?.context(in: context) ?? context)
    }
}

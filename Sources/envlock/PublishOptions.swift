import ArgumentParser
import EnvLock

/// Where `verify --publish` tells a scheduler the verdict.
enum PublishTarget: Equatable, ExpressibleByArgument {
    /// A Node Feature Discovery feature file in this folder (`nfd`, `nfd=DIR`).
    case nodeFeatureDiscovery(folder: String)
    /// Slurm's `node_features/helpers`: the node's active features on standard output (`slurm`).
    case slurm

    init?(argument: String) {
        if argument == "nfd" {
            self = .nodeFeatureDiscovery(folder: NodeFeatureFile.defaultFolder)
        } else if argument.hasPrefix("nfd="), argument.utf8.count > 4 {
            self = .nodeFeatureDiscovery(folder: String(argument.dropFirst(4)))
        } else if argument == "slurm" {
            self = .slurm
        } else {
            return nil
        }
    }
}

/// `verify`'s `--publish` and `--publish-expiry` (`PublishOptions`).
enum PublishOption: String, CommandLineOption {
    case publish
    case publishExpiry = "publish-expiry"

    var kind: DirectCommandLine.Kind { .value }

    var help: ArgumentHelp {
        switch self {
        case .publish:
            ArgumentHelp(
                "Publish the verdict for a scheduler: nfd[=dir] writes a Node Feature Discovery feature file (envlock_NAME=true or false; default dir \(NodeFeatureFile.defaultFolder)); slurm prints the node's active Slurm features (envlock_NAME when it conforms) and sends the report to standard error, for node_features/helpers.",
                valueName: "target")
        case .publishExpiry:
            ArgumentHelp("Seconds until the published labels lapse unless verify runs again (with --publish nfd; default \(Publication.defaultLifetime)).", valueName: "seconds")
        }
    }
}

/// `verify`'s `--publish` and `--publish-expiry`.
struct PublishOptions: ParsableArguments {
    @Option(PublishOption.publish) var publish: PublishTarget?
    @Option(PublishOption.publishExpiry) var publishExpiry: Int?

    func validate() throws {
        _ = try publication
    }

    var publication: Publication? {
        get throws(ValidationError) { try Self.publication(target: publish, lifetime: publishExpiry) }
    }

    /// The one validation of these options, for ArgumentParser's `validate()` and for
    /// `DirectCommandLine`, which leaves a refused line to ArgumentParser: the publication asked
    /// for, or nil for none.
    static func publication(target: PublishTarget?, lifetime: Int?) throws(ValidationError) -> Publication? {
        if let message = Publication.refusal(target: target, lifetime: lifetime) { throw ValidationError(message) }
        return target.map { Publication(target: $0, lifetime: lifetime ?? Publication.defaultLifetime) }
    }

    /// The publication `line` asks for, or nil for none.
    static func publication(_ line: DirectCommandLine) throws -> Publication? {
        try publication(
            target: line.value(PublishOption.publish, as: PublishTarget.self), lifetime: line.value(PublishOption.publishExpiry, as: Int.self))
    }
}

/// What `verify` publishes after its verdict, and for how long.
struct Publication: Equatable {
    /// Fifteen minutes: three missed runs of a five-minute schedule before the labels lapse.
    static let defaultLifetime = 900

    var target: PublishTarget
    /// Seconds the NFD labels hold without another verify.
    var lifetime: Int

    /// Why `--publish-expiry` cannot be taken, or nil.
    static func refusal(target: PublishTarget?, lifetime: Int?) -> String? {
        guard let lifetime else { return nil }
        guard case .nodeFeatureDiscovery = target else { return "--publish-expiry needs --publish nfd" }
        return lifetime > 0 && lifetime <= 366 * 86_400 ? nil : "--publish-expiry must be 1 to 31622400 seconds"
    }

    /// Whether standard output carries the published features instead of the report.
    var takesStandardOutput: Bool { target == .slurm }

    /// Publishes whether the node conforms to `lock`: writes the feature file, or prints the
    /// Slurm features (none when it does not conform, so a failure never passes as conformance).
    func publish(_ lock: Lock, conforms: Bool) throws {
        let name: PublishedLockName
        do { name = try PublishedLockName(lock.profile) } catch { throw Failure.io(error.description) }
        switch target {
        case .slurm:
            if conforms { try StandardOutput.emit(name.slurmFeature + "\n") }
        case .nodeFeatureDiscovery(let folder):
            let expires = Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + Int64(lifetime))
            let file = NodeFeatureFile(lockName: name, fingerprint: LockFingerprintLabel.value(of: lock), conforms: conforms, expires: expires)
            do { try file.write(into: folder) } catch { throw Failure.io(error.description) }
        }
    }

    /// After verify reached no verdict: labels the lock `false` if its file can at least be
    /// read (a name read from a lock that cannot be trusted can only take labels away), so a
    /// node that said `true` before stops saying it now, not at the expiry time.
    func publishUndetermined(lockPath: String) throws {
        guard case .nodeFeatureDiscovery = target else { return }
        let loaded: LoadedLock
        do { loaded = try LoadedLock.load(at: lockPath) } catch {
            throw Failure.io("published nothing: the lock cannot be read (\(error.description)); labels published before lapse at their expiry time")
        }
        try publish(loaded.lock, conforms: false)
    }
}

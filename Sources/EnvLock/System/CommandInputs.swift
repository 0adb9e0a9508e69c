import Synchronization

/// What a file was to the command that read it, for the message that refuses to write over it.
public enum InputRole: Sendable, Equatable, CustomStringConvertible {
    /// The profile given with `--profile`.
    case profile
    /// A profile that the profile `extends:`, directly or through others.
    case extendedProfile
    /// The private key given with `--key`.
    case signingKey
    /// A public key from `--trust` or `ENVLOCK_TRUST`.
    case trustedKey
    case lock
    /// A snapshot `envlock fleet` groups.
    case snapshot
    /// A snapshot or lock `envlock diff` compares.
    case comparedDocument
    /// An image `envlock audit` judges.
    case image
    /// The script the job's interpreter runs (`launch.py`).
    case jobScript
    /// The app's own settings file (Fooocus' `config.txt`, or where `config_path` points).
    case jobConfig
    /// An app preset (Fooocus' `presets/default.json`, the `--preset` file).
    case preset
    /// A model file the job loads, whose SHA-256 the command took.
    case modelFile
    /// A style file of the app (Fooocus' `sdxl_styles/*.json`).
    case styleFile
    /// The Python interpreter whose packages the probe reports.
    case interpreter

    public var description: String {
        switch self {
        case .profile: "the profile"
        case .extendedProfile: "a profile the profile extends"
        case .signingKey: "the signing key"
        case .trustedKey: "a trusted public key"
        case .lock: "the lock"
        case .snapshot: "a snapshot"
        case .comparedDocument: "a document it compares"
        case .image: "an image"
        case .jobScript: "the job's script"
        case .jobConfig: "the job's config file"
        case .preset: "a preset of the job"
        case .modelFile: "a model file of the job"
        case .styleFile: "a style file of the job"
        case .interpreter: "the Python interpreter"
        }
    }
}

/// Every file one command read, so that its `--output` never replaces one of them.
///
/// Reads record themselves: `POSIXFile`, which every open of a file goes through (documents,
/// keys, the probe's `HostContext` and `FileSystem`, images), records each file it opens into
/// `current`, with the device and inode of what it opened. The readers that know what a file
/// is to the command (the profile, the job's script, a model file) pass its `InputRole`, so a
/// refusal can say so; any other file is still an input, named "a file". Protecting a new
/// input therefore needs no new list: reading it is enough.
public final class CommandInputs: Sendable {
    /// The inputs of the command running in this task, which `envlock`'s command runner binds
    /// for each command; nil outside a command (tests, the library used on its own), where
    /// nothing is recorded.
    @TaskLocal public static var current: CommandInputs?

    /// One file the command read: the path it was read through and what it was.
    public struct Input: Sendable, Equatable {
        public var path: String
        var role: InputRole?

        init(path: String, role: InputRole?) {
            self.path = path
            self.role = role
        }
    }

    private struct Entry: Sendable {
        var input: Input
        /// Device and inode of the file opened; nil where the reader spared the `fstat`
        /// (METADATA headers), so the path is looked at when the output is checked.
        var identity: Identity?
    }

    private struct Identity: Sendable, Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// Records that the command read `path`, the file that `status` describes (from the
    /// descriptor it was read through), or nil to look the path up at check time.
    package func record(_ path: String, status: POSIXFile.Status?, role: InputRole?) {
        let entry = Entry(input: Input(path: path, role: role), identity: status.map { Identity(device: $0.device, inode: $0.inode) })
        entries.withLock { $0.append(entry) }
    }

    /// Records `path` as read, in `current` when a command runs: for a file the command uses
    /// without opening it (the interpreter it runs or remembers).
    public static func note(_ path: String, as role: InputRole) {
        guard let current else { return }
        do throws(POSIXFailure) {
            current.record(path, status: try POSIXFile.status(at: path), role: role)
        } catch {
            // The path is kept and looked at again when an output is checked; if nothing is
            // there then, no output can be this file.
            current.record(path, status: nil, role: role)
        }
    }

    /// Every file read so far, in the order read (a file read twice is listed twice).
    public var inputs: [Input] {
        entries.withLock { $0.map(\.input) }
    }

    /// The input that is the file with this device and inode, or nil. One read in a known
    /// role is preferred to the same file read without one.
    package func input(device: UInt64, inode: UInt64) -> Input? {
        let wanted = Identity(device: device, inode: inode)
        let recorded = entries.withLock { $0 }
        var looked: [String: Identity?] = [:]
        var unnamed: Input?
        for entry in recorded {
            let identity: Identity?
            if let known = entry.identity {
                identity = known
            } else if let seen = looked[entry.input.path] {
                identity = seen
            } else {
                do throws(POSIXFailure) {
                    let info = try POSIXFile.status(at: entry.input.path)
                    identity = Identity(device: info.device, inode: info.inode)
                } catch {
                    // A path that cannot be looked at now names no file this command could
                    // write over through it; the write's own checks still see the destination.
                    identity = nil
                }
                looked[entry.input.path] = .some(identity)
            }
            guard identity == wanted else { continue }
            if entry.input.role != nil { return entry.input }
            if unnamed == nil { unnamed = entry.input }
        }
        return unnamed
    }
}

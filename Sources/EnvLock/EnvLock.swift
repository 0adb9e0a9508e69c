// EnvLock: the domain library behind the `envlock` command.
//
// It holds everything that can be decided without touching the machine: facts and snapshots,
// profiles and their rules, PEP 440 versions and specifier sets, locks with their canonical
// JSON form, SHA-256 fingerprint and Ed25519 signature, the comparison of a lock or snapshot
// with a machine, and the strict YAML reader and writer that all documents go through.
//
// The library never prints and does no process or file I/O beyond loading and saving
// documents. Detectors that read the machine live in the `Probe` module; the command line,
// which alone writes to standard output and error, lives in the `envlock` executable.

/// The version of envlock itself, reported as the `envlock.version` fact.
public enum EnvlockRelease {
    public static let version = "0.1.0"
}

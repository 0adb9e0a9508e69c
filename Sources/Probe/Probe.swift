// Probe: the detectors that read what this machine really has.
//
// Each detector is one small type in `Detectors/` with a stable name, a `detect` that reads
// through an injected `HostContext` (filesystem root, environment, library loader, command
// runner with a deadline), and pure `parse` functions tested on real outputs. A detector
// reports `ok` with facts, `absent` when its source is not installed, `failed` with the
// reason when the source exists but cannot be read, or `skipped` when it does not apply.
// `Prober` runs the hand-written list `Detectors.all` under one deadline and merges the
// results into an `EnvLock.Snapshot`.
// `MachineProbe` adds the job detectors and the cross-check findings to that: the complete
// snapshot every command reports. `Workflows/` holds each command's workflow (verify, run's
// gate, lock, diff, audit), so the command line only parses, calls one of them and renders.

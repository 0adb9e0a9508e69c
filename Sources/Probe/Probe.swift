// Probe: the detectors that read what this machine really has.
//
// Detectors are grouped by domain: `Host/` (OS, kernel, C library, CPU, environment, envlock
// itself), `NVIDIA/` (driver, GPUs, CUDA, cuDNN, with the NVML and CUDA driver bindings),
// `Python/` (interpreter, sys.path, installed distributions, the builds of torch, torchvision
// and xformers, conda, the Hugging Face cache), `Runtime/` (a running process, `--pid`),
// `Jobs/` (the job's command, Fooocus, ComfyUI) and `Audit/` (what generated images record).
// A detector's file and type are named after its `name` (`cudnn-system`: NVIDIA/CuDNNSystem.swift,
// `CuDNNSystemDetector`). Each reads through an injected `HostContext` (`Context/`: filesystem
// root, environment, library loader, command runner with a deadline) and hands raw text to pure
// `parse` functions tested on real outputs. A detector reports `ok` with facts, `absent` when
// its source is not installed, `failed` with the reason when the source exists but cannot be
// read, or `skipped` when it does not apply. `Scheduling/Prober` runs the hand-written list
// `Detectors.all` under one deadline; `FactMergePolicy` merges the results into an
// `EnvLock.Snapshot`. A detector says what it reads (`Detector.source(in:)`): under a foreign
// `--root` the Prober skips those that read the running machine and hands the rest a context
// that runs no program and loads no library (`HostContext.confinedToRoot()`); a detector
// never checks the root itself (ForeignRootConfinementTests holds every detector to this).
// `MachineProbe` adds the job detectors and the cross-check findings to that: the complete
// snapshot every command reports. `Workflows/` holds each command's workflow (verify, run's
// gate, lock, diff, audit), so the command line only parses, calls one of them and renders.

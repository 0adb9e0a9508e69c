#!/usr/bin/env bash
# The GPU code in the installed libraries (cuda_code.*, issue 28) on a real
# `pip install torch==2.2.0 torchvision==0.17.0 xformers==0.0.24` (libtorch_cuda.so 855 MB,
# libtorch_cuda_linalg.so, torchvision/_C.so, xformers/_C.so and _C_flashattention.so: 1.5 GB,
# 3,300 fat binary entries). Bench only, never CI: the venv is made once, outside the repo, as
# bench/record-verify.sh says. Measured in one run, every cache warm but the one asked for:
#   - warm: `envlock probe --python` with the cuda-code cache entry in place;
#   - cold: the same probe with the entry removed before each run, so the detector reads every
#     header again: once with the libraries in the page cache, once with their pages evicted
#     first (posix_fadvise DONTNEED on these five files only: the page cache of other users'
#     files is left alone), as on the first probe after a reboot;
#   - against what users would run instead: `cuobjdump --list-elf --list-ptx` on the same five
#     libraries (CUOBJDUMP=path; nvidia-cuda-cuobjdump from PyPI) and importing torch to ask
#     `torch._C._cuda_getArchFlags()` (which covers libtorch_cuda.so only);
#   - what a warm probe adds: the system calls that name the libraries (strace, when present).
# Usage: VENV=/work/bench-torch/venv [CUOBJDUMP=…] bench/cuda-code.sh [RUNS]   (default 11)
set -euo pipefail

runs=${1:-11}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-/work/bench-torch/venv}
envlock=${ENVLOCK:-$root/.build/release/envlock}
work=$root/bench/work/cuda-code
[[ -x $envlock ]] || { echo "no envlock binary at $envlock" >&2; exit 2; }
[[ -x $venv/bin/python ]] || { echo "no venv at $venv (see bench/record-verify.sh)" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work/cache"
export XDG_CACHE_HOME=$work/cache
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$envlock" probe --python "$venv/bin/python" > "$work/probe.txt"
grep -q 'ok *cuda-code' "$work/probe.txt" || { echo "cuda-code did not report ok:" >&2; grep cuda "$work/probe.txt" >&2; exit 1; }

python3 - "$runs" "$envlock" "$work" "$venv" "$site" "${CUOBJDUMP:-}" <<'PY'
import glob, os, shlex, shutil, statistics, subprocess, sys, time
runs, envlock, work, venv, site, cuobjdump = int(sys.argv[1]), *sys.argv[2:7]
probe = [envlock, "probe", "--python", os.path.join(venv, "bin/python")]
libraries = [os.path.join(site, p) for p in ("torch/lib/libtorch_cuda.so", "torch/lib/libtorch_cuda_linalg.so", "torchvision/_C.so", "xformers/_C.so", "xformers/_C_flashattention.so")]
entries = lambda: glob.glob(os.path.join(work, "cache/envlock/sha256/cuda-code-*"))
def timed(argv, before=None):
    samples = []
    for _ in range(runs):
        if before: before()
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)
def remove_entries():
    for entry in entries(): os.remove(entry)
def evict():
    remove_entries()
    for library in libraries:
        descriptor = os.open(library, os.O_RDONLY)
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(descriptor)
assert entries(), "the first probe wrote no cuda-code cache entry"
warm = timed(probe)
cold = timed(probe, remove_entries)
disk = timed(probe, evict)
subprocess.run(probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"probe, cuda-code entry warm:    median {warm[0]:7.1f} ms, min {warm[1]:7.1f} ms ({runs} runs)")
print(f"probe, cuda-code entry removed: median {cold[0]:7.1f} ms, min {cold[1]:7.1f} ms: the detector's cold cost is about {cold[0] - warm[0]:.0f} ms")
print(f"probe, entry removed and the libraries evicted from the page cache: median {disk[0]:7.1f} ms, min {disk[1]:7.1f} ms")
if cuobjdump:
    ref = timed(["sh", "-c", "; ".join(f"{shlex.quote(cuobjdump)} --list-elf --list-ptx {shlex.quote(library)}" for library in libraries)])
    # One cuobjdump per library: 13.x gives up on a file at the first cubin it cannot parse
    # (CUDA 12.1's sm_90 ones), so its time is a floor of what listing everything costs.
    print(f"cuobjdump --list-elf --list-ptx, the same 5 libraries: median {ref[0]:7.1f} ms ({ref[0] / max(cold[0] - warm[0], 0.1):.0f}x the detector's cold cost)")
torch = timed([os.path.join(venv, "bin/python"), "-c", "import torch; torch._C._cuda_getArchFlags()"])
print(f"python -c 'import torch; torch._C._cuda_getArchFlags()': median {torch[0]:7.1f} ms")
if shutil.which("strace"):
    trace = os.path.join(work, "strace.txt")
    subprocess.run(["strace", "-f", "-qq", "-o", trace, *probe], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = [l for l in open(trace, errors="replace") if any(lib in l for lib in libraries) or "cuda-code-" in l]
    calls = {}
    for line in lines:
        name = line.split("(", 1)[0].split()[-1]
        calls[name] = calls.get(name, 0) + 1
    print("warm probe, system calls naming the libraries or the cuda-code entry:", ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
PY

#!/usr/bin/env bash
# What `verify --publish` adds to verify, side by side in one run: the same verify of a signed
# lock (an empty venv: pyvenv.cfg, no interpreter run) without publishing, with `--publish nfd=DIR`
# (one small feature file written atomically: temporary file, fsync, rename, fsync of the
# folder) and with `--publish slurm` (one line on standard output). What users run instead is
# the verify itself, so the ratio against it is what publishing costs.
#
# Usage: bench/publish.sh [RUNS]   (default 31 interleaved runs per command; medians reported)
# Needs: a release build (swift build -c release, or ENVLOCK=/path/to/envlock), python3 with venv.
set -euo pipefail

runs=${1:-31}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$root/bench/work/publish
envlock=${ENVLOCK:-$root/.build/release/envlock}
[[ -x $envlock ]] || { echo "no envlock binary at $envlock: run 'swift build -c release' or set ENVLOCK" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work/features.d" "$work/cache"
chmod 755 "$work/features.d"
python3 -m venv --without-pip "$work/venv"

cat >"$work/profile.yaml" <<'YAML'
envlock: 1
name: bench-publish
rules:
  host.arch: {pin: true}
  python.version: {pin: true}
  env.CUBLAS_WORKSPACE_CONFIG: {absent: true, severity: warning}
YAML
export XDG_CACHE_HOME=$work/cache
"$envlock" keygen --output "$work/key.pem" 2>/dev/null
"$envlock" lock --profile "$work/profile.yaml" --key "$work/key.pem" --python "$work/venv/bin/python" --output "$work/env.lock" 2>/dev/null

python3 - "$runs" "$envlock" "$work" <<'PY'
import os, subprocess, sys, time, statistics, platform
runs, envlock, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8", "XDG_CACHE_HOME": work + "/cache"}
verify = [envlock, "verify", work + "/env.lock", "--trust", work + "/key.pub.pem", "--python", work + "/venv/bin/python"]
commands = [
    ("verify", verify),
    ("verify --publish nfd=DIR", verify + ["--publish", "nfd=" + work + "/features.d"]),
    ("verify --publish slurm", verify + ["--publish", "slurm"]),
]
def once(argv):
    start = time.perf_counter()
    status = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if status != 0:
        sys.exit(f"{argv} exited {status}")
    return (time.perf_counter() - start) * 1000
results = {}
for _, argv in commands:
    once(argv)
for _ in range(runs):
    for name, argv in commands:
        results.setdefault(name, []).append(once(argv))
median = {name: statistics.median(times) for name, times in results.items()}
print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; {platform.platform()}; runs: {runs}, interleaved")
print("| command | median | min | max | vs verify |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, _ in commands:
    print(f"| {name} | {median[name]:.1f} ms | {min(results[name]):.1f} ms | {max(results[name]):.1f} ms | {median[name] / median['verify']:.2f}x |")
PY

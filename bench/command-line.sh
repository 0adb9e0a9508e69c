#!/usr/bin/env bash
# What reading the command line costs, for two envlock binaries side by side in one run (say, a
# branch against main): process start (`--version`), the hot commands that run before every job
# (`probe` with nothing to find, `verify` of an unsigned lock in an empty venv), which envlock
# reads without ArgumentParser, and commands ArgumentParser reads (`signed-bytes` of that lock,
# the least work any command does after its parse; `diff` of a snapshot with itself; `lock --help`).
# What users run instead of envlock is `python3 -c pass`, timed in the same run.
#
# Usage: bench/command-line.sh [RUNS]   (default 31 interleaved runs per command; medians reported)
# Needs: ENVLOCK (default .build/release/envlock) and ENVLOCK_BEFORE (the binary to compare with),
# python3 with venv.
set -euo pipefail

runs=${1:-31}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$root/bench/work/command-line
envlock=${ENVLOCK:-$root/.build/release/envlock}
before=${ENVLOCK_BEFORE:?set ENVLOCK_BEFORE to the envlock binary to compare with}
for binary in "$envlock" "$before"; do
    [[ -x $binary ]] || { echo "no envlock binary at $binary" >&2; exit 2; }
done
rm -rf "$work"
mkdir -p "$work/empty" "$work/cache"
python3 -m venv --without-pip "$work/venv"
cat >"$work/profile.yaml" <<'YAML'
envlock: 1
name: bench-command-line
rules:
  host.arch: {pin: true}
  python.version: {pin: true}
YAML
export XDG_CACHE_HOME=$work/cache
"$envlock" lock --profile "$work/profile.yaml" --python "$work/venv/bin/python" --output "$work/env.lock" 2>/dev/null
"$envlock" probe --site-packages "$work/empty" --format json --output "$work/machine.json"

python3 - "$runs" "$envlock" "$before" "$work" <<'PY'
import os, subprocess, sys, time, statistics, platform
runs, after, before, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8", "XDG_CACHE_HOME": work + "/cache"}
lines = [
    ("--version", ["--version"], 0),
    ("probe, nothing to find", ["probe", "--site-packages", work + "/empty"], 0),
    ("verify in a venv", ["verify", work + "/env.lock", "--allow-unsigned", "--python", work + "/venv/bin/python"], 0),
    ("signed-bytes LOCK", ["signed-bytes", work + "/env.lock"], 0),
    ("diff A A", ["diff", work + "/machine.json", work + "/machine.json"], 0),
    ("lock --help", ["lock", "--help"], 0),
]
commands = [(f"{name} ({label})", [binary] + argv, status) for name, argv, status in lines for label, binary in (("before", before), ("after", after))]
commands.append(("python3 -c pass", [sys.executable, "-c", "pass"], 0))
def once(argv, expected):
    start = time.perf_counter()
    status = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    elapsed = (time.perf_counter() - start) * 1000
    if status != expected:
        sys.exit(f"{argv} exited {status}, not {expected}")
    return elapsed
results = {}
for _, argv, status in commands:
    once(argv, status)
for _ in range(runs):  # interleaved, so load changes hit every command alike
    for name, argv, status in commands:
        results.setdefault(name, []).append(once(argv, status))
median = {name: statistics.median(times) for name, times in results.items()}
with open("/proc/loadavg") as load:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; {platform.platform()}; runs: {runs}, interleaved; load {load.read().split()[0]} at the end")
print("| command | before | after | after / before | min before | min after |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, _, _ in lines:
    b, a = f"{name} (before)", f"{name} (after)"
    print(f"| {name} | {median[b]:.1f} ms | {median[a]:.1f} ms | {median[a] / median[b]:.2f}x | {min(results[b]):.1f} ms | {min(results[a]):.1f} ms |")
print(f"| python3 -c pass | {median['python3 -c pass']:.1f} ms | | | {min(results['python3 -c pass']):.1f} ms | |")
verify = median["verify in a venv (after)"]
print()
print(f"- verify in a venv (after) / python3 -c pass: {verify / median['python3 -c pass']:.2f}x")
PY

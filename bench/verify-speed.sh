#!/usr/bin/env bash
# The cost of `envlock verify` where jobs really run it, side by side in one run, against what
# users would run instead (starting Python to ask it):
#   - process start (`envlock --version`) and `probe` with nothing to find;
#   - `verify` in a virtual environment (pyvenv.cfg, no interpreter run) holding the same
#     distributions as the base interpreter;
#   - `verify` through a non-venv interpreter reached by a pyenv-style shim, second run onward
#     (the interpreter cache answers), and the same with --no-cache;
#   - `python3 -c pass` through the same shim and on the real interpreter.
# Peak RSS of probe and verify comes from /usr/bin/time.
#
# Usage: bench/verify-speed.sh [RUNS]   (default 21 runs per command; medians are reported)
# Needs: a release build (swift build -c release, or ENVLOCK=/path/to/envlock), python3 with venv.
set -euo pipefail

runs=${1:-21}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$root/bench/work/verify
envlock=${ENVLOCK:-$root/.build/release/envlock}
python=$(python3 -c 'import sys; print(sys.executable)')
[[ -x $envlock ]] || { echo "no envlock binary at $envlock: run 'swift build -c release' or set ENVLOCK" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work/empty" "$work/shims" "$work/cache"

# A venv holding the same distributions as the base interpreter's site-packages (their
# METADATA copied), so that both verifies read the same package set.
"$python" -m venv --without-pip "$work/venv"
site=$(echo "$work"/venv/lib/python3.*/site-packages)
base_site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for info in "$base_site"/*.dist-info; do
    [[ -f $info/METADATA ]] || continue
    mkdir -p "$site/${info##*/}"
    cp "$info/METADATA" "$site/${info##*/}/METADATA"
done
distributions=$(ls -d "$site"/*.dist-info | wc -l)

# A shim as pyenv installs it: a bash script that finds and execs the real interpreter.
cat >"$work/shims/python3" <<SH
#!/usr/bin/env bash
set -e
[ -n "\$PYENV_DEBUG" ] && set -x
program="\${0##*/}"
export PYENV_ROOT="$work/pyenv-root"
exec "$python" "\$@"
SH
chmod +x "$work/shims/python3"

cat >"$work/profile.yaml" <<'YAML'
envlock: 1
name: bench
rules:
  host.arch: {pin: true}
  python.version: {pin: true}
  python.packages.*: {pin: true}
  env.CUBLAS_WORKSPACE_CONFIG: {absent: true, severity: warning}
YAML
export XDG_CACHE_HOME=$work/cache
"$envlock" lock --profile "$work/profile.yaml" --python "$work/venv/bin/python" --output "$work/venv.lock" 2>/dev/null
PATH="$work/shims:$PATH" "$envlock" lock --profile "$work/profile.yaml" --python "$work/shims/python3" --output "$work/system.lock" 2>/dev/null

"$python" - "$runs" "$envlock" "$work" "$python" <<'PY'
import os, subprocess, sys, time, statistics, platform
runs, envlock, work, python = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
env = {"PATH": work + "/shims:" + os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
       "LANG": "C.UTF-8", "XDG_CACHE_HOME": work + "/cache"}
shim = work + "/shims/python3"
commands = [
    ("process start: envlock --version", [envlock, "--version"]),
    ("probe, nothing to find (empty --site-packages)", [envlock, "probe", "--site-packages", work + "/empty"]),
    ("verify in a venv (the same distributions)", [envlock, "verify", work + "/venv.lock", "--allow-unsigned", "--python", work + "/venv/bin/python"]),
    ("verify through a shim, non-venv, cached", [envlock, "verify", work + "/system.lock", "--allow-unsigned", "--python", shim]),
    ("verify through a shim, non-venv, --no-cache", [envlock, "verify", work + "/system.lock", "--allow-unsigned", "--python", shim, "--no-cache"]),
    ("python3 -c pass through the shim", [shim, "-c", "pass"]),
    ("python3 -c pass on the real interpreter", [python, "-c", "pass"]),
]
def once(argv):
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000
results = {}
for name, argv in commands:
    once(argv)  # warm-up: page cache and, for the cached verify, the cache entry
for _ in range(runs):  # interleaved, so load changes hit every command alike
    for name, argv in commands:
        results.setdefault(name, []).append(once(argv))
def rss(argv):
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    return max(int(line) for line in out.split() if line.isdigit()) / 1024
median = {name: statistics.median(times) for name, times in results.items()}
print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; {platform.platform()}; runs: {runs}, interleaved")
print("| command | median | min | max |")
print("| --- | ---: | ---: | ---: |")
for name, _ in commands:
    print(f"| {name} | {median[name]:.1f} ms | {min(results[name]):.1f} ms | {max(results[name]):.1f} ms |")
start = median["process start: envlock --version"]
cached = median["verify through a shim, non-venv, cached"]
print()
print(f"- probe with nothing to find: {median['probe, nothing to find (empty --site-packages)'] - start:+.1f} ms above process start")
print(f"- cached shim verify / venv verify: {cached / median['verify in a venv (the same distributions)']:.2f}x")
print(f"- cached shim verify / python3 -c pass through the shim: {cached / median['python3 -c pass through the shim']:.2f}x")
print(f"- cached shim verify / python3 -c pass on the real interpreter: {cached / median['python3 -c pass on the real interpreter']:.2f}x")
for name, argv in commands[1:5]:
    print(f"- peak RSS, {name}: {max(rss(argv) for _ in range(3)):.1f} MB")
PY

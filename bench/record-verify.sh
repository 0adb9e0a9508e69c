#!/usr/bin/env bash
# Installed files against RECORD (python.packages.NAME.files, issue 25) on a real
# `pip install torch==2.2.0 torchvision==0.17.0 xformers==0.0.24` (about 15,000 files and
# 4.5 GB in torch, torchvision, xformers and the nvidia-*-cu12 wheels). Bench only, never CI:
# the venv is about 5 GB and takes minutes to install, so it is made once, outside the repo:
#   python3 -m venv /work/bench-torch/venv
#   /work/bench-torch/venv/bin/pip install torch==2.2.0 torchvision==0.17.0 xformers==0.0.24
# Measured in one run, on the same files:
#   - warm: `envlock verify` of a lock whose rules ask for those distributions' files intact,
#     every digest cached, against the same verify without the .files rules (limit: +50 ms);
#   - cold: the same verify with an empty digest cache and the files dropped from the page
#     cache where this user may (else read from the page cache, said in the output), against
#     `sha256sum` over the same files (what users would run instead; limit: at least its
#     speed), and envlock's peak RSS (/usr/bin/time -v; limit: 64 MB).
# Usage: VENV=/work/bench-torch/venv bench/record-verify.sh [RUNS]   (default 11 warm runs)
set -euo pipefail

runs=${1:-11}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-/work/bench-torch/venv}
envlock=${ENVLOCK:-$root/.build/release/envlock}
work=$root/bench/work/record-verify
[[ -x $envlock ]] || { echo "no envlock binary at $envlock" >&2; exit 2; }
[[ -x $venv/bin/python ]] || { echo "no venv at $venv (see the comment at the top)" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work/cache"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cat > "$work/with.yaml" <<'YAML'
envlock: 1
name: record-verify
rules:
  python.packages.torch: {version: "==2.2.0"}
  python.packages.torchvision: {version: "==0.17.0"}
  python.packages.xformers: {version: "==0.0.24"}
  python.packages.nvidia-*-cu12: {pin: true}
  python.packages.torch.files: {equals: "intact"}
  python.packages.torchvision.files: {equals: "intact"}
  python.packages.xformers.files: {equals: "intact"}
  python.packages.nvidia-*-cu12.files: {equals: "intact"}
YAML
grep -v '\.files:' "$work/with.yaml" > "$work/without.yaml"
export XDG_CACHE_HOME=$work/cache
"$envlock" lock --profile "$work/with.yaml" --output "$work/with.lock" --python "$venv/bin/python" 2>/dev/null \
    || { echo "the venv's files are not intact:" >&2; "$envlock" lock --profile "$work/with.yaml" --output "$work/with.lock" --python "$venv/bin/python" --force >&2; exit 1; }
"$envlock" lock --profile "$work/without.yaml" --output "$work/without.lock" --python "$venv/bin/python" 2>/dev/null

# The files RECORD hashes, as envlock checks them (paths relative to site-packages).
"$venv/bin/python" - "$site" > "$work/files.txt" <<'PY'
import csv, os, sys
site = sys.argv[1]
for info in sorted(os.listdir(site)):
    name = info.lower().replace("_", "-")
    if not info.endswith(".dist-info") or not (name.startswith(("torch-", "torchvision-", "xformers-")) or (name.startswith("nvidia-") and "-cu12-" in name)):
        continue
    for row in csv.reader(open(os.path.join(site, info, "RECORD"), newline="", encoding="utf-8")):
        if len(row) > 1 and row[1]:
            print(os.path.normpath(os.path.join(site, row[0])))
PY
count=$(wc -l < "$work/files.txt")
bytes=$(tr '\n' '\0' < "$work/files.txt" | xargs -0 stat -c %s | awk '{s += $1} END {printf "%d\n", s}')

python3 - "$runs" "$envlock" "$work" "$venv" "$count" "$bytes" <<'PY'
import os, re, statistics, subprocess, sys, time
runs, envlock, work, venv, count, size = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
python = ["--python", os.path.join(venv, "bin/python")]
def verify(lock):
    return [envlock, "verify", os.path.join(work, lock), "--allow-unsigned", *python]
def timed(argv, **kw):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, **kw)
    return (time.perf_counter() - start) * 1000
def drop():
    subprocess.run(["sync"])
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False

print(f"files: {count} hashed RECORD entries, {size / 2**30:.2f} GiB")
# Warm: both verifies, alternating, every digest cached.
for lock in ("with.lock", "without.lock"):
    timed(verify(lock))
warm = {"verify with the .files rules": [], "verify without them": []}
for _ in range(runs):
    warm["verify with the .files rules"].append(timed(verify("with.lock")))
    warm["verify without them"].append(timed(verify("without.lock")))
print("\n| warm | median | min | max |\n| --- | ---: | ---: | ---: |")
for name, values in warm.items():
    print(f"| {name} | {statistics.median(values):.1f} ms | {min(values):.1f} ms | {max(values):.1f} ms |")
delta = statistics.median(warm["verify with the .files rules"]) - statistics.median(warm["verify without them"])
print(f"\nwarm delta: {delta:.1f} ms (limit 50 ms: {'met' if delta <= 50 else 'NOT met'})")

# Cold: an empty digest cache; the same bytes through sha256sum.
files = open(os.path.join(work, "files.txt")).read().split("\n")[:-1]
rows = []
for name, argv in (("envlock verify, empty digest cache", ["/usr/bin/time", "-v", *verify("with.lock")]),
                   ("sha256sum over the same files", ["sha256sum", *files])):
    if name.startswith("envlock"):
        subprocess.run(["rm", "-rf", os.path.join(work, "cache", "envlock", "sha256")], check=True)
    dropped = drop()
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    rows.append((name, elapsed, rss and int(rss.group(1)), dropped))
print("\n| cold | time | throughput | peak RSS | page cache |\n| --- | ---: | ---: | ---: | --- |")
for name, elapsed, rss, dropped in rows:
    print(f"| {name} | {elapsed:.2f} s | {size / 2**20 / elapsed:.0f} MiB/s | {f'{rss / 1024:.1f} MiB' if rss else '-'} | {'dropped' if dropped else 'warm (cannot drop)'} |")
ratio = rows[1][1] / rows[0][1]
print(f"\nenvlock / sha256sum speed: {ratio:.2f}x (limit: at least 1x: {'met' if ratio >= 1 else 'NOT met'}); peak RSS limit 64 MB: {'met' if rows[0][2] and rows[0][2] * 1024 < 64e6 else 'NOT met'}")
PY

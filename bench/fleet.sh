#!/usr/bin/env bash
# Fleet grouping: `envlock fleet` against the Python script a user would write
# instead (bench/fleet-python.py: json.load every snapshot, group by a tuple of values), on the
# same files in the same run, at 1,000, 10,000 and 50,000 snapshots. Release build.
#   bench/fleet.sh [WORKDIR] [RUNS]
# The 10,000 snapshots are generated once (bench/fleet-generate.py, about 135 MB); the 1,000
# are hard links to the first 1,000 of them and the 50,000 are five hard links to each, so the
# three sizes share one page cache. Each command runs once untimed (warm cache), then RUNS
# times; the harness reports the median wall time and the largest peak RSS (wait4).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --static-swift-stdlib --product envlock >/dev/null
binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/envlock"
work="${1:-/tmp/envlock-fleet-bench}"
runs="${2:-5}"

if [ ! -d "$work/10000" ]; then
    python3 bench/fleet-generate.py "$work/10000.partial" 10000
    mv "$work/10000.partial" "$work/10000"
fi
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
source = sorted(os.listdir(os.path.join(work, "10000")))
for size, names in [("1000", [(name, name) for name in source[:1000]]),
                    ("50000", [(name, f"copy{copy}-{name}") for copy in range(1, 6) for name in source])]:
    target = os.path.join(work, size)
    if os.path.isdir(target):
        continue
    os.makedirs(target + ".partial", exist_ok=True)
    for name, link in names:
        if not os.path.exists(os.path.join(target + ".partial", link)):
            os.link(os.path.join(work, "10000", name), os.path.join(target + ".partial", link))
    os.rename(target + ".partial", target)
PY

python3 - "$binary" "$work" "$runs" <<'PY'
import json, os, statistics, subprocess, sys, time
binary, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def measure(command):
    """Median wall time, median CPU time (user + system) and largest peak RSS of RUNS runs,
    after one untimed run whose standard output is returned."""
    warm = subprocess.run(command, capture_output=True, text=True)
    if warm.returncode not in (0, 1):
        sys.exit(f"{command[0]} exited {warm.returncode}: {warm.stderr}")
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        samples.append((time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples), max(s[2] for s in samples), warm.stdout

print("| snapshots | MB | envlock fleet: wall | CPU | peak RSS | Python json + tuple: wall | CPU | peak RSS | Python / envlock (wall) |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for size in ["1000", "10000", "50000"]:
    folder = os.path.join(work, size)
    megabytes = sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)) / 1e6
    wall, cpu, rss, output = measure([binary, "fleet", folder, "--format", "json"])
    py_wall, py_cpu, py_rss, py_output = measure([sys.executable, "bench/fleet-python.py", folder])
    # Both must find the same groups.
    sizes = sorted(int(group["size"]) for group in json.loads(output)["groups"])
    py_sizes = sorted(int(line.split()[0]) for line in py_output.splitlines())
    if sizes != py_sizes:
        sys.exit(f"envlock found groups of {sizes}, Python {py_sizes}")
    print(f"| {int(size):,} | {megabytes:.0f} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms | {rss / 1024:.0f} MB "
          f"| {py_wall * 1000:.0f} ms | {py_cpu * 1000:.0f} ms | {py_rss / 1024:.0f} MB | {py_wall / wall:.1f}x |")
print(f"groups at 50,000: {sizes}")

# The kubectl-logs path: the 10,000 snapshots as one stream on standard input (read on one thread).
stream = os.path.join(work, "10000.jsonl")
if not os.path.exists(stream):
    with open(stream + ".partial", "wb") as output:
        for name in sorted(os.listdir(os.path.join(work, "10000"))):
            with open(os.path.join(work, "10000", name), "rb") as snapshot:
                output.write(snapshot.read())
    os.rename(stream + ".partial", stream)
wall, cpu, rss, _ = measure(["/bin/sh", "-c", f'exec "{binary}" fleet - --format json < "{stream}"'])
print(f"10,000 on standard input (`envlock fleet - < {os.path.basename(stream)}`): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU, {rss / 1024:.0f} MB peak RSS")
PY

#!/usr/bin/env bash
# Fleet grouping (issue 13): `envlock fleet` against the Python script a user would write
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
if [ ! -d "$work/1000" ]; then
    mkdir -p "$work/1000.partial"
    find "$work/10000" -name 'node-0[0-9][0-9][0-9].json' -exec ln {} "$work/1000.partial/" \;
    mv "$work/1000.partial" "$work/1000"
fi
if [ ! -d "$work/50000" ]; then
    mkdir -p "$work/50000.partial"
    for copy in 1 2 3 4 5; do
        for file in "$work/10000"/*.json; do ln "$file" "$work/50000.partial/copy$copy-${file##*/}"; done
    done
    mv "$work/50000.partial" "$work/50000"
fi

python3 - "$binary" "$work" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
binary, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def measure(command):
    def once():
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            sys.exit(f"{command[0]} exited {code}")
        return elapsed, usage.ru_maxrss
    once()
    samples = [once() for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)

print(f"| snapshots | MB | envlock fleet | peak RSS | Python json + tuple grouping | peak RSS | Python / envlock |")
print(f"| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for size in ["1000", "10000", "50000"]:
    folder = os.path.join(work, size)
    megabytes = sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)) / 1e6
    envlock, envlock_rss = measure([binary, "fleet", folder, "--format", "json"])
    python, python_rss = measure([sys.executable, "bench/fleet-python.py", folder])
    print(f"| {int(size):,} | {megabytes:.0f} | {envlock * 1000:.0f} ms | {envlock_rss / 1024:.0f} MB | {python * 1000:.0f} ms | {python_rss / 1024:.0f} MB | {python / envlock:.1f}x |")
PY

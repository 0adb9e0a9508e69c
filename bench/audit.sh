#!/usr/bin/env bash
# envlock audit, release build, side by side in one run:
#  1. 1,000 PNGs of 1 MiB each (Fooocus records, text before or after the image data):
#     `envlock audit LOCK DIR` against `cat DIR/* > /dev/null` (reading their bytes once),
#     cold (each file's pages dropped from the page cache with posix_fadvise DONTNEED before
#     each command: last week's outputs are not in memory) and warm (both read from memory);
#  2. 10,000 PNGs of 64 KiB: `envlock audit` on 2 cores (taskset -c 0,1), cold and warm.
# RUNS (default 5) runs of each, interleaved, after one untimed warm-up; medians.
#   bench/audit.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
runs=${1:-5}
swift build -c release --static-swift-stdlib --product envlock >/dev/null
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
work=$(mktemp -d /var/tmp/envlock-audit-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 bench/audit-generate.py "$work/large" 1000 1024
python3 bench/audit-generate.py "$work/many" 10000 64
cat > "$work/profile.yaml" <<'YAML'
envlock: 1
name: audit-bench
rules:
  job.fooocus.version: {equals: "2.5.5"}
  job.fooocus.config.sampler: {equals: "euler_ancestral", why: "never a *_gpu sampler"}
  job.fooocus.config.styles: {equals: "[]"}
  job.fooocus.config.loras: {excludes: "*"}
  job.fooocus.model.base.sha256: {equals: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
YAML
# The job facts exist only in the images here, so the lock is written with --force.
"$bin/envlock" lock --profile "$work/profile.yaml" --output "$work/audit.lock" --force 2>/dev/null

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { local start end; start=$(now); "$@" > /dev/null 2>&1 || true; end=$(now); echo "$end - $start" | bc -l; }
cat_all() { cat "$1"/* > /dev/null; }

# Drops the folder's files from the page cache (no root needed for clean pages).
evict() { python3 -c 'import os, sys
for name in os.listdir(sys.argv[1]):
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$1"; }
audit() { "$bin/envlock" audit "$work/audit.lock" --allow-unsigned "$1"; }
audit2() { taskset -c 0,1 "$bin/envlock" audit "$work/audit.lock" --allow-unsigned "$1"; }

cat_all "$work/large"; audit "$work/large" > /dev/null || true; audit "$work/many" > /dev/null 2>&1 || true
for name in cat-cold audit-cold cat-warm audit-warm many-cold many-warm; do : > "$work/$name.times"; done
for _ in $(seq "$runs"); do
  evict "$work/large"; timed cat_all "$work/large" >> "$work/cat-cold.times"
  evict "$work/large"; timed audit "$work/large" >> "$work/audit-cold.times"
  timed cat_all "$work/large" >> "$work/cat-warm.times"
  timed audit "$work/large" >> "$work/audit-warm.times"
  evict "$work/many"; timed audit2 "$work/many" >> "$work/many-cold.times"
  timed audit2 "$work/many" >> "$work/many-warm.times"
done
m() { median < "$work/$1.times"; }
(audit "$work/large" || true) | tail -1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(uname -sr); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
for state in cold warm; do
  printf '1,000 x 1 MiB PNGs, %s: cat to /dev/null %.3f s, envlock audit %.3f s: %.1fx faster\n' "$state" "$(m cat-$state)" "$(m audit-$state)" "$(echo "$(m cat-$state) / $(m audit-$state)" | bc -l)"
done
for state in cold warm; do
  printf '10,000 x 64 KiB PNGs, %s, taskset -c 0,1: envlock audit %.3f s (%.0f images/s)\n' "$state" "$(m many-$state)" "$(echo "10000 / $(m many-$state)" | bc -l)"
done

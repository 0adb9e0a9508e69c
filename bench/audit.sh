#!/usr/bin/env bash
# envlock audit (issue 16), release build, warm page cache, side by side in one run:
#  1. 1,000 PNGs of 1 MiB each (Fooocus records, text before or after the image data):
#     `envlock audit LOCK DIR` against `cat DIR/* > /dev/null` (reading their bytes once);
#  2. 10,000 PNGs of 64 KiB: `envlock audit` on 2 cores (taskset -c 0,1), wall time.
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

cat_all "$work/large"; "$bin/envlock" audit "$work/audit.lock" --allow-unsigned "$work/large" > /dev/null || true
"$bin/envlock" audit "$work/audit.lock" --allow-unsigned "$work/many" > /dev/null 2>&1 || true
: > "$work/cat.times"; : > "$work/audit.times"; : > "$work/many.times"
for _ in $(seq "$runs"); do
  timed cat_all "$work/large" >> "$work/cat.times"
  timed "$bin/envlock" audit "$work/audit.lock" --allow-unsigned "$work/large" >> "$work/audit.times"
  timed taskset -c 0,1 "$bin/envlock" audit "$work/audit.lock" --allow-unsigned "$work/many" >> "$work/many.times"
done
cat_median=$(median < "$work/cat.times"); audit_median=$(median < "$work/audit.times"); many_median=$(median < "$work/many.times")
"$bin/envlock" audit "$work/audit.lock" --allow-unsigned "$work/large" | tail -1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(uname -sr); $(date -u +%F)"
printf '1,000 x 1 MiB PNGs: cat to /dev/null %.3f s, envlock audit %.3f s: %.1fx faster\n' "$cat_median" "$audit_median" "$(echo "$cat_median / $audit_median" | bc -l)"
printf '10,000 x 64 KiB PNGs, taskset -c 0,1: envlock audit %.3f s (%.0f images/s)\n' "$many_median" "$(echo "10000 / $many_median" | bc -l)"

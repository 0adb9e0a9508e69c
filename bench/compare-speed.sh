#!/usr/bin/env bash
# envlock compare against Pillow + NumPy + scikit-image doing the same (bench/compare-skimage.py),
# release build, side by side in one run: two 1024x1024 RGB PNGs (photo-like, 30% of pixels
# changed by a few units, as Pillow saves them), SSIM included. RUNS (default 11) interleaved
# runs after one untimed warm-up; medians. Also each one's peak memory (maximum resident set).
#   bench/compare-speed.sh [RUNS]
# Needs python3 with Pillow, NumPy and scikit-image (scripts/install-test-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
runs=${1:-11}
swift build -c release --static-swift-stdlib --product envlock >/dev/null
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
work=$(mktemp -d /var/tmp/envlock-compare-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys
import numpy as np
from PIL import Image
rng = np.random.default_rng(28)
y, x = np.mgrid[0:1024, 0:1024].astype(np.float64)
planes = [0.5 + 0.25 * np.sin(x / (7 + 3 * c)) * np.cos(y / (11 + c)) + 0.15 * (x + 2 * y) / 3072 + rng.normal(0, 0.03, x.shape) for c in range(3)]
a = np.rint(np.clip(np.stack(planes, -1), 0, 1) * 255).astype(np.uint8)
b = a.astype(np.int16)
mask = rng.random(a.shape[:2]) < 0.3
b[mask] += rng.integers(-6, 7, size=a.shape)[mask]
Image.fromarray(a).save(sys.argv[1] + "/a.png")
Image.fromarray(np.clip(b, 0, 255).astype(np.uint8)).save(sys.argv[1] + "/b.png")
PY
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { local start end; start=$(now); "$@" > /dev/null 2>&1 || true; end=$(now); echo "$end - $start" | bc -l; }
envlock_compare() { "$bin/envlock" compare "$work/a.png" "$work/b.png" --format json; }
python_compare() { python3 bench/compare-skimage.py "$work/a.png" "$work/b.png"; }
python_inside() { python3 bench/compare-skimage.py "$work/a.png" "$work/b.png" 2>&1 >/dev/null | tail -1; }

envlock_compare > /dev/null || true; python_compare > /dev/null 2>&1
: > "$work/envlock.times"; : > "$work/python.times"; : > "$work/inside.times"
for _ in $(seq "$runs"); do
  timed envlock_compare >> "$work/envlock.times"
  timed python_compare >> "$work/python.times"
  python_inside >> "$work/inside.times"
done
m() { median < "$work/$1.times"; }
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(uname -sr); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +'%F %H:%M') UTC"
"$bin/envlock" compare "$work/a.png" "$work/b.png" | sed -n '4,6p' || true
python_compare 2>/dev/null
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", ($1 + $2) * 1000}'; }
printf 'envlock compare (whole process): %.1f ms, CPU time (user + system, both cores) %s ms, peak RSS %s KiB\n' "$(echo "$(m envlock) * 1000" | bc -l)" "$(cpu "$bin/envlock" compare "$work/a.png" "$work/b.png")" "$(rss "$bin/envlock" compare "$work/a.png" "$work/b.png")"
printf 'python3 compare-skimage.py (whole process): %.1f ms, peak RSS %s KiB: envlock %.1fx faster\n' "$(echo "$(m python) * 1000" | bc -l)" "$(rss python3 bench/compare-skimage.py "$work/a.png" "$work/b.png")" "$(echo "$(m python) / $(m envlock)" | bc -l)"
printf 'compare-skimage.py after its imports (decode and measures only): %.1f ms: envlock (whole process) %.1fx faster\n' "$(echo "$(m inside) * 1000" | bc -l)" "$(echo "$(m inside) / $(m envlock)" | bc -l)"

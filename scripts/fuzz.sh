#!/usr/bin/env bash
# Fuzzes every document loader and probe parser over the committed seed corpus.
#   scripts/fuzz.sh [SECONDS] [SEED]     (CI: 60 seconds; locally, as long as you like)
# Crashing or hanging inputs are written to fuzz-crash-<target>.bin / fuzz-hang-<target>.bin in
# the current folder and make the run fail; add them to fuzz/corpus/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
seconds=${1:-60}
seed=${2:-$(date +%s)}
echo "envlock-fuzz: seed $seed (rerun with: scripts/fuzz.sh $seconds $seed)"
swift build --product envlock-fuzz >/dev/null
"$(swift build --show-bin-path)/envlock-fuzz" fuzz/corpus "$seconds" "$seed"

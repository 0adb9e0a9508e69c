#!/usr/bin/env bash
# Model hashing (issue 11), release build, on one file of SIZE_MIB (default 1024) random bytes:
#  1. throughput: envlock's ModelDigest (envlock-bench sha256, cache off) against sha256sum on
#     the same file, warm page cache, RUNS (default 5) runs each, interleaved;
#  2. the cache: `envlock verify LOCK -- python3 launch.py …` on a Fooocus fixture whose base
#     model is that file, first with an empty digest cache, then again (the cache answers).
#   bench/model-hash.sh [SIZE_MIB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
size_mib=${1:-1024}
runs=${2:-5}
swift build -c release --static-swift-stdlib --product envlock-bench >/dev/null
swift build -c release --static-swift-stdlib --product envlock >/dev/null
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
work=$(mktemp -d /var/tmp/envlock-hash-XXXXXX)
trap 'rm -rf "$work"' EXIT
fooocus="$work/Fooocus"
mkdir -p "$fooocus/presets" "$fooocus/models/checkpoints" "$fooocus/.git/refs/heads"
model="$fooocus/models/checkpoints/base.safetensors"
head -c "$((size_mib << 20))" /dev/urandom > "$model"
echo "version = '2.5.5'" > "$fooocus/fooocus_version.py"
echo "print('started')" > "$fooocus/launch.py"
echo "ref: refs/heads/main" > "$fooocus/.git/HEAD"
echo 59f183ab0bd1d7b9a2a3a4d4d0c1b2e3f4a5b6c7 > "$fooocus/.git/refs/heads/main"
echo '{"default_model": "base.safetensors", "default_loras": [], "default_styles": []}' > "$fooocus/presets/default.json"
printf 'envlock: 1\nname: bench\nrules:\n  job.fooocus.model.base.sha256: {pin: true}\n' > "$work/profile.yaml"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat "$model" > /dev/null   # warm the page cache once, untimed
: > "$work/envlock.times"; : > "$work/sha256sum.times"
for _ in $(seq "$runs"); do
  "$bin/envlock-bench" sha256 "$model" 1 | awk '{print $1}' >> "$work/envlock.times"
  start=$(now); sha256sum "$model" > "$work/sha256sum.out"; end=$(now)
  echo "$end - $start" | bc -l >> "$work/sha256sum.times"
done
digest=$("$bin/envlock-bench" sha256 "$model" 1 | awk '{print $2}')
[ "$digest" = "sha256:$(cut -d' ' -f1 "$work/sha256sum.out")" ] || { echo "digests differ" >&2; exit 1; }
envlock_s=$(median < "$work/envlock.times")
sha_s=$(median < "$work/sha256sum.times")
mib_s() { echo "$size_mib / $1" | bc -l; }
printf 'file: %d MiB, %d runs, warm page cache\n' "$size_mib" "$runs"
printf 'envlock ModelDigest: median %.3f s (%.0f MiB/s)\n' "$envlock_s" "$(mib_s "$envlock_s")"
printf 'sha256sum:           median %.3f s (%.0f MiB/s)\n' "$sha_s" "$(mib_s "$sha_s")"
printf 'envlock throughput = %.1f%% of sha256sum\n' "$(echo "100 * $sha_s / $envlock_s" | bc -l)"

cd "$work"
export XDG_CACHE_HOME="$work/lock-cache"
"$bin/envlock" lock --profile profile.yaml --output job.lock -- python3 "$fooocus/launch.py" 2>/dev/null
export XDG_CACHE_HOME="$work/verify-cache"
start=$(now); "$bin/envlock" verify job.lock --allow-unsigned -- python3 "$fooocus/launch.py" > first.out; end=$(now)
first=$(echo "$end - $start" | bc -l)
start=$(now); "$bin/envlock" verify job.lock --allow-unsigned -- python3 "$fooocus/launch.py" > second.out; end=$(now)
second=$(echo "$end - $start" | bc -l)
grep -q MATCH second.out
printf 'verify, empty digest cache: %.3f s\n' "$first"
printf 'verify again (cache hit):   %.3f s = %.1f%% of the first\n' "$second" "$(echo "100 * $second / $first" | bc -l)"

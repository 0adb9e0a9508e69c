#!/usr/bin/env bash
# Model hashing, release build, on one file of SIZE_MIB (default 1024) random bytes:
#  1. throughput: envlock's ModelDigest (envlock-bench sha256, cache off) against sha256sum
#     (what users run to check a model) and `openssl dgst -sha256` (the fastest SHA-256 on most
#     machines) on the same file, warm page cache, RUNS (default 5) runs each, interleaved;
#  2. the cache: `envlock verify LOCK --python VENV/bin/python -- VENV/bin/python launch.py`
#     on a Fooocus fixture whose base model is that file: with an empty digest cache, then
#     again (the cache answers); RUNS rounds, each with a fresh cache.
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
: > "$work/envlock.times"; : > "$work/sha256sum.times"; : > "$work/openssl.times"
for _ in $(seq "$runs"); do
  "$bin/envlock-bench" sha256 "$model" 1 | awk '{print $1}' >> "$work/envlock.times"
  start=$(now); sha256sum "$model" > "$work/sha256sum.out"; end=$(now)
  echo "$end - $start" | bc -l >> "$work/sha256sum.times"
  start=$(now); openssl dgst -sha256 "$model" > /dev/null; end=$(now)
  echo "$end - $start" | bc -l >> "$work/openssl.times"
done
digest=$("$bin/envlock-bench" sha256 "$model" 1 | awk '{print $2}')
[ "$digest" = "sha256:$(cut -d' ' -f1 "$work/sha256sum.out")" ] || { echo "digests differ" >&2; exit 1; }
envlock_s=$(median < "$work/envlock.times")
sha_s=$(median < "$work/sha256sum.times")
openssl_s=$(median < "$work/openssl.times")
mib_s() { echo "$size_mib / $1" | bc -l; }
printf 'file: %d MiB, %d runs, warm page cache\n' "$size_mib" "$runs"
printf 'envlock ModelDigest: median %.3f s (%.0f MiB/s)\n' "$envlock_s" "$(mib_s "$envlock_s")"
printf 'sha256sum:           median %.3f s (%.0f MiB/s)\n' "$sha_s" "$(mib_s "$sha_s")"
printf 'openssl dgst -sha256: median %.3f s (%.0f MiB/s)\n' "$openssl_s" "$(mib_s "$openssl_s")"
printf 'envlock throughput = %.1f%% of sha256sum, %.1f%% of openssl\n' "$(echo "100 * $sha_s / $envlock_s" | bc -l)" "$(echo "100 * $openssl_s / $envlock_s" | bc -l)"

cd "$work"
python3 -m venv --without-pip "$work/venv"
python="$work/venv/bin/python"
job=(-- "$python" "$fooocus/launch.py")
export XDG_CACHE_HOME="$work/lock-cache"
"$bin/envlock" lock --profile profile.yaml --output job.lock --python "$python" "${job[@]}" 2>/dev/null
: > first.times; : > second.times
for round in $(seq "$runs"); do
  export XDG_CACHE_HOME="$work/verify-cache-$round"
  start=$(now); "$bin/envlock" verify job.lock --allow-unsigned --python "$python" "${job[@]}" > first.out 2>/dev/null; end=$(now)
  echo "$end - $start" | bc -l >> first.times
  start=$(now); "$bin/envlock" verify job.lock --allow-unsigned --python "$python" "${job[@]}" > second.out; end=$(now)
  echo "$end - $start" | bc -l >> second.times
  grep -q MATCH first.out && grep -q MATCH second.out
done
first=$(median < first.times)
second=$(median < second.times)
printf 'verify, empty digest cache: median %.3f s\n' "$first"
printf 'verify again (cache hit):   median %.3f s = %.1f%% of the first\n' "$second" "$(echo "100 * $second / $first" | bc -l)"

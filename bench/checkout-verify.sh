#!/usr/bin/env bash
# The checkout-against-commit check (job.fooocus.tree, issue 25) on a real Fooocus checkout,
# warm, side by side in one run:
#   - `envlock verify` of a lock with job.fooocus.version and job.fooocus.tree: {equals: clean};
#   - the same launch from a copy of the checkout without .git (the Fooocus detector does all
#     its other work, and the tree is undetermined at once): the difference is the check's cost
#     (index read and checksummed, HEAD's commit read from the pack, the index's trees hashed,
#     612 files stat'ed, the code folders listed), since the detector computes the fact
#     whenever it runs, rule or not;
#   - what users would run instead: `git status --porcelain` in the checkout.
# The checkout is cloned from a local Fooocus repository (FOOOCUS_REPO, a bare mirror or a
# clone; default the fetched mirror) into /work/bench-fooocus, then `git status` once so that
# git's own index is fresh (as a checkout someone works in). Medians of RUNS (default 31),
# the three commands interleaved after one untimed warm-up each.
#   FOOOCUS_REPO=/path/to/Fooocus.git [BYTECODE=1] bench/checkout-verify.sh [RUNS]
set -euo pipefail
runs=${1:-31}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
new=${ENVLOCK:-$root/.build/release/envlock}
repo=${FOOOCUS_REPO:-/work/.mirror/lllyasviel+Fooocus/repo}
checkout=${BENCH_CHECKOUT:-/work/bench-fooocus}
work=$root/bench/work/checkout-verify
[[ -x $new ]] || { echo "no envlock binary at $new (swift build -c release --static-swift-stdlib --product envlock)" >&2; exit 2; }
python=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
rm -rf "$work" "$checkout" "$checkout-without-git"
mkdir -p "$work"
git clone -q "$repo" "$checkout"
# A second later, so that git status rewrites the index with no entry racily clean.
sleep 1
git -C "$checkout" status --porcelain >/dev/null
"$python" -m venv --without-pip "$work/venv"
# BYTECODE=1: the checkout as after Fooocus has run once, its modules compiled into
# __pycache__ by the venv's interpreter, which envlock then compares with the sources (cold at
# `lock`, remembered afterwards).
if [[ ${BYTECODE:-0} == 1 ]]; then "$work/venv/bin/python" -m compileall -q "$checkout" >/dev/null || true; fi
cp -a "$checkout" "$checkout-without-git" && rm -rf "$checkout-without-git/.git"
printf 'envlock: 1\nname: without-git\nrules:\n  job.fooocus.version: {pin: true}\n' > "$work/without.yaml"
printf 'envlock: 1\nname: with-tree\nrules:\n  job.fooocus.version: {pin: true}\n  job.fooocus.tree: {equals: "clean"}\n' > "$work/with.yaml"
command=("$work/venv/bin/python" "$checkout/launch.py")
export XDG_CACHE_HOME=$work/cache
"$new" lock --profile "$work/with.yaml" --output "$work/with.lock" --python "$work/venv/bin/python" -- "${command[@]}" 2>/dev/null
"$new" lock --profile "$work/without.yaml" --output "$work/without.lock" --python "$work/venv/bin/python" -- "$work/venv/bin/python" "$checkout-without-git/launch.py" 2>/dev/null
"$new" verify "$work/with.lock" --allow-unsigned --python "$work/venv/bin/python" -- "${command[@]}" >/dev/null \
    || { echo "a fresh clone does not verify as clean:" >&2; "$new" verify "$work/with.lock" --allow-unsigned -- "${command[@]}" >&2; exit 1; }
echo "checkout: $(git -C "$checkout" rev-parse HEAD), $(git -C "$checkout" ls-files | wc -l) tracked files"

python3 - "$runs" "$new" "$work" "$checkout" "${command[@]}" <<'PY'
import os, statistics, subprocess, sys, time
runs, new, work, checkout = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
command = sys.argv[5:]
site = ["--python", os.path.join(work, "venv/bin/python")]
commands = {
    "verify, the checkout without .git": [new, "verify", os.path.join(work, "without.lock"), "--allow-unsigned", *site, "--", command[0], checkout + "-without-git/launch.py"],
    "verify with job.fooocus.tree": [new, "verify", os.path.join(work, "with.lock"), "--allow-unsigned", *site, "--", *command],
    "git status --porcelain": ["git", "-C", checkout, "status", "--porcelain"],
}
times = {name: [] for name in commands}
for argv in commands.values():
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    for name, argv in commands.items():
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter() - start) * 1000)
print("| command | median | min | max |\n| --- | ---: | ---: | ---: |")
for name, values in times.items():
    print(f"| {name} | {statistics.median(values):.1f} ms | {min(values):.1f} ms | {max(values):.1f} ms |")
medians = {name: statistics.median(values) for name, values in times.items()}
for label, pick in (("medians", medians), ("minimums", {name: min(values) for name, values in times.items()})):
    cost = pick["verify with job.fooocus.tree"] - pick["verify, the checkout without .git"]
    print(f"\nthe check's cost (difference of {label}): {cost:.1f} ms (limit 10 ms: {'met' if cost <= 10 else 'NOT met'})")
print(f"verify with the rule / git status: {medians['verify with job.fooocus.tree'] / medians['git status --porcelain']:.2f}x")
PY

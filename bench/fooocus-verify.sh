#!/usr/bin/env bash
# A warm `envlock verify` of a Fooocus job, the job gate's everyday cost, measured side by side
# in one run for two builds (issue 22's limit: the exact gate within 1.2x of the gate before it):
#   - NEW: the envlock under test (ENVLOCK, default .build/release/envlock);
#   - OLD: a build of an earlier commit (OLD_ENVLOCK, e.g. 388e98f, the last commit before the
#     exact job gate), given by path;
#   - and what users would run instead to learn the same: Fooocus' own argument parsing and
#     config resolution cost at least a Python start, `python -c pass` on the job's interpreter.
# The checkout: fooocus_version.py, launch.py, presets/default.json as Fooocus 2.5.5 ships its
# shape (model, LoRA placeholder, styles, sampler), a 64 MiB base model (hashed once, then
# cached), config.txt overriding two settings; the job runs in a venv made from python3.
# Each verify runs the shipped Fooocus profile's job rules; both builds lock first, untimed,
# then one untimed warm-up each; the runs alternate OLD, NEW, python. Medians of RUNS.
#
# Usage: OLD_ENVLOCK=/path/to/old/envlock [OLD_COMMIT=388e98f] bench/fooocus-verify.sh [RUNS]
#        (default 31 runs; OLD_COMMIT is the commit OLD_ENVLOCK was built from)
set -euo pipefail

runs=${1:-31}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$root/bench/work/fooocus-verify
new=${ENVLOCK:-$root/.build/release/envlock}
old=${OLD_ENVLOCK:?set OLD_ENVLOCK to an envlock built from an earlier commit}
old_commit=${OLD_COMMIT:-388e98f}
python=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
for binary in "$new" "$old"; do [[ -x $binary ]] || { echo "no envlock binary at $binary" >&2; exit 2; }; done
rm -rf "$work"
mkdir -p "$work/Fooocus/presets" "$work/Fooocus/models/checkpoints" "$work/Fooocus/models/loras" "$work/Fooocus/sdxl_styles" "$work/cache"
"$python" -m venv --without-pip "$work/venv"
cd "$work/Fooocus"
echo "version = '2.5.5'" > fooocus_version.py
echo "print('Fooocus')" > launch.py
cat > presets/default.json <<'JSON'
{"default_model": "juggernautXL_v8Rundiffusion.safetensors", "default_refiner": "None", "default_refiner_switch": 0.5,
 "default_loras": [[true, "None", 1.0], [true, "None", 1.0], [true, "None", 1.0], [true, "None", 1.0], [true, "None", 1.0]],
 "default_cfg_scale": 4.0, "default_sample_sharpness": 2.0, "default_sampler": "dpmpp_2m_sde_gpu", "default_scheduler": "karras",
 "default_performance": "Speed", "default_prompt": "", "default_prompt_negative": "", "default_styles": ["Fooocus V2", "Fooocus Enhance", "Fooocus Sharp"],
 "default_aspect_ratio": "1152*896", "previous_default_models": []}
JSON
echo '{"default_sampler": "euler_ancestral", "default_styles": []}' > config.txt
echo '[{"name": "Fooocus Enhance", "prompt": "{prompt}", "negative_prompt": ""}, {"name": "Fooocus Sharp", "prompt": "{prompt}", "negative_prompt": ""}]' > sdxl_styles/sdxl_styles_fooocus.json
head -c $((64 << 20)) /dev/zero > models/checkpoints/juggernautXL_v8Rundiffusion.safetensors
# A real git checkout of the code (the model and config.txt stay untracked), so that the
# profile's job.fooocus.tree rule can verify it; `git status` a second later rewrites the index
# with no entry racily clean, as in a checkout someone works in.
git init -q && git add fooocus_version.py launch.py presets sdxl_styles \
    && git -c user.name=bench -c user.email=bench@envlock.invalid commit -q -m checkout && sleep 1 && git status --porcelain >/dev/null
# Each build checks the job rules of the Fooocus profile shipped with it (the old commit's from git).
{ echo "envlock: 1"; echo "name: fooocus-job"; echo "rules:"; grep '^  job\.' "$root/profiles/fooocus-torch2.2.0-cu121.yaml"; } > "$work/profile.yaml"
{ echo "envlock: 1"; echo "name: fooocus-job"; echo "rules:"; git -C "$root" show "$old_commit:profiles/fooocus-torch2.2.0-cu121.yaml" | grep '^  job\.'; } > "$work/old-profile.yaml"
command=("$work/venv/bin/python" launch.py --attention-pytorch --all-in-fp16 --vae-in-fp16)
export XDG_CACHE_HOME=$work/cache
"$new" lock --profile "$work/profile.yaml" --output "$work/new.lock" --python "$work/venv/bin/python" -- "${command[@]}" 2>/dev/null
"$old" lock --profile "$work/old-profile.yaml" --output "$work/old.lock" --python "$work/venv/bin/python" -- "${command[@]}" 2>/dev/null
verify_new=("$new" verify "$work/new.lock" --allow-unsigned --python "$work/venv/bin/python" -- "${command[@]}")
verify_old=("$old" verify "$work/old.lock" --allow-unsigned --python "$work/venv/bin/python" -- "${command[@]}")
for check in verify_new verify_old; do
    declare -n argv=$check
    "${argv[@]}" >/dev/null || { echo "$check does not pass on the reference launch:" >&2; "${argv[@]}" >&2; exit 1; }
done

python3 - "$runs" "$new" "$old" "$work" "${command[@]}" <<'PY'
import os, statistics, subprocess, sys, time
runs, new, old, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
command = sys.argv[5:]
site = ["--python", os.path.join(work, "venv/bin/python")]
commands = {
    "old": [old, "verify", os.path.join(work, "old.lock"), "--allow-unsigned", *site, "--", *command],
    "new": [new, "verify", os.path.join(work, "new.lock"), "--allow-unsigned", *site, "--", *command],
    "python -c pass (the job's interpreter)": [command[0], "-c", "pass"],
}
times = {name: [] for name in commands}
for argv in commands.values():
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    for name, argv in commands.items():
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter() - start) * 1000)
print(f"| command | median | min | max |\n| --- | ---: | ---: | ---: |")
for name, values in times.items():
    print(f"| {name} | {statistics.median(values):.1f} ms | {min(values):.1f} ms | {max(values):.1f} ms |")
ratio = statistics.median(times["new"]) / statistics.median(times["old"])
print(f"\nnew / old: {ratio:.2f}x (limit 1.2x: {'met' if ratio <= 1.2 else 'NOT met'})")
print(f"new / python -c pass: {statistics.median(times['new']) / statistics.median(times['python -c pass (the job' + chr(39) + 's interpreter)']):.2f}x")
PY

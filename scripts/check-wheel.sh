#!/usr/bin/env bash
# Builds the wheel (scripts/build-wheel.sh) from the release binary and checks it as a user's
# pip and PyPI's auditwheel see it:
#   - `auditwheel show` (from PyPI, in a throwaway venv) names manylinux_2_35, the tag the wheel
#     carries, as the most widely compatible tag the binary is consistent with;
#   - RECORD lists every file of the wheel with its urlsafe-base64 SHA-256 and size;
#   - `pip install` into a fresh venv puts an executable `envlock` in the venv's bin/ whose bytes
#     are the stripped binary's, and `envlock --version` and `envlock probe` run from there.
# Usage: scripts/check-wheel.sh [BINARY]   (default .build/release/envlock, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-.build/release/envlock}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wheel=$(scripts/build-wheel.sh "$binary" "$work/dist")
echo "built $(basename "$wheel") ($(stat -c %s "$wheel") bytes)"

passed=0
failed=0
check() { # name, ok (0/1), detail
    if [[ $2 == 0 ]]; then passed=$((passed + 1)); echo "ok: $1 ($3)"; else failed=$((failed + 1)); echo "FAILED: $1 ($3)"; fi
}

tag=$(basename "$wheel" .whl | cut -d- -f3-)
check "wheel tag is py3-none-manylinux_2_35_<arch>" "$([[ $tag =~ ^py3-none-manylinux_2_35_(x86_64|aarch64)$ ]] && echo 0 || echo 1)" "$tag"

# RECORD against the archive's own bytes.
record=$(python3 - "$wheel" <<'EOF'
import base64, csv, hashlib, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = set(z.namelist())
record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
rows = list(csv.reader(io.StringIO(z.read(record_name).decode())))
listed = {row[0] for row in rows}
problems = [f"not in RECORD: {n}" for n in sorted(names - listed)] + [f"listed, not in wheel: {n}" for n in sorted(listed - names)]
for path, digest, size in rows:
    if path == record_name:
        if digest or size: problems.append("RECORD lists a hash for itself")
        continue
    data = z.read(path)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    if digest != want or size != str(len(data)): problems.append(f"wrong hash or size: {path}")
print("; ".join(problems) or f"{len(rows)} entries match")
EOF
)
check "RECORD matches the wheel's files" "$([[ $record == *"entries match" ]] && echo 0 || echo 1)" "$record"

python3 -m venv "$work/audit"
"$work/audit/bin/pip" install -q 'auditwheel>=6,<7'
audit=$("$work/audit/bin/auditwheel" show "$wheel" 2>&1 || true)
arch=${tag##*_2_35_}
check "auditwheel finds it consistent with manylinux_2_35_$arch" \
    "$([[ $audit == *"consistent with"*"manylinux_2_35_$arch"* ]] && echo 0 || echo 1)" "$(tr '\n' ' ' <<<"$audit" | sed 's/  */ /g' | cut -c1-300)"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$wheel"
installed=$work/venv/bin/envlock
stripped=$(mktemp -p "$work")
strip -o "$stripped" "$binary"
check "pip installed an executable bin/envlock with the binary's bytes" \
    "$([[ -x $installed ]] && cmp -s "$installed" "$stripped" && echo 0 || echo 1)" "$(stat -c '%A %s' "$installed" 2>/dev/null || echo missing)"
version=$("$installed" --version 2>&1 || true)
check "envlock --version from the venv" "$([[ $version == "$("$binary" --version)" ]] && echo 0 || echo 1)" "$version"
probe_status=0
probe=$("$installed" probe 2>&1) || probe_status=$?
check "envlock probe from the venv" "$([[ $probe_status == 0 && $probe == *host.arch* ]] && echo 0 || echo 1)" "exit $probe_status, $(wc -l <<<"$probe") lines"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]

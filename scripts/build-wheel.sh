#!/usr/bin/env bash
# Builds envlock as a platform wheel, the way ruff and uv ship: the static release binary as a
# script in the wheel's data (`envlock-VERSION.data/scripts/envlock`), so `pip install` puts it
# in the environment's bin/ beside python. No Python code is in it: pip rewrites a script's first
# line only when it starts with `#!python` (`fix_script` in pip's src/pip/_internal/operations/
# install/wheel.py), so the ELF file is copied unchanged, with the zip entry's executable bit.
# scripts/check-wheel.sh proves this on every CI run by installing the wheel with pip and running it.
#
# Layout and RECORD follow the binary distribution format (PyPA "Binary distribution format",
# "Recording installed projects"): METADATA (2.1, the README as its description), WHEEL
# (Root-Is-Purelib: false, one tag), RECORD with `sha256=` urlsafe base64 digests without padding
# and sizes, RECORD's own line empty. The tag is py3-none-manylinux_2_35_ARCH because the binary
# needs glibc 2.35 (scripts/check-release-binary.sh checks that floor); the file is reproducible:
# every zip entry carries SOURCE_DATE_EPOCH's time (default 2020-01-01) and fixed modes.
#
# Usage: scripts/build-wheel.sh [BINARY [OUT_DIR]]   (default .build/release/envlock, built if
# missing, and dist/); prints the wheel's path. An aarch64 wheel needs the binary built on (or
# cross-compiled for) aarch64: the tag follows `uname -m` of the binary's ELF header, not the host.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH

binary=${1:-.build/release/envlock}
out=${2:-dist}
if [[ ! -x $binary ]]; then
    swift build -c release --static-swift-stdlib --product envlock >&2
fi
mkdir -p "$out"
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
strip -o "$stripped" "$binary"

python3 - "$stripped" "$out" README.md <<'EOF'
import base64, hashlib, os, subprocess, sys, zipfile

binary, out, readme = sys.argv[1:4]
version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip()
with open(binary, "rb") as f:
    elf = f.read()
# e_machine of the ELF header: the platform the binary runs on.
machine = {0x3E: "x86_64", 0xB7: "aarch64"}[int.from_bytes(elf[18:20], "little")]
tag = f"py3-none-manylinux_2_35_{machine}"
name = f"envlock-{version}"
with open(readme, encoding="utf-8") as f:
    description = f.read()
metadata = (
    "Metadata-Version: 2.1\n"
    "Name: envlock\n"
    f"Version: {version}\n"
    "Summary: Lock and verify the environment of GPU image generation (Fooocus, ComfyUI, diffusers) so the same seed paints the same image.\n"
    "Requires-Python: >=3.8\n"
    "Classifier: Environment :: GPU :: NVIDIA CUDA\n"
    "Classifier: Operating System :: POSIX :: Linux\n"
    "Description-Content-Type: text/markdown\n"
    "\n" + description
)
wheel = f"Wheel-Version: 1.0\nGenerator: envlock scripts/build-wheel.sh\nRoot-Is-Purelib: false\nTag: {tag}\n"
entries = [
    (f"{name}.data/scripts/envlock", elf, 0o755),
    (f"{name}.dist-info/METADATA", metadata.encode(), 0o644),
    (f"{name}.dist-info/WHEEL", wheel.encode(), 0o644),
]
def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"
record_path = f"{name}.dist-info/RECORD"
record = "".join(record_line(p, d) for p, d, _ in entries) + f"{record_path},,\n"
entries.append((record_path, record.encode(), 0o644))
epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "1577836800"))
import time
stamp = time.gmtime(max(epoch, 315532800))[:6]
path = os.path.join(out, f"{name}-{tag}.whl")
with zipfile.ZipFile(path + ".partial", "w", compression=zipfile.ZIP_DEFLATED) as z:
    for entry, data, mode in entries:
        info = zipfile.ZipInfo(entry, date_time=stamp)
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
os.replace(path + ".partial", path)
print(path)
EOF

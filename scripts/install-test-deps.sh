#!/usr/bin/env bash
# Installs what the test suite needs beyond the Swift toolchain, only where it is missing:
# libyaml (headers and static library), the openssl CLI (the reference client for keys and
# signatures), a C compiler (fake NVIDIA libraries), shellcheck (the shell examples),
# Python's `packaging` (the reference implementation for the PEP 440 differential test),
# Pillow, NumPy and scikit-image (the images and reference measures of `envlock compare`'s
# tests, scripts/compare-reference.py: wheels for every CPython in use, about 35 s from PyPI),
# and securesystemslib and in-toto (the reference DSSE implementations for the envelope
# interop tests), in a virtual environment of their own, .test-deps/dsse, beside this script's
# folder, and nvidia-nvjpeg-cu12's libnvjpeg.so.12 (a real library with CUDA fat binaries) in
# .test-deps/cuda-code.
set -euo pipefail

missing_debs=()
[ -f /usr/include/yaml.h ] && [ -f /usr/lib/x86_64-linux-gnu/libyaml.a -o -f /usr/lib/aarch64-linux-gnu/libyaml.a ] || missing_debs+=(libyaml-dev)
[ -f /usr/include/zlib.h ] && [ -f /usr/lib/x86_64-linux-gnu/libz.a -o -f /usr/lib/aarch64-linux-gnu/libz.a ] || missing_debs+=(zlib1g-dev)
command -v openssl >/dev/null || missing_debs+=(openssl)
command -v cc >/dev/null || missing_debs+=(gcc)
command -v shellcheck >/dev/null || missing_debs+=(shellcheck)
command -v python3 >/dev/null || missing_debs+=(python3 python3-venv python3-pip)
if [ ${#missing_debs[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${missing_debs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_debs[@]}"
fi

if ! python3 -c 'import packaging, sys; sys.exit(0 if int(packaging.__version__.split(".")[0]) >= 26 else 1)' 2>/dev/null; then
  echo "install-test-deps: installing packaging>=26 from PyPI"
  python3 -m pip install -q 'packaging>=26,<27' || python3 -m pip install -q --break-system-packages 'packaging>=26,<27'
fi

if ! python3 -c 'import PIL, numpy, skimage.metrics' 2>/dev/null; then
  echo "install-test-deps: installing Pillow, NumPy and scikit-image from PyPI"
  python3 -m pip install -q 'pillow>=10' 'numpy>=1.26' 'scikit-image>=0.22' \
    || python3 -m pip install -q --break-system-packages 'pillow>=10' 'numpy>=1.26' 'scikit-image>=0.22'
fi

# securesystemslib's DSSE and Ed25519 keys (through pyca/cryptography) and in-toto, pinned,
# kept out of the system interpreter: AttestationTests runs scripts/dsse-interop.py with it.
dsse_venv="$(cd "$(dirname "$0")/.." && pwd)/.test-deps/dsse"
if ! "$dsse_venv/bin/python3" -c 'import cryptography, securesystemslib.dsse, in_toto.models.metadata' 2>/dev/null; then
  echo "install-test-deps: installing securesystemslib and in-toto from PyPI into $dsse_venv"
  rm -rf "$dsse_venv"
  python3 -m venv "$dsse_venv"
  "$dsse_venv/bin/python3" -m pip install -q --disable-pip-version-check 'securesystemslib[crypto]==1.6.0' 'in-toto==3.1.0'
fi

# A real CUDA library with fat binaries for the fat binary reader's tests (CUDACodeTests): the
# smallest wheel found whose library has a .nv_fatbin section, nvidia-nvjpeg-cu12's
# libnvjpeg.so.12 (5.3 MB wheel, 9.3 MB library), pinned by version and by the library's SHA-256.
nvjpeg_dir="$(cd "$(dirname "$0")/.." && pwd)/.test-deps/cuda-code"
nvjpeg_lib="$nvjpeg_dir/libnvjpeg.so.12"
nvjpeg_sha256=27e1eb1834b20db64f99deba379746d8ec46b92975ccb4cdfa06a84d77e4c11e
if ! echo "$nvjpeg_sha256  $nvjpeg_lib" | sha256sum -c --status 2>/dev/null; then
  echo "install-test-deps: downloading nvidia-nvjpeg-cu12 12.4.0.76 from PyPI into $nvjpeg_dir"
  rm -rf "$nvjpeg_dir"
  mkdir -p "$nvjpeg_dir/wheel"
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.11 -d "$nvjpeg_dir/wheel" 'nvidia-nvjpeg-cu12==12.4.0.76'
  python3 - "$nvjpeg_dir/wheel" "$nvjpeg_lib" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/nvidia_nvjpeg_cu12-*.whl")[0]
with zipfile.ZipFile(wheel) as archive, open(sys.argv[2], "wb") as out:
    out.write(archive.read("nvidia/nvjpeg/lib/libnvjpeg.so.12"))
PY
  rm -rf "$nvjpeg_dir/wheel"
  echo "$nvjpeg_sha256  $nvjpeg_lib" | sha256sum -c --quiet
fi

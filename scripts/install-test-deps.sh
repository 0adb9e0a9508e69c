#!/usr/bin/env bash
# Installs what the test suite needs beyond the Swift toolchain, only where it is missing:
# libyaml (headers and static library), the openssl CLI (the reference client for keys and
# signatures), a C compiler (fake NVIDIA libraries), shellcheck (the shell examples),
# Python's `packaging` (the reference implementation for the PEP 440 differential test),
# Pillow, NumPy and scikit-image (the images and reference measures of `envlock compare`'s
# tests, scripts/compare-reference.py: wheels for every CPython in use, about 35 s from PyPI),
# and securesystemslib and in-toto (the reference DSSE implementations for the envelope
# interop tests), in a virtual environment of their own, .test-deps/dsse, beside this script's
# folder.
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

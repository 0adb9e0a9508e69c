#!/usr/bin/env bash
# Check a built image against the lock before it is pushed, without a GPU: unpack the image's
# filesystem and run `envlock verify --root` on it. Only the software facts can be checked
# this way (Python packages, the torch, torchvision and xformers builds, the CUDA library
# wheels, the CUDA toolkit, the OS); the driver, the GPUs, the environment and the host are
# checked on the node, by the image's entrypoint. So this script passes when every failing
# rule is one of those node-only rules, and fails on any other.
#   check-image.sh IMAGE LOCK [SITE_PACKAGES]
set -euo pipefail

IMAGE=${1:?usage: check-image.sh IMAGE LOCK [SITE_PACKAGES]}
LOCK=${2:?usage: check-image.sh IMAGE LOCK [SITE_PACKAGES]}
# Where pip installs as root in the nvidia/cuda Ubuntu 22.04 images (examples/*/Dockerfile).
SITE=${3:-/usr/local/lib/python3.10/dist-packages}

ROOTFS=$(mktemp -d)
REPORT=$(mktemp)
trap 'rm -rf "$ROOTFS" "$REPORT"' EXIT

# docker export writes the container's merged filesystem as one tar; nothing in it runs.
container=$(docker create "$IMAGE")
docker export "$container" | tar -x -C "$ROOTFS" --no-same-owner --exclude='dev/*'
docker rm "$container" >/dev/null

set +e
envlock verify "$LOCK" --root "$ROOTFS" --site-packages "$SITE" --format json >"$REPORT"
status=$?
set -e
if [ "$status" -ge 2 ]; then
  echo "envlock: the lock cannot be trusted or read (exit $status)" >&2
  exit "$status"
fi

# The failing rules that the image itself is responsible for.
python3 - "$REPORT" <<'PY'
import json, sys
# The job's rules need its command, which the node's entrypoint gives (verify/run -- CMD);
# hf.offline, like env.*, comes from the environment the job runs in.
node_only = ("gpu.", "env.", "nvidia.", "cuda.driver_api", "host.arch", "host.glibc", "host.kernel", "host.cpu.", "host.name", "job.", "hf.offline")
report = json.load(open(sys.argv[1]))
failing = [r for r in report["results"] if r["verdict"] == "fail" and not r["key"].startswith(node_only)]
for r in failing:
    print(f"FAIL {r['key']}: expected {r['expected']}, found {r.get('found') or 'nothing'}")
sys.exit(1 if failing else 0)
PY
echo "image $IMAGE: every software rule of $LOCK passes (GPU, driver and environment rules are checked on the node)"

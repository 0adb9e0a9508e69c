#!/usr/bin/env bash
# Launch Fooocus only on a machine that matches the team's signed lock.
#   ./launch.sh [extra Fooocus arguments]
# Exit codes: envlock's (1 drift, 2 untrusted lock) or, once started, Fooocus' own.
set -euo pipefail

LOCK=${ENVLOCK_LOCK:-/etc/envlock/fooocus.lock}
# A root-owned key, apart from the lock: whoever can replace the lock must not pick the key.
export ENVLOCK_TRUST=${ENVLOCK_TRUST:-/usr/share/envlock/trusted/team.pub.pem}
export CUBLAS_WORKSPACE_CONFIG=${CUBLAS_WORKSPACE_CONFIG:-:4096:8}
cd "${FOOOCUS_DIR:-/opt/fooocus}"

# envlock verifies the machine and the arguments, then becomes the Python process.
exec envlock run "$LOCK" -- python3 launch.py --attention-pytorch --all-in-fp16 --vae-in-fp16 "$@"

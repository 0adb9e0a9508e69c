#!/usr/bin/env bash
# The verifying entrypoint for a generation container (ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]):
# refuse to start the generator on a node that drifted from the signed lock, and say why in
# the pod's log and termination message (kubectl describe pod shows it).
#   entrypoint.sh python3 launch.py --listen --attention-pytorch --all-in-fp16 --vae-in-fp16
set -u

LOCK=${ENVLOCK_LOCK:-/etc/envlock/fooocus.lock}
# Mounted from a Secret only cluster admins can change; the lock comes from a ConfigMap.
export ENVLOCK_TRUST=${ENVLOCK_TRUST:-/etc/envlock-trust/team.pub.pem}

if [ "$#" -eq 0 ]; then
  echo "usage: entrypoint.sh COMMAND [ARGS...]" >&2
  exit 64
fi

# Before the container's own requirements: the image's NVIDIA_REQUIRE_CUDA is checked by
# nvidia-container-cli, but not in every runtime mode (CDI); check it here too.
if ! requirement=$(envlock require-cuda --from-environment 2>&1); then
  printf '%s\n' "$requirement" | tee /dev/termination-log >&2
  exit 1
fi

# verify first (the job after -- is checked against the lock's job rules, not started), to keep the report and put its first failing rule into the termination message;
# then envlock run checks the arguments and execs the command as PID 1: it gets SIGTERM
# directly and its exit code is the container's.
envlock verify "$LOCK" -- "$@" >/tmp/envlock-report.txt 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  cat /tmp/envlock-report.txt
  grep -m1 '^FAIL' /tmp/envlock-report.txt >/dev/termination-log 2>/dev/null || true
  exit "$status"
fi
exec envlock run "$LOCK" -- "$@"

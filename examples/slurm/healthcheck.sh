#!/usr/bin/env bash
# Slurm HealthCheckProgram: drain this node while it does not conform to the lock, resume it
# when it conforms again (only a drain this script set, never an operator's).
#   slurm.conf: HealthCheckProgram=/etc/slurm/envlock-healthcheck.sh
#               HealthCheckInterval=300
#               HealthCheckNodeState=ANY
# slurmd kills a health check that runs longer than 60 seconds, so verify gets 45.
set -u
LOCK=${ENVLOCK_LOCK:-/etc/envlock/fooocus.lock}
REPORT=/var/log/envlock/healthcheck.txt
NODE=$(hostname -s)
mkdir -p /var/log/envlock

timeout 45 envlock verify "$LOCK" --trust /etc/envlock/trusted/team.pub.pem \
    --python /opt/venvs/fooocus/bin/python \
    -- /opt/venvs/fooocus/bin/python /opt/Fooocus/launch.py --attention-pytorch --all-in-fp16 --vae-in-fp16 >"$REPORT" 2>&1
status=$?
current_reason=$(sinfo -h -N -n "$NODE" -o '%E' | head -n 1)

if [ "$status" -eq 0 ]; then
  case "$current_reason" in
    envlock:*) scontrol update NodeName="$NODE" State=RESUME ;;
  esac
  exit 0
fi

# The first failing rule, kept to characters that cannot break the command or the log, and short.
first=$(grep -m1 '^FAIL' "$REPORT" | tr -cd '[:alnum:] ._:=/+-' | tr -s ' ' | cut -c1-120)
case $status in
  1) reason="envlock: drift: ${first:-see $REPORT}" ;;
  124) reason="envlock: verify took over 45 s, see $REPORT" ;;
  *) reason="envlock: lock untrusted or unreadable (exit $status), see $REPORT" ;;
esac
scontrol update NodeName="$NODE" State=DRAIN Reason="$reason"
exit 0

#!/usr/bin/env bash
# Slurm prolog (slurm.conf: Prolog=/etc/slurm/prolog.d/envlock.sh, PrologFlags=Alloc):
# drain a node whose GPU stack drifted from the signed lock before a generation job lands on
# it, with the first failing rule as the drain reason (`sinfo -R` shows it). Jobs opt in with
# `#SBATCH --comment=envlock`; the full report goes to the node's log.
set -u
case "${SLURM_JOB_COMMENT:-}" in *envlock*) ;; *) exit 0 ;; esac

LOCK=${ENVLOCK_LOCK:-/etc/envlock/fooocus.lock}
REPORT=/var/log/envlock/job-${SLURM_JOB_ID:-unknown}.txt
NODE=$(hostname -s)
mkdir -p /var/log/envlock

# The key sits in a root-owned folder of its own; the lock may be updated by the platform team.
envlock verify "$LOCK" --trust /etc/envlock/trusted/team.pub.pem \
    --python /opt/venvs/fooocus/bin/python \
    -- /opt/venvs/fooocus/bin/python /opt/Fooocus/launch.py --attention-pytorch --all-in-fp16 --vae-in-fp16 >"$REPORT" 2>&1
status=$?
[ "$status" -eq 0 ] && exit 0

# verify's text report has one line per rule, failures first: "FAIL  key  expected …  found …".
# envlock escapes what the machine reported, so the line is safe to pass on; Slurm keeps the
# reason short.
first=$(grep -m1 '^FAIL' "$REPORT" | tr -s ' ' | cut -c1-160)
case $status in
  1) reason="envlock drift: ${first:-see $REPORT}" ;;
  *) reason="envlock lock untrusted or unreadable (exit $status), see $REPORT" ;;
esac
scontrol update nodename="$NODE" state=drain reason="$reason"
# A non-zero prolog exit requeues the job elsewhere.
exit 1

#!/usr/bin/env bash
# Slurm prolog (slurm.conf: Prolog=/etc/slurm/prolog.d/envlock.sh, PrologFlags=Alloc):
# drain a node whose GPU stack drifted from the signed lock before a generation job lands on it.
# Jobs opt in with `#SBATCH --comment=envlock`; the report goes to the node's log.
set -u
case "${SLURM_JOB_COMMENT:-}" in *envlock*) ;; *) exit 0 ;; esac

LOCK=/etc/envlock/fooocus.lock
REPORT=/var/log/envlock/job-${SLURM_JOB_ID}.md
mkdir -p /var/log/envlock

# The key sits in a root-owned folder of its own; the lock may be updated by the platform team.
envlock verify "$LOCK" --trust /etc/envlock/trusted/team.pub.pem \
    --python /opt/venvs/fooocus/bin/python --format markdown \
    -- /opt/venvs/fooocus/bin/python /opt/Fooocus/launch.py --attention-pytorch --all-in-fp16 --vae-in-fp16 >"$REPORT" 2>&1
status=$?
case $status in
  0) exit 0 ;;
  1) scontrol update nodename="$(hostname -s)" state=drain reason="envlock drift, see $REPORT" ;;
  *) scontrol update nodename="$(hostname -s)" state=drain reason="envlock lock untrusted (exit $status), see $REPORT" ;;
esac
# A non-zero prolog exit requeues the job elsewhere.
exit 1

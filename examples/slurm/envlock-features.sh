#!/usr/bin/env bash
# Slurm node_features/helpers helper: the node's active features, one a line, for slurmd.
#   slurm.conf:   NodeFeaturesPlugins=node_features/helpers
#   helpers.conf: Feature=envlock_fooocus_torch2.2.0_cu121 Helper=/etc/slurm/envlock-features.sh
# slurmd runs it with no arguments (SchedMD/slurm src/plugins/node_features/helpers/
# node_features_helpers.c) and keeps the printed lines that helpers.conf declares: verify
# --publish slurm prints envlock_<lock> (its '-' as '_') only when this node conforms, nothing
# otherwise, and sends its report to standard error, kept here for the operator.
set -u
if [ "$#" -gt 0 ]; then
  # With a feature as argument, Slurm asks the helper to switch the feature on (before a reboot
  # into it). Conformance cannot be switched on: fix the node and the feature comes back.
  echo "envlock: conformance to a lock cannot be switched on; fix the node (see /var/log/envlock/features.txt)" >&2
  exit 1
fi
mkdir -p /var/log/envlock
exec envlock verify /etc/envlock/fooocus.lock --trust /etc/envlock/trusted/team.pub.pem \
    --python /opt/venvs/fooocus/bin/python --publish slurm \
    -- /opt/venvs/fooocus/bin/python /opt/Fooocus/launch.py --attention-pytorch --all-in-fp16 --vae-in-fp16 \
    2>/var/log/envlock/features.txt

#!/usr/bin/env bash
# Survey every GPU node: deploy the probe DaemonSet, wait until each node has printed its
# snapshot, group the nodes with envlock fleet, remove the DaemonSet.
#   examples/kubernetes/collect-fleet.sh [LOCK]
# Exit status: envlock fleet's (0 one group / all groups match the lock, 1 otherwise, 2 when no
# snapshot could be read).
set -euo pipefail
here="$(dirname "$0")"
kubectl create namespace envlock --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f "$here/envlock-probe-daemonset.yaml"
kubectl -n envlock rollout status daemonset/envlock-probe --timeout=10m
# Running means the probe finished: the container sleeps only after probe succeeded.
lock=()
if [ $# -gt 0 ]; then lock=(--lock "$1"); fi
status=0
kubectl -n envlock logs -l app=envlock-probe --tail=-1 --max-log-requests=1000 \
    | envlock fleet - "${lock[@]}" --format markdown || status=$?
kubectl -n envlock delete daemonset envlock-probe
exit "$status"

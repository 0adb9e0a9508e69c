#!/usr/bin/env bash
# Probe every node of a partition once (exclusive, so each array task lands on its own node),
# then group the snapshots when all tasks are done.
#   examples/slurm/submit-fleet.sh [PARTITION] [LOCK]
set -euo pipefail
partition=${1:-gpu}
lock=${2:-/etc/envlock/fooocus.lock}
folder=${ENVLOCK_FLEET_DIR:-/shared/envlock/fleet}
here="$(dirname "$0")"
nodes=$(sinfo --noheader --partition="$partition" --format=%D | awk '{ total += $1 } END { print total }')
mkdir -p /shared/envlock/logs
rm -f "$folder"/*.json
probe=$(sbatch --parsable --partition="$partition" --array="0-$((nodes - 1))" "$here/fleet-probe.sbatch")
# afterany: a node whose probe failed is simply missing from the folder; fleet reports the rest.
sbatch --partition="$partition" --dependency="afterany:$probe" --output=/shared/envlock/logs/fleet-%j.md \
    --wrap="envlock fleet '$folder' --lock '$lock' --format markdown"

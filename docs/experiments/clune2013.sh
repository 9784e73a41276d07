#!/usr/bin/env bash
# Clune, Mouret & Lipson 2013 at the paper's scale: PA and P&CC on L-AND-R, 30 seeds x 25 000
# generations x population 1000 each, one treatment per CPU core, resumable.
# Usage: bash docs/experiments/clune2013.sh [RUNS_DIR]          run (or resume) both treatments
#        bash docs/experiments/clune2013.sh [RUNS_DIR] save     copy their latest checkpoints here
# An unfinished campaign is carried to the next machine in docs/experiments/state/ (campaign.sh).
set -euo pipefail
RUNS=${1:-runs/clune2013}
STATE="$(dirname "$0")/state/clune2013"
source "$(dirname "$0")/campaign.sh"

if [ "${2:-}" = save ]; then save_state "$RUNS" "$STATE" pa pcc; exit 0; fi
mkdir -p "$RUNS"
restore_state "$RUNS" "$STATE" pa pcc
for t in pa pcc; do
  run clune2013/$t "$RUNS/$t" --cpu-devices 1 > "$RUNS.$t.log" 2>&1 &
done
wait

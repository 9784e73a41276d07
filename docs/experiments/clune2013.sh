#!/usr/bin/env bash
# Clune, Mouret & Lipson 2013 at the paper's scale: 30 seeds x 25 000 generations x population
# 1000 per treatment, one treatment per CPU core, resumable.
# Usage: bash docs/experiments/clune2013.sh [RUNS_DIR] [TREATMENT...]   run (or resume) them
#        bash docs/experiments/clune2013.sh [RUNS_DIR] save             copy the latest checkpoints here
#   TREATMENT: a preset of configs/clune2013 (default: pa pcc, on L-AND-R; pa_or pcc_or on L-OR-R,
#   pa_nodiv pcc_nodiv without diversity, pa_mvg pcc_mvg under MVG). An unfinished campaign is
#   carried to the next machine in docs/experiments/state/ (campaign.sh).
set -euo pipefail
RUNS=${1:-runs/clune2013}
STATE="$(dirname "$0")/state/clune2013"
source "$(dirname "$0")/campaign.sh"
ALL="pa pcc pa_or pcc_or pa_nodiv pcc_nodiv pa_mvg pcc_mvg"

TREATMENTS=${*:2}
if [ "${2:-}" = save ]; then carry "$RUNS" "$STATE" save $ALL; fi
carry "$RUNS" "$STATE" run ${TREATMENTS:-pa pcc}
for t in ${TREATMENTS:-pa pcc}; do
  run clune2013/$t "$RUNS/$t" --cpu-devices 1 > "$RUNS.$t.log" 2>&1 &
done
wait

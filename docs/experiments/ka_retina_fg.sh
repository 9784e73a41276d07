#!/usr/bin/env bash
# Kashtan & Alon 2005's retina under the fixed goal with three thresholds: the unstated choice
# that mattered most under MVG (docs/replications.md), tried on the FG runs that did not
# reproduce under the stated settings. Two threshold sets, one per CPU core, resumable.
# Usage: bash docs/experiments/ka_retina_fg.sh [RUNS_DIR] [SEEDS] [GENERATIONS]   run or resume
#        bash docs/experiments/ka_retina_fg.sh [RUNS_DIR] save    copy the latest checkpoints here
#   (defaults runs/ka_retina_fg, 8, 50000). An unfinished campaign is carried to the next machine
#   in docs/experiments/state/ (campaign.sh).
set -euo pipefail
RUNS=${1:-runs/ka_retina_fg}
STATE="$(dirname "$0")/state/ka_retina_fg"
source "$(dirname "$0")/campaign.sh"
ALL="t3_m1_0_1 t3_0_1_2"

carry "$RUNS" "$STATE" "${2:-run}" $ALL
SEEDS=${2:-8}
GENS=${3:-50000}
run kashtan_alon2005/retina_fg "$RUNS/t3_m1_0_1" --seeds "$SEEDS" --generations "$GENS" --cpu-devices 1 \
  --set "genome.threshold_values=[-1,0,1]" > "$RUNS.t3_m1_0_1.log" 2>&1 &
run kashtan_alon2005/retina_fg "$RUNS/t3_0_1_2" --seeds "$SEEDS" --generations "$GENS" --cpu-devices 1 \
  --set "genome.threshold_values=[0,1,2]" > "$RUNS.t3_0_1_2.log" 2>&1 &
wait
$EM compare "$RUNS/t3_m1_0_1" "$RUNS/t3_0_1_2" --markdown --out "$RUNS"

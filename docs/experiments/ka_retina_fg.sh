#!/usr/bin/env bash
# Kashtan & Alon 2005's retina under the fixed goal, which did not reproduce under the stated
# settings (docs/replications.md), with one unstated choice changed at a time: three thresholds
# (the choice that mattered most under MVG; two sets) and the 100 patterns redrawn every
# generation or every 20. 8 seeds x 50 000 generations each, two runs at a time (one per CPU
# core), resumable.
# Usage: bash docs/experiments/ka_retina_fg.sh [RUNS_DIR] [VARIANT...]   run (or resume) them
#        bash docs/experiments/ka_retina_fg.sh [RUNS_DIR] save          copy the latest checkpoints here
#   VARIANT: t3_m1_0_1 t3_0_1_2 redraw1 redraw20 (default: all four). An unfinished campaign is
#   carried to the next machine in docs/experiments/state/ (campaign.sh).
set -euo pipefail
RUNS=${1:-runs/ka_retina_fg}
STATE="$(dirname "$0")/state/ka_retina_fg"
source "$(dirname "$0")/campaign.sh"
declare -A OVERRIDE=([t3_m1_0_1]="genome.threshold_values=[-1,0,1]" [t3_0_1_2]="genome.threshold_values=[0,1,2]"
                     [redraw1]="task.redraw_every=1" [redraw20]="task.redraw_every=20")
ALL="t3_m1_0_1 t3_0_1_2 redraw1 redraw20"

VARIANTS=${*:2}
if [ "${2:-}" = save ]; then carry "$RUNS" "$STATE" save $ALL; fi
for v in ${VARIANTS:-$ALL}; do
  [ -n "${OVERRIDE[$v]:-}" ] || { echo "unknown variant '$v' (expected some of: $ALL)" >&2; exit 2; }
done
carry "$RUNS" "$STATE" run ${VARIANTS:-$ALL}
for v in ${VARIANTS:-$ALL}; do
  run kashtan_alon2005/retina_fg "$RUNS/$v" --seeds 8 --generations 50000 --cpu-devices 1 \
    --set "${OVERRIDE[$v]}" > "$RUNS.$v.log" 2>&1 &
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
done
wait
$EM compare $(for v in $ALL; do [ -f "$RUNS/$v/summary.json" ] && echo "$RUNS/$v"; done) --markdown --out "$RUNS"

#!/usr/bin/env bash
# How much connection-cost pressure does modularity need? Clune 2013's P&CC at the lab's six
# cost pressures (configs/clune2013/pcc_pressures.yaml: PR10 ... PR100) as one compiled sweep,
# at a reduced scale: 16 seeds per pressure x 5000 generations x population 500. Resumable.
# Usage: bash docs/experiments/cost-pressure.sh [RUNS_DIR]        run (or resume) it, then adapt
#        bash docs/experiments/cost-pressure.sh [RUNS_DIR] save   copy the latest checkpoint here
# The answer: docs/experiments/cost-pressure.md.
set -euo pipefail
RUNS=${1:-runs/cost-pressure}
STATE="$(dirname "$0")/state/cost-pressure"
source "$(dirname "$0")/campaign.sh"
SIZE="--seeds 16 --pop 500 --generations 5000 --set run.checkpoint_every=500"
carry "$RUNS" "$STATE" "${2:-run}" pressures pa pressure0
run clune2013/pcc_pressures "$RUNS/pressures" $SIZE > "$RUNS.log" 2>&1
# the controls at the same size: no cost column (PA), and the cost column never compared
run clune2013/pa "$RUNS/pa" $SIZE >> "$RUNS.log" 2>&1
run clune2013/pcc "$RUNS/pressure0" $SIZE --set objectives.cost_pressure=0 >> "$RUNS.log" 2>&1
# every seed's final population, moved to L-OR-R (a goal none of them saw)
for r in pressures pa pressure0; do
  [ -f "$RUNS/$r/adaptation.json" ] || $EM adapt "$RUNS/$r" --goal "L | R" --generations 1000 >> "$RUNS.log" 2>&1
done
$EM compare "$RUNS/pressures" "$RUNS/pa" "$RUNS/pressure0" --out "$RUNS/figures" --markdown > "$RUNS.compare.md"

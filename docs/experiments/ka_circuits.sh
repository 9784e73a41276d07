#!/usr/bin/env bash
# Kashtan & Alon 2005's NAND circuits, fixed goal against MVG, with the text's free wiring and
# with feed-forward (ordered) wiring: the runs, Qm analyses and comparisons of docs/replications.md.
# Usage: bash docs/experiments/ka_circuits.sh [RUNS_DIR] [SEEDS] [GENERATIONS]
#   (defaults runs/ka_circuits, 30, 20000). Complete runs are skipped, interrupted ones resumed.
set -euo pipefail
RUNS=${1:-runs/ka_circuits}
SEEDS=${2:-30}
GENS=${3:-20000}
source "$(dirname "$0")/campaign.sh"

for wiring in free ordered; do
  for goal in fg mvg; do
    run kashtan_alon2005/circuits_$goal "$RUNS/${goal}_$wiring" --seeds "$SEEDS" --generations "$GENS" \
      --set genome.wiring=$wiring
  done
done
# Q_max: circuits of the same genome evolved to maximise Q (one set per wiring). On one CPU
# device: with the seeds split over two, this program's execution hangs (docs/replications.md).
for wiring in free ordered; do
  run kashtan_alon2005/circuits_qmax "$RUNS/qmax_$wiring" --seeds 30 --cpu-devices 1 --set genome.wiring=$wiring
done
for wiring in free ordered; do
  for goal in fg mvg; do
    dir=$RUNS/${goal}_$wiring
    [ -f "$dir/analysis.json" ] || $EM analyze "$dir" --q-max-from "$RUNS/qmax_$wiring"
  done
  $EM compare "$RUNS/fg_$wiring" "$RUNS/mvg_$wiring" --markdown --out "$RUNS/$wiring"
done

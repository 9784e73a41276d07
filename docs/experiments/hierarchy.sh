#!/usr/bin/env bash
# Does a connection cost evolve hierarchy? Mengistu, Huizinga, Mouret & Clune 2016's PA against
# P&CC on AND-XOR-AND (configs/mengistu2016/*), at a reduced scale: 16 seeds x population 500 x
# 10 000 generations (the paper: 30 x 1000 x 25 001). Then every seed's final population moved
# to AND-XOR-OR, a new hierarchical goal over the same sub-problems. Resumable.
# Usage: bash docs/experiments/hierarchy.sh [RUNS_DIR]        run (or resume) it, then adapt
#        bash docs/experiments/hierarchy.sh [RUNS_DIR] save   copy the latest checkpoints here
# Tables: python docs/experiments/hierarchy_table.py RUNS_DIR. The answer: docs/experiments/hierarchy.md.
set -euo pipefail
RUNS=${1:-runs/hierarchy}
STATE="$(dirname "$0")/state/hierarchy"
source "$(dirname "$0")/campaign.sh"
SIZE="--seeds 16 --pop 500 --generations 10000 --set run.checkpoint_every=1000"
carry "$RUNS" "$STATE" "${2:-run}" pa pcc
for t in pa pcc; do
  run "mengistu2016/$t" "$RUNS/$t" $SIZE >> "$RUNS.log" 2>&1
done
for t in pa pcc; do
  [ -f "$RUNS/$t/adaptation.json" ] || $EM adapt "$RUNS/$t" --goal "(A0 ^ A1) | (A2 ^ A3)" --generations 1000 >> "$RUNS.log" 2>&1
done
$EM compare "$RUNS/pa" "$RUNS/pcc" --out "$RUNS/figures" --markdown > "$RUNS.compare.md"

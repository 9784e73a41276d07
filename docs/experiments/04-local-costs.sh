#!/usr/bin/env bash
# Experiment 4, evolution half: local against total connection costs, and where the nodes sit.
# Clune 2013's P&CC preset with each connection cost in its place (objectives.connection_cost),
# on the paper's grid and on a shuffled grid (genome.layout: shuffled, each layer's nodes
# permuted), at the cost-pressure study's reduced scale: 16 seeds x 5000 generations x
# population 500; then every final population is moved to L-OR-R for at most 1000 generations.
# Usage: bash docs/experiments/04-local-costs.sh [RUNS_DIR]        run (or resume) it
#        bash docs/experiments/04-local-costs.sh [RUNS_DIR] save   copy the latest checkpoints here
# The answer: docs/experiments/04-local-costs.md (the gradient half: 04-local-costs-bimt.sh).
set -euo pipefail
RUNS=${1:-runs/local-costs}
STATE="$(dirname "$0")/state/local-costs"
source "$(dirname "$0")/campaign.sh"
SIZE="--seeds 16 --pop 500 --generations 5000 --set run.checkpoint_every=500"
SHUFFLED="--set genome.layout=shuffled --set genome.layout_seed=1"
RUNS_LIST="pa edges l1 length wiring optimal_length wiring_shuffled optimal_length_shuffled"
carry "$RUNS" "$STATE" "${2:-run}" $RUNS_LIST
run clune2013/pa "$RUNS/pa" $SIZE > "$RUNS.log" 2>&1
for cost in edges l1 length wiring optimal_length; do
  run clune2013/pcc "$RUNS/$cost" $SIZE --set objectives.connection_cost=$cost >> "$RUNS.log" 2>&1
done
for cost in wiring optimal_length; do
  run clune2013/pcc "$RUNS/${cost}_shuffled" $SIZE --set objectives.connection_cost=$cost $SHUFFLED >> "$RUNS.log" 2>&1
done
for r in $RUNS_LIST; do
  [ -f "$RUNS/$r/adaptation.json" ] || $EM adapt "$RUNS/$r" --goal "L | R" --generations 1000 >> "$RUNS.log" 2>&1
done

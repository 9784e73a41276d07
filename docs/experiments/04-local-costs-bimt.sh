#!/usr/bin/env bash
# Experiment 4, gradient half: BIMT's ablation on its "independence" formula
# (configs/bimt2023/: none, l1, l1_local, l1_swap, all = BIMT's train_type 1..5), 16 seeds each,
# at the notebook's full size (20 000 full-batch Adam steps on its 100 points). About 2 minutes
# on 2 cores. Usage: bash docs/experiments/04-local-costs-bimt.sh [RUNS_DIR]
# The answer: docs/experiments/04-local-costs.md; the table: bimt_table.py RUNS_DIR/*/
set -euo pipefail
RUNS=${1:-runs/bimt}
source "$(dirname "$0")/campaign.sh"
mkdir -p "$RUNS"
for treatment in none l1 l1_local l1_swap all; do
  run bimt2023/$treatment "$RUNS/$treatment" >> "$RUNS.log" 2>&1
done

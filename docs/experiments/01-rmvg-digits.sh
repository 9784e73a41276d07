#!/usr/bin/env bash
# Experiment 1 (docs/experiments/01-rmvg-digits.md): digit pairs a*M1 + b*M2 under a fixed goal,
# MVG and RMVG; Adam, SGD and full-batch GD, OpenAI-ES; with and without an L1 or wiring cost;
# and one other modular goal family (one-hot targets: a random lookup per digit). 8 seeds per
# treatment; every run then adapted to the held-out goal (-1, 2) and measured by `analyze`
# (Louvain's Q, the coactivation n-cut, the MI between modules). ~50 min on 2 cores, the two
# ES runs and their adaptation most of it. Runs in runs/digits/ (or the folder given); names
# given after it run only those treatments.
set -euo pipefail
out=${1:-runs/digits}; shift || true
only=" $* "
mkdir -p "$out"
# -M1 + 2 M2 written as a lookup per digit (a_d = -d, b_d = 2d), for the one-hot runs
LOOKUP_HELD_OUT='[0, -1, -2, -3, -4, -5, -6, -7, -8, -9, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18]'
run() {  # name preset adapt-goal [run options ...]
  local name=$1 preset=$2 goal=$3; shift 3
  [[ "$only" == "  " || "$only" == *" $name "* ]] || return 0
  evojax-mod run "$preset" --out "$out/$name" "$@" > "$out/$name.log" 2>&1
  evojax-mod adapt "$out/$name" --goal "$goal" --generations 4000 >> "$out/$name.log" 2>&1
  evojax-mod analyze "$out/$name" --measures louvain,coact,mi >> "$out/$name.log" 2>&1
}
for schedule in fixed mvg rmvg; do
  for rule in adam sgd gd; do
    run "${schedule}_${rule}" "digits/${schedule}_${rule}" '[-1, 2]'
  done
done
run fixed_adam_l1 digits/fixed_adam '[-1, 2]' --set objectives.l1=0.0001
run rmvg_adam_l1 digits/rmvg_adam '[-1, 2]' --set objectives.l1=0.0001
run rmvg_adam_wiring digits/rmvg_adam '[-1, 2]' --set objectives.wiring=0.00003
run fixed_openes digits/rmvg_openes '[-1, 2]' --seeds 8 --set 'schedule={kind: fixed, goals: [[1, 1]]}'
run rmvg_openes digits/rmvg_openes '[-1, 2]' --seeds 8
run lookup_adam digits/rmvg_adam "$LOOKUP_HELD_OUT" \
  --set problem.targets=one_hot --set 'schedule={kind: rmvg, period: 1000, low: -2, high: 2, integer: false}'

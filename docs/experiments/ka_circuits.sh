#!/usr/bin/env bash
# Kashtan & Alon 2005's NAND circuits, fixed goal against MVG, with the text's free wiring and
# with feed-forward (ordered) wiring: the runs, Qm analyses and comparisons of docs/replications.md.
# Usage: bash docs/experiments/ka_circuits.sh [RUNS_DIR] [SEEDS] [GENERATIONS]   run or resume
#        bash docs/experiments/ka_circuits.sh [RUNS_DIR] save    copy the latest checkpoints here
#   (defaults runs/ka_circuits, 50, 20000: the paper's 50 seeds). Each wiring's FG and MVG runs
#   side by side, one per CPU core; complete runs are skipped, interrupted ones resumed, and an
#   unfinished campaign is carried to the next machine in docs/experiments/state/ (campaign.sh).
set -euo pipefail
RUNS=${1:-runs/ka_circuits}
STATE="$(dirname "$0")/state/ka_circuits"
source "$(dirname "$0")/campaign.sh"
ALL="fg_free mvg_free fg_ordered mvg_ordered qmax_free qmax_ordered fg_free_eo_x mvg_free_eo_x"

carry "$RUNS" "$STATE" "${2:-run}" $ALL
SEEDS=${2:-50}
GENS=${3:-20000}
# FG and MVG side by side (one per core) for each wiring, then the two Q_max runs side by side
# (circuits of the same genome evolved to maximise Q; 16 seeds x 500 generations, not the preset's
# 100 x 1 000: a generation that scores Q is far slower than one that scores the task, and the
# best Q levels off sooner, docs/replications.md), then the Qm analyses and the comparisons.
for wiring in free ordered; do
  for goal in fg mvg; do
    run kashtan_alon2005/circuits_$goal "$RUNS/${goal}_$wiring" --seeds "$SEEDS" --generations "$GENS" \
      --cpu-devices 1 --set genome.wiring=$wiring > "$RUNS.${goal}_$wiring.log" 2>&1 &
  done
  wait
done
for wiring in free ordered; do
  run kashtan_alon2005/circuits_qmax "$RUNS/qmax_$wiring" --seeds 16 --generations 500 --cpu-devices 1 \
    --set genome.wiring=$wiring > "$RUNS.qmax_$wiring.log" 2>&1 &
done
wait
# The variant that reproduces the paper's MVG picture (docs/replications.md): free wiring with
# elite offspring and crossover 0.5 instead of replace-worst without crossover; Qm against the
# free-wiring Q_max of the text's rules.
for goal in fg mvg; do
  run kashtan_alon2005/circuits_$goal "$RUNS/${goal}_free_eo_x" --seeds "$SEEDS" --generations "$GENS" \
    --cpu-devices 1 --set genome.wiring=free --set selection.scheme=elite_offspring \
    --set selection.crossover_rate=0.5 > "$RUNS.${goal}_free_eo_x.log" 2>&1 &
done
wait
for wiring in free ordered free_eo_x; do
  for goal in fg mvg; do
    dir=$RUNS/${goal}_$wiring
    [ -f "$dir/analysis.json" ] || $EM analyze "$dir" --q-max-from "$RUNS/qmax_${wiring%_eo_x}"
  done
  $EM compare "$RUNS/fg_$wiring" "$RUNS/mvg_$wiring" --markdown --out "$RUNS/$wiring"
done

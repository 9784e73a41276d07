#!/usr/bin/env bash
# The retina solved by gradient-trained and ES-evolved dense MLPs (docs/experiments/optimisers-retina.md):
# 16 seeds per treatment, each run then adapted to L & ~R, a goal none of them saw (the RMVG
# preset holds it out). Runs in runs/optimisers/ (or the folder given); names given after it
# run only those treatments.
set -euo pipefail
out=${1:-runs/optimisers}; shift || true
only=" $* "
mkdir -p "$out"
run() {  # name preset [--set ...]
  local name=$1 preset=$2; shift 2
  [[ "$only" == "  " || "$only" == *" $name "* ]] || return 0
  evojax-mod run "$preset" --seeds 16 --out "$out/$name" "$@" > "$out/$name.log" 2>&1
  evojax-mod adapt "$out/$name" --goal 'L & ~R' --generations 2000 >> "$out/$name.log" 2>&1
}
run adam optimisers/retina_adam
run adam_l1 optimisers/retina_adam --set objectives.l1=0.001
run adam_wiring optimisers/retina_adam --set objectives.wiring=0.0003
run sgd optimisers/retina_sgd
run sgd_l1 optimisers/retina_sgd --set objectives.l1=0.001
run adam_mvg optimisers/retina_adam_mvg
run adam_rmvg optimisers/retina_adam_rmvg
run openes optimisers/retina_openes
run cmaes optimisers/retina_cmaes --generations 1000

#!/usr/bin/env bash
# Experiment 6 (docs/experiments/06-size.md): modularity against parameter count.
# Trained: the digit-pair MLP 128-W-W/2-1 (Adam, fixed goal (1, 1), 8 000 steps) for W = 16 ... 512
# (2.2k to 197k weights), without and with an L1 cost on the weights. Evolved: Clune's layered
# retina nets 8-H-H/2-2-1 (NSGA-II, L-AND-R, population 500, 4 000 generations) for H = 8, 16, 32
# (106 to 802 possible connections; H = 64 runs at 6 generations/s here, 11 min a run), PA and P&CC. 8 seeds per point; each run then measured by
# `evojax-mod analyze` (coactivation and information measures, RUN/measures.csv; size_table.py
# computes Louvain itself, for its module count). Runs in runs/size/ (or
# the folder given); names given after it run only those runs.
set -euo pipefail
out=${1:-runs/size}; shift || true
only=" $* "
mkdir -p "$out"
run() {  # name preset measures [run options ...]
  local name=$1 preset=$2 measures=$3; shift 3
  [[ "$only" == "  " || "$only" == *" $name "* ]] || return 0
  evojax-mod run "$preset" --seeds 8 --out "$out/$name" "$@" > "$out/$name.log" 2>&1
  evojax-mod analyze "$out/$name" --measures "$measures" >> "$out/$name.log" 2>&1
}
for w in 16 32 64 128 256 512; do
  layers="[128, $w, $((w / 2)), 1]"
  run "mlp_w$w" digits/fixed_adam coact,mi --set "genome.layers=$layers"
  run "mlp_l1_w$w" digits/fixed_adam coact,mi --set "genome.layers=$layers" --set objectives.l1=0.0001
done
for h in 8 16 32; do
  layers="[8, $h, $((h / 2)), 2, 1]"
  run "pa_h$h" quickstart/pa coact,mi --set "genome.layers=$layers"
  run "pcc_h$h" quickstart/pcc coact,mi --set "genome.layers=$layers"
done

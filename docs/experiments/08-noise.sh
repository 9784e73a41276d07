#!/usr/bin/env bash
# Experiment 8: noise against modularity and performance, on both tracks. Noise is drawn anew at
# every evaluation (evojax_mod/noise.py): input signs flipped at rate input_noise, targets flipped
# at rate target_noise; the logged performance is noise-free.
# Evolution: Clune 2013's PA and P&CC presets (and PA under MVG, L-AND-R <-> L-OR-R every 20
# generations) at the cost-pressure study's reduced scale, 16 seeds x 5000 generations x
# population 500, input noise 0, 0.05 and 0.1, target noise 0.1.
# Gradient: the optimiser study's Adam-trained 8-8-4-2-1 MLP on L-AND-R (3000 full-batch steps;
# under MVG 6000), with and without an L1 cost of 0.001, each a sweep of input_noise over
# 0, 0.02, 0.05, 0.1, 0.2 (one compiled program, 16 seeds per value); and a sweep of
# target_noise without a cost.
# Usage: bash docs/experiments/08-noise.sh [RUNS_DIR] [save]      The answer: 08-noise.md.
set -euo pipefail
RUNS=${1:-runs/noise}
STATE="$(dirname "$0")/state/noise"
source "$(dirname "$0")/campaign.sh"
SIZE="--seeds 16 --pop 500 --generations 5000 --set run.checkpoint_every=500"
MVG="--set schedule.kind=mvg --set schedule.period=20 --set schedule.goals=[and,or]"
EVOLVED="pa_0 pa_0.05 pa_0.1 pa_labels_0.1 pcc_0 pcc_0.05 pcc_0.1 pcc_labels_0.1 pa_mvg_0 pa_mvg_0.05"
TRAINED="adam_inputs adam_l1_inputs adam_mvg_inputs adam_labels"
carry "$RUNS" "$STATE" "${2:-run}" $EVOLVED $TRAINED
INPUTS="--set sweep.key=objectives.input_noise --set sweep.values=[0,0.02,0.05,0.1,0.2]"
run optimisers/retina_adam "$RUNS/adam_inputs" $INPUTS > "$RUNS.log" 2>&1
run optimisers/retina_adam "$RUNS/adam_l1_inputs" $INPUTS --set objectives.l1=0.001 >> "$RUNS.log" 2>&1
run optimisers/retina_adam_mvg "$RUNS/adam_mvg_inputs" $INPUTS >> "$RUNS.log" 2>&1
run optimisers/retina_adam "$RUNS/adam_labels" --set sweep.key=objectives.target_noise \
  --set 'sweep.values=[0,0.05,0.1,0.2]' >> "$RUNS.log" 2>&1
for preset in pa pcc; do
  for level in 0 0.05 0.1; do
    run clune2013/$preset "$RUNS/${preset}_$level" $SIZE --set objectives.input_noise=$level >> "$RUNS.log" 2>&1
  done
  run clune2013/$preset "$RUNS/${preset}_labels_0.1" $SIZE --set objectives.target_noise=0.1 >> "$RUNS.log" 2>&1
done
for level in 0 0.05; do
  run clune2013/pa "$RUNS/pa_mvg_$level" $SIZE $MVG --set objectives.input_noise=$level >> "$RUNS.log" 2>&1
done

#!/usr/bin/env bash
# Experiment 5, gradient half: the optimiser study's Adam-trained 8-8-4-2-1 tanh MLP
# (configs/optimisers/retina_adam.yaml, 3000 full-batch steps; under MVG retina_adam_mvg.yaml,
# 6000 steps, period 200) on the serial retina: the parallel goal L & R against the serial goal
# R if L else Rx, each without and with an L1 cost of 0.001; MVG on the serial goal's first
# sub-task and on its second. 16 seeds each; about 3 minutes on 2 cores.
# Usage: bash docs/experiments/05-serial-trained.sh [RUNS_DIR]      The answer: 05-serial.md.
set -euo pipefail
RUNS=${1:-runs/serial-trained}
source "$(dirname "$0")/campaign.sh"
mkdir -p "$RUNS"
TASK="--set task.name=retina_serial"
run optimisers/retina_adam "$RUNS/parallel" $TASK --set 'schedule.goals=[parallel]' > "$RUNS.log" 2>&1
run optimisers/retina_adam "$RUNS/serial" $TASK --set 'schedule.goals=[serial]' >> "$RUNS.log" 2>&1
run optimisers/retina_adam "$RUNS/parallel_l1" $TASK --set 'schedule.goals=[parallel]' --set objectives.l1=0.001 >> "$RUNS.log" 2>&1
run optimisers/retina_adam "$RUNS/serial_l1" $TASK --set 'schedule.goals=[serial]' --set objectives.l1=0.001 >> "$RUNS.log" 2>&1
run optimisers/retina_adam_mvg "$RUNS/mvg_parallel" $TASK --set 'schedule.goals=[parallel, "L | R"]' >> "$RUNS.log" 2>&1
run optimisers/retina_adam_mvg "$RUNS/mvg_first" $TASK --set 'schedule.goals=[serial, serial_selector]' >> "$RUNS.log" 2>&1
run optimisers/retina_adam_mvg "$RUNS/mvg_second" $TASK --set 'schedule.goals=[serial, serial_swapped]' >> "$RUNS.log" 2>&1

#!/usr/bin/env bash
# Experiment 5: sub-tasks in series against sub-tasks in parallel, on the serial retina
# (tasks/serial_retina.py): Clune 2013's P&CC preset on task retina_serial with the parallel
# goal L & R, the serial goal R if L else Rx, and MVG (period 20) on the parallel goal (L & R <->
# L | R), on the serial goal's first sub-task (the selector: R if L else Rx <-> R if Lx else Rx)
# and on its second (what is selected: <-> Rx if L else R); PA on the serial goal as the
# no-cost control. The cost-pressure study's reduced scale: 16 seeds x 5000 generations x
# population 500. Usage: bash docs/experiments/05-serial.sh [RUNS_DIR] [save]
# The answer: docs/experiments/05-serial.md.
set -euo pipefail
RUNS=${1:-runs/serial}
STATE="$(dirname "$0")/state/serial"
source "$(dirname "$0")/campaign.sh"
SIZE="--seeds 16 --pop 500 --generations 5000 --set run.checkpoint_every=500 --set task.name=retina_serial"
MVG="--set schedule.kind=mvg --set schedule.period=20"
carry "$RUNS" "$STATE" "${2:-run}" parallel serial serial_pa mvg_parallel mvg_first mvg_second
run clune2013/pcc "$RUNS/parallel" $SIZE --set 'schedule.goals=[parallel]' > "$RUNS.log" 2>&1
run clune2013/pcc "$RUNS/serial" $SIZE --set 'schedule.goals=[serial]' >> "$RUNS.log" 2>&1
run clune2013/pa "$RUNS/serial_pa" $SIZE --set 'schedule.goals=[serial]' >> "$RUNS.log" 2>&1
run clune2013/pcc "$RUNS/mvg_parallel" $SIZE $MVG --set 'schedule.goals=[parallel, "L | R"]' >> "$RUNS.log" 2>&1
run clune2013/pcc "$RUNS/mvg_first" $SIZE $MVG --set 'schedule.goals=[serial, serial_selector]' >> "$RUNS.log" 2>&1
run clune2013/pcc "$RUNS/mvg_second" $SIZE $MVG --set 'schedule.goals=[serial, serial_swapped]' >> "$RUNS.log" 2>&1

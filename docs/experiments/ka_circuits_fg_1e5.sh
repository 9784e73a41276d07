#!/usr/bin/env bash
# Kashtan & Alon 2005's NAND circuits under the fixed goal for the paper's 10^5 generations (its
# FG count, 36 of 50 runs solved, is within 10^5): kashtan_alon2005/circuits_fg as shipped (free
# wiring, the text's rules), 50 seeds split over the two CPU cores, checkpointed every 2 000
# generations. Its first 20 000 generations are the bits of the 20 000-generation FG run of
# ka_circuits.sh (the run length is not part of the compiled program).
# Usage: bash docs/experiments/ka_circuits_fg_1e5.sh [RUNS_DIR]        run (or resume) it
#        bash docs/experiments/ka_circuits_fg_1e5.sh [RUNS_DIR] save   copy the latest checkpoint here
#   An unfinished run is carried to the next machine in docs/experiments/state/ (campaign.sh).
set -euo pipefail
RUNS=${1:-runs/ka_circuits_fg_1e5}
STATE="$(dirname "$0")/state/ka_circuits_fg_1e5"
source "$(dirname "$0")/campaign.sh"

carry "$RUNS" "$STATE" "${2:-run}" fg_free
run kashtan_alon2005/circuits_fg "$RUNS/fg_free" --seeds 50 --generations 100000 --cpu-devices 2 \
  > "$RUNS.fg_free.log" 2>&1

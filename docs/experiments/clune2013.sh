#!/usr/bin/env bash
# Clune, Mouret & Lipson 2013 at the paper's scale: PA and P&CC on L-AND-R, 30 seeds x 25 000
# generations x population 1000 each, one treatment per CPU core, resumable.
# Usage: bash docs/experiments/clune2013.sh [RUNS_DIR]          run (or resume) both treatments
#        bash docs/experiments/clune2013.sh [RUNS_DIR] save     copy their latest checkpoints here
# A session's machine does not outlive it, so an unfinished campaign is carried to the next one
# in the repository: `save` copies what a resume needs of each run (config.yaml and
# checkpoint.npz, which holds the rows and champions too: under 1 MB each) to
# docs/experiments/state/, and a later run starts from that copy when RUNS_DIR has none; the
# resumed run ends with the same bits as an uninterrupted one.
set -euo pipefail
RUNS=${1:-runs/clune2013}
STATE="$(dirname "$0")/state/clune2013"
source "$(dirname "$0")/campaign.sh"

if [ "${2:-}" = save ]; then
  for t in pa pcc; do
    [ -f "$RUNS/$t/checkpoint.npz" ] || continue
    mkdir -p "$STATE/$t"
    cp "$RUNS/$t"/{config.yaml,checkpoint.npz} "$STATE/$t/"
  done
  exit 0
fi
for t in pa pcc; do
  if [ ! -d "$RUNS/$t" ] && [ -f "$STATE/$t/checkpoint.npz" ]; then
    mkdir -p "$RUNS" && cp -r "$STATE/$t" "$RUNS/$t"
  fi
  run clune2013/$t "$RUNS/$t" --cpu-devices 1 > "$RUNS.$t.log" 2>&1 &
done
wait

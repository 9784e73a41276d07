#!/usr/bin/env bash
# The RMVG campaign of docs/experiments/rmvg.md: every run, adaptation and comparison in it.
# Usage: bash docs/experiments/rmvg.sh [RUNS_DIR]   (default runs/rmvg; about 2 h on 2 cores)
# A run that is already complete is skipped, one that was interrupted is resumed.
set -euo pipefail
RUNS=${1:-runs/rmvg}
source "$(dirname "$0")/campaign.sh"

# 1. The Clune 2013 retina, PA and P&CC, under four schedules; held-out goal L & ~R.
for treatment in pcc pa; do
  for schedule in fixed mvg rmvg random; do
    dir=$RUNS/retina_${treatment}_${schedule}
    run rmvg/retina_${treatment}_${schedule} "$dir" --pop 500 --generations 4000
    [ -f "$dir/adaptation.json" ] || $EM adapt "$dir" --goal "L & ~R" --generations 1000
    [ -f "$dir/analysis.json" ] || $EM analyze "$dir"
  done
done

# 2. Kashtan & Alon's NAND circuits (4 inputs, sub-goals XY and ZW); held-out goal XY & ~ZW.
for schedule in fixed mvg rmvg random; do
  dir=$RUNS/circuits_${schedule}
  run rmvg/circuits_${schedule} "$dir" --generations 5000
  [ -f "$dir/adaptation.json" ] || $EM adapt "$dir" --goal "XY & ~ZW" --generations 2000
  [ -f "$dir/analysis.json" ] || $EM analyze "$dir"
done

# 3. Family size: NAND circuits on xor3 (6 inputs, three XOR sub-goals); held-out (A & ~B) | C.
for schedule in fixed mvg rmvg2 rmvg8 rmvg random; do
  dir=$RUNS/xor3_${schedule}
  run rmvg/xor3_circuits_${schedule} "$dir" --generations 4000
  [ -f "$dir/adaptation.json" ] || $EM adapt "$dir" --goal "(A & ~B) | C" --generations 1000
  [ -f "$dir/analysis.json" ] || $EM analyze "$dir"
done

# The tables of docs/experiments/rmvg.md (each schedule against the first column).
for treatment in pcc pa; do
  $EM compare --markdown $RUNS/retina_${treatment}_{fixed,mvg,rmvg,random} --out $RUNS/figures_retina_$treatment
done
$EM compare --markdown $RUNS/circuits_{fixed,mvg,rmvg,random} --out $RUNS/figures_circuits
$EM compare --markdown $RUNS/xor3_{fixed,mvg,rmvg2,rmvg8,rmvg,random} --out $RUNS/figures_xor3

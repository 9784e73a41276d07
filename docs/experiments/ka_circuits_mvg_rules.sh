#!/usr/bin/env bash
# Which of the text's rules keeps MVG circuit populations from re-adapting after a switch: the
# free-wiring MVG preset, then each rule the former settings had instead, one at a time, all four,
# all but the scheme, and the scheme with crossover (16 seeds x 5 000 generations each, two runs
# at a time, one per CPU core; docs/replications.md).
# Usage: bash docs/experiments/ka_circuits_mvg_rules.sh [RUNS_DIR]   (default runs/ka_circuits_mvg_rules)
set -euo pipefail
RUNS=${1:-runs/ka_circuits_mvg_rules}
source "$(dirname "$0")/campaign.sh"
mkdir -p "$RUNS"
COMMON="--seeds 16 --generations 5000 --cpu-devices 1"

variant() {  # variant NAME [overrides...]
  local name=$1; shift
  run kashtan_alon2005/circuits_mvg "$RUNS/$name" $COMMON "$@" > "$RUNS/$name.log" 2>&1
}
variant text_rules &
variant elite_offspring --set selection.scheme=elite_offspring &
wait
variant crossover --set selection.crossover_rate=0.5 &
variant no_penalty --set objectives.size_penalty=0 &
wait
variant gates14 --set genome.max_gates=14 &
variant former_rules --set selection.scheme=elite_offspring --set selection.crossover_rate=0.5 \
  --set objectives.size_penalty=0 --set genome.max_gates=14 &
wait
variant former_but_replace_worst --set selection.crossover_rate=0.5 --set objectives.size_penalty=0 \
  --set genome.max_gates=14 &
variant elite_offspring_crossover --set selection.scheme=elite_offspring --set selection.crossover_rate=0.5 &
wait
$EM compare "$RUNS"/{text_rules,elite_offspring,crossover,no_penalty,gates14,former_rules,former_but_replace_worst,elite_offspring_crossover} --markdown --out "$RUNS"

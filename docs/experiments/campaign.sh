# Sourced by the campaign scripts here: the command to run and a resumable `run`.
EM=${EVOJAX_MOD:-evojax-mod}

run() {  # run CONFIG DIR [overrides...]: run to completion, resuming an interrupted run
  local config=$1 dir=$2; shift 2
  if [ -f "$dir/summary.json" ]; then return; fi
  if [ -f "$dir/config.yaml" ]; then $EM run "$config" --out "$dir" --resume --quiet "$@"
  else $EM run "$config" --out "$dir" --quiet "$@"; fi
}

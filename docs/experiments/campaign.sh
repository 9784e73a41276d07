# Sourced by the campaign scripts here: the command to run, a resumable `run`, and the two halves
# of carrying an unfinished campaign from one machine to the next through the repository.
EM=${EVOJAX_MOD:-evojax-mod}

run() {  # run CONFIG DIR [overrides...]: run to completion, resuming an interrupted run
  local config=$1 dir=$2; shift 2
  if [ -f "$dir/summary.json" ]; then return; fi
  if [ -f "$dir/config.yaml" ]; then $EM run "$config" --out "$dir" --resume --quiet "$@"
  else $EM run "$config" --out "$dir" --quiet "$@"; fi
}

# A session's machine does not outlive it. What a resume needs of a run is its config.yaml and
# checkpoint.npz (which holds the logged rows and champions too), well under a megabyte, so the
# scripts copy those to docs/experiments/state/CAMPAIGN/RUN and start a run from that copy when
# the runs directory has none; the resumed run ends with the bits of an uninterrupted one.
save_state() {  # save_state RUNS STATE RUN...: copy each run's resumable files into STATE
  local runs=$1 state=$2; shift 2
  for r in "$@"; do
    [ -f "$runs/$r/checkpoint.npz" ] || continue
    mkdir -p "$state/$r"
    cp "$runs/$r"/{config.yaml,checkpoint.npz} "$state/$r/"
  done
}

restore_state() {  # restore_state RUNS STATE RUN...: seed missing run directories from STATE
  local runs=$1 state=$2; shift 2
  for r in "$@"; do
    if [ ! -d "$runs/$r" ] && [ -f "$state/$r/checkpoint.npz" ]; then
      mkdir -p "$runs" && cp -r "$state/$r" "$runs/$r"
    fi
  done
}

carry() {  # carry RUNS STATE MODE RUN...: MODE save copies the runs' state and exits the script;
  # otherwise RUNS is made and every missing run is seeded from STATE
  local runs=$1 state=$2 mode=$3; shift 3
  if [ "$mode" = save ]; then save_state "$runs" "$state" "$@"; exit 0; fi
  mkdir -p "$runs"
  restore_state "$runs" "$state" "$@"
}

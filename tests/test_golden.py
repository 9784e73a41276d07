"""The shipped presets replay their recorded bits.

`tests/golden/presets.json` holds fingerprints (SHA-256 of every metric column, champion array
and final population array) of small runs of four presets, recorded with `python -m
tests.golden.record`: the Clune presets at de80ef3, before the experiment-interface redesign;
circuits_mvg and retina_mvg again when their presets took Kashtan & Alon's stated rules (free
wiring, no crossover, the 0.2 size penalty, 12 gates; elite 150, the 0.01 penalty, the 95 %
criterion). A change that alters any bit of those runs fails here; so
does the "plain" kernel path, which must give the fast path's bits."""
import json

import pytest

from tests.golden.record import FILE, PRESETS, fingerprint, run_preset

RECORDED = json.loads(FILE.read_text())


# PA's loop is P&CC's without the cost objective: replayed in the slow suite only (21 s)
@pytest.mark.parametrize("preset", [pytest.param(p, marks=pytest.mark.slow) if p == "clune2013/pa" else p
                                    for p in sorted(PRESETS)])
def test_preset_replays_its_recorded_bits(preset):
    assert fingerprint(run_preset(preset)) == RECORDED[preset]


@pytest.mark.slow
def test_plain_kernels_replay_the_fast_kernels_bits():
    assert fingerprint(run_preset("clune2013/pcc", {"run.kernels": "plain"})) == RECORDED["clune2013/pcc"]

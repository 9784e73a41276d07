"""Bit-identity fingerprints of small runs of the shipped presets.

`python -m tests.golden.record [PRESET ...]` writes `presets.json` next to this file: for each preset, run
with the small overrides below, a SHA-256 of every metric column (by name), every champion
array (by field) and every population array of the final state (by field). `test_golden.py`
recomputes them and asks for equality, so a refactor that changes any bit of these runs fails.
The "goal" column is left out: what it logs is the schedule's business, checked on its own.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).resolve().parent
FILE = HERE / "presets.json"
PRESETS = {
    "clune2013/pcc": {"run.population": 40, "run.generations": 30, "run.seeds": 2, "run.log_every": 10,
                      "run.checkpoint_every": 30},
    "clune2013/pa": {"run.population": 40, "run.generations": 30, "run.seeds": 2, "run.log_every": 10,
                     "run.checkpoint_every": 30},
    "kashtan_alon2005/circuits_mvg": {"run.population": 60, "run.generations": 60, "run.seeds": 2,
                                      "run.log_every": 20, "run.checkpoint_every": 60, "selection.elite": 18},
    "kashtan_alon2005/retina_mvg": {"run.population": 60, "run.generations": 60, "run.seeds": 2,
                                    "run.log_every": 20, "run.checkpoint_every": 60, "selection.elite": 18},
}


def digest(array) -> str:
    a = np.ascontiguousarray(np.asarray(array))
    return hashlib.sha256(str(a.dtype).encode() + str(a.shape).encode() + a.tobytes()).hexdigest()[:16]


def population_arrays(state) -> dict:
    """The genome arrays of the final population, whatever the state calls its population."""
    population = getattr(state, "parents", None) or getattr(state, "population")
    return {k: np.asarray(v) for k, v in vars(jax.device_get(population)).items()}


def fingerprint(result) -> dict:
    columns = {n: digest(result.rows[:, :, i]) for i, n in enumerate(result.names) if n != "goal"}
    champions = {k: digest(v) for k, v in sorted(result.champions.items())}
    population = {k: digest(v) for k, v in sorted(population_arrays(result.state).items())}
    return {"metrics": columns, "champions": champions, "population": population}


def preset_path(name: str) -> Path:
    return HERE.parent.parent / "configs" / f"{name}.yaml"


def run_preset(name: str, extra: dict | None = None):
    import evojax_mod as em
    config = em.load_config(preset_path(name), overrides={**PRESETS[name], **(extra or {})})
    return em.run(config, None, progress=False)


def main(names: list[str]) -> int:
    """Record the named presets (default: all), keeping the other entries as they are: a
    deliberate change to one preset re-records that preset alone."""
    unknown = set(names) - set(PRESETS)
    if unknown:
        print(f"not recorded here: {', '.join(sorted(unknown))}; choose from {', '.join(sorted(PRESETS))}")
        return 2
    recorded = json.loads(FILE.read_text()) if FILE.is_file() else {}
    recorded.update({n: fingerprint(run_preset(n)) for n in names or sorted(PRESETS)})
    FILE.write_text(json.dumps(dict(sorted(recorded.items())), indent=1) + "\n")
    print(f"written: {FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

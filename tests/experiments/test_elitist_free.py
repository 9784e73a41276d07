import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.config import config_from_dict
from evojax_mod.experiments.elitist import ElitistExperiment
from evojax_mod.genomes import circuit
from evojax_mod.runner import run


def cfg(**sel):
    return config_from_dict({"task": {"name": "circuits"}, "genome": {"kind": "circuit", "max_gates": 8, "wiring": "free"},
                             "selection": {"kind": "elitist", "elite": 5, **sel}, "schedule": {"kind": "fixed", "goals": ["and"]},
                             "run": {"population": 20, "generations": 10, "seeds": 1, "log_every": 2, "checkpoint_every": 10}})


def test_oscillator_scores_zero_in_the_experiment():
    exp = ElitistExperiment(cfg())
    state = exp.init(jax.random.PRNGKey(0))
    ring = circuit.CircuitGenome(gate_inputs=jnp.asarray([[4, 4]] + [[0, 0]] * 7, jnp.int32), output=jnp.int32(4))
    # the goal is set to the ring's step-T value: still wrong everywhere, as the ring never settles
    pop = jax.tree.map(lambda a, b: a.at[0].set(b), state.population, ring)
    outputs, defined, sizes = exp._outputs_and_sizes(pop)
    assert defined[0].tolist() == [0]
    _, fit = exp._fitness(pop, outputs, defined, sizes, state.environment, outputs[0])
    assert float(fit[0]) == 0.0


def test_replace_worst_runs_and_keeps_the_best(tmp_path):
    r = run(cfg(scheme="replace_worst"), tmp_path, progress=False)
    best = r.metrics["best_performance"]
    assert np.all(np.diff(best) >= 0)

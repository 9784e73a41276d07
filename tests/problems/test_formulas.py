"""BIMT's independence formula: BIMT's own points and targets, probes that change one group,
a loss over both outputs, and a short run of the BIMT preset that learns while its swap passes
shorten the wiring."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.config import ConfigError, FormulaConfig, config_from_dict, load_config
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.problems.formulas import formula_problem
from evojax_mod.regularisers import wiring_minimise


def test_the_points_and_targets_are_bimts():
    problem = formula_problem(FormulaConfig(), batch_size=0)
    np.random.seed(0)  # BIMT's notebook: np.random.seed(0); training inputs, then test inputs
    train = np.random.rand(100, 4) * 2 - 1
    test = np.random.rand(100, 4) * 2 - 1
    np.testing.assert_array_equal(problem.train.inputs, train.astype(np.float32))
    np.testing.assert_array_equal(problem.test.inputs, test.astype(np.float32))
    x = train[7]
    expected = [(x[0] + x[2]) ** 3, x[1] ** 2 + np.sin(np.pi * x[3])]
    np.testing.assert_allclose(problem.train.sub_targets[7], expected, rtol=1e-6)
    probes = problem.probes
    assert probes.shape == (3, 100, 4)
    changed = np.any(probes[1:] != probes[0][None], axis=1)  # [group, input]: touched anywhere
    np.testing.assert_array_equal(changed, [[True, False, True, False], [False, True, False, True]])


def test_the_loss_reads_one_output_per_term():
    problem = formula_problem(FormulaConfig(train_points=5, test_points=3), batch_size=0)

    class Identity:  # outputs (x1, x2, x3) for a 3-input point: the loss must read only 2
        @staticmethod
        def apply(params, x):
            return x[:, :3]

    x, parts = problem.split("train")
    y = problem.target(parts, jnp.asarray([2.0, -1.0]))
    np.testing.assert_allclose(np.asarray(y), np.asarray(parts) * [2.0, -1.0])
    expected = np.mean((np.asarray(x)[:, :2] - np.asarray(y)) ** 2)
    assert float(problem.data_loss(Identity, None, x, y)) == pytest.approx(expected, rel=1e-6)


def test_a_formula_needs_one_output_per_term():
    with pytest.raises(ConfigError, match="genome.layers.*2 outputs last"):
        config_from_dict({"problem": {"kind": "formula"}, "schedule": {"kind": "fixed", "goals": [[1, 1]]},
                          "genome": {"kind": "mlp", "layers": [4, 8, 1]}, "selection": {"kind": "optax"}})


def test_bimt_preset_learns_and_its_swap_passes_shorten_the_wiring():
    config = load_config("bimt2023/all", overrides={"run.generations": 400})
    exp = experiment_for(config)
    start = exp.init(jax.random.PRNGKey(1))
    end = jax.jit(lambda s: jax.lax.fori_loop(0, 400, lambda _, t: exp.step(t), s))(start)
    params = exp.optimiser.solution(end.opt)
    moved = np.any(np.asarray(end.layout.positions) != np.asarray(start.layout.positions), axis=1)
    assert moved.sum() >= 2
    assert float(wiring_minimise(exp.family, params, end.layout)) < float(
        wiring_minimise(exp.family, params, start.layout))
    before = float(exp.problem.mse(exp.family, exp.optimiser.solution(start.opt), jnp.ones(2), "train"))
    assert float(exp.problem.mse(exp.family, params, jnp.ones(2), "train")) < 0.5 * before

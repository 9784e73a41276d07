"""The regression experiment on digit pairs: a tiny training set is learned to (near) zero
error, the goal is traced and logged, a vmapped batch of seeds equals the seeds run apart,
evosax evolves the same MLP, the CNN runs, and a run writes its metrics."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import evolvability, records, runner
from evojax_mod.config import config_from_dict
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.experiments.regression import RegressionExperiment

BASE = {
    "problem": {"kind": "digit_pairs", "train_pairs": 16, "test_pairs": 8},
    "schedule": {"kind": "fixed", "goals": [[1, 1]]},
    "genome": {"kind": "mlp", "layers": [128, 16, 1], "activation": "relu", "initialiser": "he_normal"},
    "selection": {"kind": "optax", "rule": "adam", "learning_rate": 0.02},
    "run": {"population": 4, "generations": 6, "seeds": 2, "log_every": 3, "checkpoint_every": 6},
}


def _experiment(**sections):
    return experiment_for(config_from_dict({**BASE, **sections}))


_train = jax.jit(lambda exp, state, n: jax.lax.fori_loop(0, n, lambda _, s: exp.step(s), state), static_argnums=0)


def _row(exp, state) -> dict:
    return dict(zip(exp.metric_names, np.asarray(jax.jit(exp.metrics)(state)[0])))


def test_a_tiny_training_set_is_learned_to_near_zero_error():
    exp = _experiment()
    assert isinstance(exp, RegressionExperiment)
    trained = _train(exp, exp.init(jax.random.PRNGKey(0)), 200)
    row = _row(exp, trained)
    assert row["train_mse"] < 0.01 and row["loss"] == row["train_mse"]  # no regulariser
    assert 0 < int(trained.first_solved) < 200 and row["first_solved_generation"] == int(trained.first_solved)
    assert (row["goal_a"], row["goal_b"]) == (1.0, 1.0)
    assert row["champion_performance"] == -row["test_mse"] and 0 <= row["invariance"] <= 1


def test_seeds_vmapped_equal_seeds_run_apart_under_a_varying_goal():
    """One program for the batch: mapped one seed at a time it gives each seed's bits exactly;
    vmapped, XLA's batched matmuls round differently, so only close. The goal, drawn per
    seed, is traced inside the step."""
    exp = _experiment(schedule={"kind": "rmvg", "period": 5, "low": -2, "high": 2},
                      objectives={"batch_size": 4})
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.PRNGKey(1), i))(jnp.arange(3))
    one = lambda k: _train(exp, exp.init(k), 23)
    mapped = jax.jit(lambda ks: jax.lax.map(one, ks))(keys)
    vmapped = jax.jit(jax.vmap(one))(keys)
    for i in range(3):
        alone = one(keys[i])
        np.testing.assert_array_equal(alone.goal, mapped.goal[i])
        for a, b, c in zip(*(jax.tree.leaves(t.opt.params) for t in (alone, mapped, vmapped))):
            np.testing.assert_array_equal(a, b[i])
            np.testing.assert_allclose(a, c[i], rtol=1e-4, atol=1e-5)
    assert len({tuple(np.asarray(g)) for g in mapped.goal}) > 1  # seeds draw their own goals


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_evosax_evolves_the_same_mlp():
    exp = _experiment(selection={"kind": "evosax", "strategy": "open_es", "sigma": 0.05, "learning_rate": 0.02},
                      run={**BASE["run"], "population": 16})
    error = lambda state: float(exp.problem.mse(exp.family, exp.optimiser.solution(state.opt), state.goal, "train"))
    state = exp.init(jax.random.PRNGKey(2))
    assert error(_train(exp, state, 60)) < 0.5 * error(state)


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_the_cnn_trains_on_two_channel_pairs(tmp_path):
    config = config_from_dict({**BASE, "problem": {**BASE["problem"], "layout": "channels"},
                               "genome": {"kind": "cnn", "channels": [2], "kernel_sizes": [3], "dense": [4]}})
    result = runner.run(config, tmp_path / "run", progress=False)
    metrics = records.read_metrics(tmp_path / "run")
    assert sorted(set(metrics["generation"])) == [0, 3, 6] and {"goal_a", "invariance"} <= set(metrics)
    train = result.rows[:, :, result.names.index("train_mse")]  # [seeds, logs]
    assert np.all(train[:, -1] < train[:, 0])
    assert np.isnan(metrics["champion_left_right"]).all()  # a CNN's input nodes are channels


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_a_trained_net_adapts_to_a_held_out_goal():
    config = config_from_dict(BASE)
    exp = experiment_for(config)
    state = jax.tree.map(lambda a: a[None], _train(exp, exp.init(jax.random.PRNGKey(0)), 200))
    times = evolvability.adaptation_times(config, state, (-1.0, 2.0), 1000)
    assert 0 < times[0] < 1000  # solved on (1, 1), then re-solved on the held-out goal (631 steps)

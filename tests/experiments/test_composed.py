"""The composed experiment (family + optimiser + problem + schedule) on the retina: a trained
MLP learns L-AND-R, settings are traced (several in one program, the same bits as apart), a run
writes and reads back its champions, and the config refuses what does not fit."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import runner
from evojax_mod.config import ConfigError, config_from_dict
from evojax_mod.experiments.registry import experiment_for

BASE = {
    "task": {"name": "retina"},
    "schedule": {"kind": "fixed", "goals": ["and"]},
    "genome": {"kind": "mlp"},
    "selection": {"kind": "optax", "rule": "adam", "learning_rate": 0.02},
    "run": {"population": 4, "generations": 40, "seeds": 2, "log_every": 20, "checkpoint_every": 40},
}


def _config(**sections):
    data = {k: dict(v) for k, v in BASE.items()}
    for name, values in sections.items():
        merged = {**data.get(name, {}), **values}
        data[name] = {k: v for k, v in merged.items() if v is not None}
    return config_from_dict(data)


@pytest.fixture(scope="module")
def exp():
    return experiment_for(_config())


_train = jax.jit(lambda exp, state: jax.lax.fori_loop(0, 150, lambda _, s: exp.step(s), state), static_argnums=0)


def test_adam_lowers_the_loss_and_learns_the_retina(exp):
    state = exp.init(jax.random.PRNGKey(0))
    trained = _train(exp, state)
    row, _ = exp.metrics(trained)
    names = exp.metric_names
    assert int(trained.generation) == 150
    assert row[names.index("loss")] < 0.5 * np.log(2)  # below half the loss of a constant guess
    assert row[names.index("champion_performance")] > 0.85
    assert row[names.index("best_performance")] >= row[names.index("champion_performance")]
    assert row.shape == (len(exp.metric_specs),)


def test_traced_settings_share_a_program_and_keep_each_setting_bits(exp):
    """One program for both rates: mapped one at a time (the loop's CPU layout) it gives each
    rate's bits exactly; vmapped, XLA's batched matmuls round differently, so only close."""
    rates = jnp.asarray([0.005, 0.05])
    key = jax.random.PRNGKey(3)
    one = lambda lr: _train(exp, exp.init(key, {**exp.settings(), "learning_rate": lr}))
    mapped = jax.jit(lambda r: jax.lax.map(one, r))(rates)
    vmapped = jax.jit(jax.vmap(one))(rates)
    for i in range(2):
        alone = one(rates[i])
        for a, b, c in zip(*(jax.tree.leaves(t.opt.params) for t in (alone, mapped, vmapped))):
            np.testing.assert_array_equal(a, b[i])
            np.testing.assert_allclose(a, c[i], rtol=1e-4, atol=1e-5)
    kernels = [np.asarray(mapped.opt.params["Dense_0"]["kernel"][i]) for i in range(2)]
    assert not np.allclose(kernels[0], kernels[1])  # the rate is used


def test_l1_setting_shrinks_the_weights(exp):
    key = jax.random.PRNGKey(4)
    plain = _train(exp, exp.init(key))
    sparse = _train(exp, exp.init(key, {**exp.settings(), "l1": 0.01}))
    l1 = exp.metric_names.index("champion_l1")
    assert exp.metrics(sparse)[0][l1] < 0.7 * exp.metrics(plain)[0][l1]


def test_restart_keeps_the_network_and_resets_the_records(exp):
    trained = _train(exp, exp.init(jax.random.PRNGKey(5)))
    again = exp.restart(trained)
    assert int(again.generation) == 0 and int(again.goal) == int(trained.goal)
    for a, b in zip(jax.tree.leaves(again.opt.params), jax.tree.leaves(trained.opt.params)):
        np.testing.assert_array_equal(a, b)
    assert int(again.first_perfect) in (-1, 0)


def test_run_writes_champions_that_read_back(tmp_path, exp):
    result = runner.run(_config(), tmp_path / "run", progress=False)
    from evojax_mod import records
    champions = records.read_champions(tmp_path / "run")
    assert "champion_Dense_0.kernel" in champions
    genome = exp.genome_from_record(champions, 1, -1)
    assert genome["Dense_3"]["kernel"].shape == (2, 1)
    final = result.rows[1, -1, exp.metric_names.index("champion_wiring")]
    from evojax_mod.regularisers import wiring_minimise
    layout = exp.regularisation.initial_layout(exp.family)
    assert float(wiring_minimise(exp.family, genome, layout)) == pytest.approx(float(final), rel=1e-6)


@pytest.mark.parametrize("sections, key", [
    ({"selection": {"kind": "elitist", "rule": None, "learning_rate": None}}, "selection.kind"),
    ({"objectives": {"l1": -1.0}}, "objectives.l1"),
    ({"selection": {"rule": "rmsprop"}}, "selection.rule"),
    ({"selection": {"rule": "gd", "momentum": 0.9}}, "selection.momentum"),
    ({"mutation": {"per_genome": 0.5}}, "mutation"),
    ({"genome": {"activation": "swish"}}, "genome.activation"),
])
def test_config_errors_name_the_key(sections, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        _config(**sections)


def test_a_sweep_runs_each_value_as_its_own_run_would(tmp_path):
    """Two learning rates x two seeds in one run: the rows of the second value are, bit for bit,
    those of a run at that rate alone, and each row names its rate."""
    swept = config_from_dict({**{k: dict(v) for k, v in BASE.items()},
                              "sweep": {"key": "selection.learning_rate", "values": [0.005, 0.05]}})
    alone = _config(selection={"learning_rate": 0.05})
    both = runner.run(swept, tmp_path / "sweep", progress=False)
    one = runner.run(alone, tmp_path / "alone", progress=False)
    assert both.rows.shape[0] == 4
    np.testing.assert_array_equal(both.rows[2:], one.rows)
    rate = both.names.index("learning_rate")
    np.testing.assert_array_equal(both.rows[:, 0, rate], np.float32([0.005, 0.005, 0.05, 0.05]))
    from evojax_mod.report import compare
    table, _ = compare([tmp_path / "sweep", tmp_path / "alone"], tmp_path / "figures")
    header = table.splitlines()[0]
    assert "learning_rate=0.005" in header and "learning_rate=0.05" in header
    # the swept value's column and the run alone hold the same seeds, so the same medians
    loss_row = next(line for line in table.splitlines() if line.startswith("training loss"))
    medians = [cell.split(" [")[0].strip() for cell in loss_row.split("  ") if "[" in cell]
    assert len(medians) == 3 and medians[1] == medians[2] != medians[0]


@pytest.mark.parametrize("sweep, message", [
    ({"key": "run.population", "values": [4, 8]}, "sweep.key"),
    ({"key": "selection.learning_rate", "values": []}, "sweep.values"),
    ({"key": "objectives.l1", "values": [0.1, 0.1]}, "sweep.values"),
])
def test_a_sweep_takes_only_traced_settings(sweep, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        config_from_dict({**{k: dict(v) for k, v in BASE.items()}, "sweep": sweep})


@pytest.mark.parametrize("preset, sweep, message", [
    ("clune2013/pa", {"key": "objectives.cost_pressure", "values": [0.1, 0.5]}, "no traced settings"),
    ("clune2013/pcc", {"key": "objectives.cost_pressure", "values": [0.1, 1.5]},
     r"'sweep\.values': expected a probability in \[0, 1\], got 1\.5"),
    ("clune2013/pcc", {"key": "mutation.bias_rate", "values": [0.1, 0.5]}, "objectives.cost_pressure"),
])
def test_clune_sweeps_only_its_cost_pressure(preset, sweep, message):
    from evojax_mod.config import load_config, to_dict
    data = to_dict(load_config(preset))
    with pytest.raises(ConfigError, match=message):
        config_from_dict({**data, "sweep": sweep})

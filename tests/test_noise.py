"""Noise on inputs and targets: flips and Gaussian noise at their rates, nothing at rate 0, the
same draws for the same key and fresh ones for another; in a problem's batches (gradient track)
and in the patterns NSGA-II scores (evolution), where the logged performance stays clean."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import noise
from evojax_mod.config import FormulaConfig, config_from_dict
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.genomes import layered
from evojax_mod.problems.boolean import BooleanProblem
from evojax_mod.problems.formulas import formula_problem
from evojax_mod.tasks import get_task
from evojax_mod.tasks.boolean import goal_code, target_bits


def test_flips_and_gaussian_noise_at_their_rates_and_none_at_zero():
    key = jax.random.PRNGKey(0)
    inputs = jnp.asarray(np.random.default_rng(0).choice([-1.0, 1.0], (4000, 8)), jnp.float32)
    flipped = noise.flip_inputs(key, inputs, 0.1)
    rate = float(jnp.mean(flipped != inputs))
    assert abs(rate - 0.1) < 4 * np.sqrt(0.1 * 0.9 / inputs.size)  # binomial, 4 standard errors
    assert bool(jnp.all(jnp.abs(flipped) == 1))
    labels = inputs[:, 0] > 0
    assert abs(float(jnp.mean(noise.flip_labels(key, labels, 0.3) != labels)) - 0.3) < 4 * np.sqrt(0.21 / 4000)
    floats = labels.astype(jnp.float32)
    np.testing.assert_array_equal(noise.flip_labels(key, floats, 0.3), noise.flip_labels(key, labels, 0.3))
    values = jnp.zeros((20000,))
    assert float(jnp.std(noise.gaussian(key, values, 0.5))) == pytest.approx(0.5, rel=0.03)
    for f, x in ((noise.flip_inputs, inputs), (noise.flip_labels, labels), (noise.gaussian, inputs)):
        np.testing.assert_array_equal(f(key, x, 0.0), x)
        np.testing.assert_array_equal(f(key, x, 0.2), f(key, x, 0.2))  # reproducible per key
        assert not np.array_equal(f(key, x, 0.2), f(jax.random.PRNGKey(1), x, 0.2))  # fresh per key


def test_problem_batches_are_noisy_per_evaluation():
    task = get_task("retina")
    problem = BooleanProblem(task=task, target=lambda goal: target_bits(goal, task.sub_goal_index, xp=jnp))
    code = goal_code(task, "and")
    clean = problem.batch(jax.random.PRNGKey(0), code, {"input_noise": 0.0, "target_noise": 0.0})
    np.testing.assert_array_equal(clean[0], task.inputs_pm1())
    settings = {"input_noise": 0.05, "target_noise": 0.1}
    a = problem.batch(jax.random.PRNGKey(0), code, settings)
    b = problem.batch(jax.random.PRNGKey(1), code, settings)
    assert 0 < float(jnp.mean(a[0] != clean[0])) < 0.1 and 0 < float(jnp.mean(a[1] != clean[1])) < 0.2
    assert not np.array_equal(a[0], b[0]) and not np.array_equal(a[1], b[1])
    regression = formula_problem(FormulaConfig(train_points=50, test_points=2), batch_size=0)
    x, y = regression.batch(jax.random.PRNGKey(0), jnp.ones(2), {"input_noise": 0.1, "target_noise": 0.0})
    x0, y0 = regression.split("train")
    assert float(jnp.std(x - x0)) == pytest.approx(0.1, rel=0.25)
    np.testing.assert_array_equal(y, y0 * jnp.ones(2))


def test_nsga2_scores_noisy_patterns_and_logs_clean_performance():
    config = config_from_dict({"objectives": {"input_noise": 0.05, "target_noise": 0.1},
                               "run": {"population": 8, "generations": 4, "seeds": 1}})
    exp = experiment_for(config)
    genomes = jax.vmap(lambda k: layered.init(k, exp.spec))(jax.random.split(jax.random.PRNGKey(0), 8))
    goal = goal_code(exp.task, "and")

    @jax.jit
    def evaluated(genomes):
        signs, _ = exp.phenotypes(genomes)
        noisy_signs, noisy_target = exp.scored(jax.random.PRNGKey(5), genomes, signs, goal)
        inputs = noise.flip_inputs(jax.random.split(jax.random.PRNGKey(5))[0], exp.inputs(), 0.05)
        expected = jax.vmap(lambda g: layered.output_signs(g, exp.spec, inputs)[:, 0])(genomes)
        return signs, noisy_signs, noisy_target, expected

    signs, noisy_signs, noisy_target, expected = (np.asarray(a) for a in evaluated(genomes))
    np.testing.assert_array_equal(noisy_signs, expected)
    flips = noisy_target != np.asarray(exp.target(goal))
    assert 0 < flips.mean() < 0.25
    objectives, clean = jax.jit(lambda *a: exp.objectives(*a, (noisy_signs, noisy_target)))(
        signs, jnp.zeros(8), goal)
    np.testing.assert_allclose(clean, np.mean(np.where(np.asarray(exp.target(goal)), signs > 0, signs < 0), axis=1))
    np.testing.assert_allclose(objectives[:, 0], np.mean(np.where(noisy_target, expected > 0, expected < 0), axis=1))
    assert experiment_for(config_from_dict({"run": {"population": 8}})).scored(
        jax.random.PRNGKey(5), genomes, signs, goal) is None


@pytest.mark.slow  # programs of their own, and a 4-device process
def test_a_noisy_run_gives_each_seed_the_same_bits_in_any_batch_and_on_any_device(tmp_path):
    import os
    import subprocess
    import sys
    import textwrap
    from evojax_mod.runner import run
    data = {"objectives": {"input_noise": 0.05, "target_noise": 0.05},
            "run": {"population": 16, "generations": 6, "seeds": 4, "log_every": 3, "checkpoint_every": 6}}
    together = run(config_from_dict(data), None, progress=False)
    alone = run(config_from_dict({**data, "run": {**data["run"], "seeds": 1}}), None, progress=False)
    for x, y in zip(jax.tree.leaves(together.state), jax.tree.leaves(alone.state)):
        np.testing.assert_array_equal(np.asarray(x)[0], np.asarray(y)[0])
    np.testing.assert_array_equal(together.rows[:1], alone.rows)
    script = textwrap.dedent(f"""
        import jax, numpy as np
        from evojax_mod.config import config_from_dict
        from evojax_mod.runner import run
        assert len(jax.devices()) == 4
        r = run(config_from_dict({data!r}), None, progress=False)
        np.savez("{tmp_path}/sharded.npz", *[np.asarray(x) for x in jax.tree.leaves(r.state)], rows=r.rows)
    """)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    with np.load(tmp_path / "sharded.npz") as sharded:
        for i, leaf in enumerate(jax.tree.leaves(together.state)):
            np.testing.assert_array_equal(sharded[f"arr_{i}"], np.asarray(leaf))
        np.testing.assert_array_equal(sharded["rows"], together.rows)


def test_packed_tables_read_at_noisy_inputs_and_noisy_targets():
    """Kashtan & Alon's networks are scored as packed truth tables: an input flip reads the
    table at p XOR the flipped bits, a target flip flips the packed bit."""
    from evojax_mod.genomes.threshold import pack_patterns
    from evojax_mod.problems.environment import PatternEnvironment
    rng = np.random.default_rng(3)
    bits = rng.random((3, 256)) < 0.5
    env = PatternEnvironment(256, input_noise=0.1, target_noise=0.2)
    key = jax.random.PRNGKey(9)
    read_noisily = jax.jit(lambda t: env.read_tables(t, env.noisy_patterns(key, 8)))
    got = np.asarray(read_noisily(pack_patterns(jnp.asarray(bits))))
    flips = np.asarray(jax.random.uniform(jax.random.split(key)[0], (256, 8))) < 0.1
    read = np.arange(256) ^ (flips * (1 << np.arange(8))).sum(1)
    np.testing.assert_array_equal(got, np.asarray(pack_patterns(jnp.asarray(bits[:, read]))))
    assert 0 < np.mean(read != np.arange(256)) < 1
    target = pack_patterns(jnp.asarray(bits[0]))
    flipped = np.asarray(jax.random.uniform(jax.random.split(key)[1], (256,))) < 0.2
    np.testing.assert_array_equal(env.noisy_target_words(key, target), pack_patterns(jnp.asarray(bits[0] ^ flipped)))
    clean = PatternEnvironment(256)
    np.testing.assert_array_equal(clean.read_tables(target, clean.noisy_patterns(key, 8)), target)

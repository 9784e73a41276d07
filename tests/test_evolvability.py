"""Adaptation time: generations a run's final population needs to solve a new goal."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import evolvability, runner
from evojax_mod.config import ConfigError, load_config
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.tasks import goal_code


@pytest.fixture(scope="module")
def circuits_run(tmp_path_factory):
    """Two seeds evolved for 100 generations on x XOR y, which both solve within 10 under the
    ordered wiring, crossover and elite offspring of this fixture (the preset's free wiring,
    mutation-only and replace-worst scheme need longer)."""
    config = load_config("configs/kashtan_alon2005/circuits_fg.yaml", seeds=2, generations=100,
                         population=200, overrides={"schedule.goals": ["XY"], "selection.elite": 60,
                                    "genome.wiring": "ordered", "genome.max_gates": 14,
                                    "selection.scheme": "elite_offspring", "selection.crossover_rate": 0.5})
    return config, runner.run(config, tmp_path_factory.mktemp("circuits") / "run", progress=False)


@pytest.fixture(scope="module")
def clune_run():
    # the shape of test_clune's small runs, whose programs the suite runner shares with this file
    config = load_config("configs/clune2013/pcc.yaml", seeds=2, generations=18, population=24,
                         overrides={"run.log_every": 3, "run.checkpoint_every": 6})
    return config, runner.run(config, None, progress=False)


def stepped_reference(config, state, goal, limit):
    """The plain loop: restart each seed, then one jitted generation at a time until solved."""
    exp = experiment_for(evolvability.adaptation_config(config, goal, limit))
    restart, step = jax.jit(exp.restart), jax.jit(exp.step)
    solved = jax.jit(exp.solved_generation)
    times = []
    for seed in range(jax.tree.leaves(state)[0].shape[0]):
        s = restart(jax.tree.map(lambda a: jnp.asarray(a[seed]), state))
        while int(solved(s)) < 0 and int(s.generation) < limit:
            s = step(s)
        times.append(int(solved(s)))
    return times


def test_a_solved_goal_takes_no_generations_and_a_new_one_is_counted_as_the_loop_counts(circuits_run):
    config, result = circuits_run
    assert (result.rows[:, -1, result.names.index("first_perfect_generation")] >= 0).all()
    assert evolvability.adaptation_times(config, result.state, "XY", 20).tolist() == [0, 0]
    times = evolvability.adaptation_times(config, result.state, "ZW", 300)
    assert times.tolist() == stepped_reference(config, result.state, "ZW", 300)
    assert (times != 0).all() and (times > 0).any()  # the new goal costs generations
    # the same whatever the seed batch
    np.testing.assert_array_equal(
        evolvability.adaptation_times(config, result.state, "ZW", 300, seed_batch=2), times)


@pytest.mark.slow
def test_clune_adaptation_matches_the_plain_loop(clune_run):
    config, result = clune_run
    times = evolvability.adaptation_times(config, result.state, "left", 60)
    assert times.tolist() == stepped_reference(config, result.state, "left", 60)
    # population 24 solves no retina goal within 60 generations (not even in 400): every seed is
    # "never" here, and a counted solve is checked on the circuits above
    assert times.tolist() == [-1, -1]
    assert evolvability.adaptation_times(config, result.state, 0, 5).tolist() == [0, 0]


@pytest.mark.slow
def test_clune_restart_rescores_the_parents_on_the_new_goal(clune_run):
    config, result = clune_run
    exp = experiment_for(evolvability.adaptation_config(config, "left", 10))
    seed0 = jax.tree.map(lambda a: jnp.asarray(a[0]), result.state)
    s = jax.jit(exp.restart)(seed0)
    assert int(s.generation) == 0 and int(s.goal) == goal_code(exp.task, "left")
    objectives, performance = exp.objectives(s.signs, s.costs, s.goal)
    np.testing.assert_array_equal(s.objectives, objectives)
    # the same parents, in another order
    np.testing.assert_array_equal(np.sort(np.asarray(s.costs)), np.sort(np.asarray(seed0.costs)))
    expected_first = 0 if float(jnp.max(performance)) >= 1.0 else -1
    assert int(exp.solved_generation(s)) == expected_first
    # restarting on the run's own goal gives the parents back their performance and cost
    # (diversity, column 2, is now over the parents alone, no longer over parents and children)
    same = experiment_for(evolvability.adaptation_config(config, "and", 10))
    again = jax.jit(same.restart)(seed0)
    np.testing.assert_array_equal(np.sort(np.asarray(again.objectives[:, :2]), axis=0),
                                  np.sort(np.asarray(seed0.objectives[:, :2]), axis=0))


def test_an_unknown_goal_or_limit_is_a_config_error(circuits_run):
    config, result = circuits_run
    with pytest.raises(ConfigError, match="schedule.goals"):
        evolvability.adaptation_config(config, "L & R", 10)
    with pytest.raises(ConfigError, match="run.generations"):
        evolvability.adaptation_config(config, "XY", 0)


def test_adapt_run_reads_the_checkpoint_and_records_the_times(circuits_run):
    """Measured from the run directory's checkpoint, as `adaptation_times` measures the state
    (the Clune version runs in the CLI's end-to-end test)."""
    config, result = circuits_run
    content = evolvability.adapt_run(result.run_dir, "ZW", 300)
    expected = evolvability.adaptation_times(config, result.state, "ZW", 300)
    assert content["times"] == expected.tolist() and content["generation"] == 100
    assert content["goal_code"] == goal_code(experiment_for(config).task, "ZW")
    times, title = evolvability.read_adaptation(result.run_dir, 100)
    np.testing.assert_array_equal(times, np.where(expected < 0, np.nan, expected))
    assert evolvability.read_adaptation(result.run_dir, 50) is None  # measured from another generation
    assert "held-out ZW (limit 300)" in title

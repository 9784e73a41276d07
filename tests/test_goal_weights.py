"""Continuous-goal schedules: the goal changes exactly at the configured steps, is drawn from
the configured set, never a held-out goal, and stays traced (one compile for every goal)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import goal_weights
from evojax_mod.schedules import goal_trajectory
from evojax_mod.config import ConfigError, FixedGoalConfig, MvgGoalConfig, RmvgGoalConfig, config_from_dict

KEY = jax.random.PRNGKey(7)
N = 61  # generations 0..60: epochs 0..5 at period 10 (generation 60 is the last of epoch 5)


def _trajectory(section, n=N):
    return np.asarray(goal_trajectory(goal_weights.schedule_from(section, 2), KEY, n))


def _epochs(period, n=N):
    return np.maximum(np.arange(n) - 1, 0) // period


def test_fixed_goal_never_changes():
    goals = _trajectory(FixedGoalConfig(goals=((2.0, -1.0),)))
    np.testing.assert_array_equal(goals, np.tile([2.0, -1.0], (N, 1)))
    assert not goal_weights.schedule_from(FixedGoalConfig(), 2).varies


def test_mvg_switches_exactly_every_period():
    goals = _trajectory(MvgGoalConfig(goals=((1.0, 1.0), (1.0, -1.0), (0.5, 2.0)), period=10))
    expected = np.asarray([(1.0, 1.0), (1.0, -1.0), (0.5, 2.0)])[_epochs(10) % 3]
    np.testing.assert_array_equal(goals, expected)
    changes = np.flatnonzero(np.any(goals[1:] != goals[:-1], axis=1)) + 1
    np.testing.assert_array_equal(changes, [11, 21, 31, 41, 51])


def test_rmvg_integer_draws_once_per_epoch_from_the_allowed_set():
    section = RmvgGoalConfig(period=10, low=-2, high=2, integer=True, nonzero=True, holdout=((-1.0, 2.0),))
    goals = _trajectory(section, 1001)
    epochs = _epochs(10, 1001)
    for e in np.unique(epochs):  # constant within an epoch
        assert np.all(goals[epochs == e] == goals[epochs == e][0])
    per_epoch = np.asarray([goals[epochs == e][0] for e in np.unique(epochs)])
    assert np.all(np.isin(per_epoch, [-2, -1, 1, 2]))  # integers of the box, never 0
    assert not np.any(np.all(per_epoch == [-1, 2], axis=1))  # never the held-out goal
    assert len({tuple(g) for g in per_epoch}) == 15  # every other goal of the 4 x 4 box is drawn
    changed = np.flatnonzero(np.any(goals[1:] != goals[:-1], axis=1)) + 1
    assert set(changed) <= {10 * e + 1 for e in range(1, 101)}  # only at epoch starts


def test_rmvg_uniform_goals_stay_in_the_box_and_out_of_the_holdout_radius():
    section = RmvgGoalConfig(period=1, low=-1, high=3, integer=False, holdout=((1.0, 1.0),), holdout_radius=0.75)
    goals = _trajectory(section, 400)
    assert np.all((goals >= -1) & (goals < 3))
    assert np.min(np.linalg.norm(goals - [1.0, 1.0], axis=1)) > 0.75
    assert len(np.unique(goals[:, 0])) > 390  # continuous draws, a new one every step


def test_goals_are_traced_one_compile_for_every_generation():
    schedule = goal_weights.schedule_from(RmvgGoalConfig(period=3), 2)
    next_goal = jax.jit(schedule.next_goal)
    goals = {tuple(np.asarray(next_goal(KEY, jnp.int32(g), jnp.zeros(2)))) for g in range(1, 40)}
    assert len(goals) > 3 and next_goal._cache_size() == 1


@pytest.mark.parametrize("schedule, message", [
    ({"kind": "fixed", "goals": [[1, 1, 1]]}, "config key 'schedule.goals': expected goals of 2 coefficients each"),
    ({"kind": "fixed", "goals": [[1, 1], [2, 2]]}, "config key 'schedule.goals': expected a list of exactly one goal"),
    ({"kind": "mvg", "goals": [[1, 1]]}, "config key 'schedule.goals': expected a list of at least two goals"),
    ({"kind": "rmvg", "low": 0.5, "high": 1.5}, "config key 'schedule.high': expected at least two integers"),
    ({"kind": "rmvg", "low": 1, "high": 2, "holdout": [[1, 1], [2, 2], [1, 2]]},
     "config key 'schedule.holdout': expected at least two integer goals left"),
    ({"kind": "switch", "goals": ["and", "or"]}, "config key 'schedule.kind': expected one of: fixed, mvg, rmvg"),
])
def test_bad_goal_schedules_are_one_line_config_errors(schedule, message):
    data = {"problem": {"kind": "digit_pairs"}, "schedule": schedule, "genome": {"kind": "mlp", "layers": [128, 1]},
            "selection": {"kind": "optax"}, "run": {"population": 4}}
    with pytest.raises(ConfigError) as err:
        config_from_dict(data)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)

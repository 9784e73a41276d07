import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.schedules import (RANDOM_GOAL_IDS, SCHEDULES, FixedSchedule, MvgSchedule,
                                  RandomSchedule, RmvgSchedule, Schedule, SwitchSchedule,
                                  feistel_bits, goal_trajectory, keyed_permutation,
                                  schedule_from)
from evojax_mod.tasks import COMBINERS, family_codes, get_task, goal_code

RETINA = get_task("retina")
XOR3 = get_task("xor3")
AND, OR, XOR = COMBINERS["and"], COMBINERS["or"], COMBINERS["xor"]
GENERATIONS = list(range(201))
KEY = jax.random.PRNGKey(7)


def stepped(schedule, key=KEY, generations=GENERATIONS):
    """Goals at generations 0.. as the engine makes them: initial_goal, then jitted next_goal."""
    step = jax.jit(schedule.next_goal)
    goals = [schedule.initial_goal(key)]
    for g in generations[1:]:
        goals.append(step(key, jnp.int32(g), goals[-1]))
    assert all(goal.dtype == jnp.int32 and goal.shape == () for goal in goals)
    return [int(goal) for goal in goals]


def scanned(schedule, key=KEY, n=len(GENERATIONS)):
    return np.asarray(jax.jit(goal_trajectory, static_argnums=(0, 2))(schedule, key, n)).tolist()


def epoch_draws(schedule, key, n_epochs):
    """The goal of epochs 0..n_epochs-1, read at each epoch's first generation 1 + e * period."""
    gens = 1 + schedule.period * jnp.arange(n_epochs, dtype=jnp.int32)
    draw = jax.jit(jax.vmap(lambda g: schedule.next_goal(key, g, jnp.int32(0))))
    return np.asarray(draw(gens))


# --- listed goals ---------------------------------------------------------------------------

def test_fixed_against_plain_python():
    schedule = schedule_from("fixed", RETINA, goals=["or", "and"])
    assert schedule == FixedSchedule((OR,)) and schedule.listed_goals == (OR,)
    assert stepped(schedule) == scanned(schedule) == [OR] * 201


@pytest.mark.parametrize("goals, period", [(["and", "or"], 20), (["and", "or"], 1),
                                           (["and", "L ^ R", 14], 7)])
def test_mvg_against_sferes_rule(goals, period):
    codes = [goal_code(RETINA, g) for g in goals]
    schedule = schedule_from("mvg", RETINA, goals=goals, period=period)
    expected = [codes[(max(g - 1, 0) // period) % len(codes)] for g in GENERATIONS]
    assert stepped(schedule) == scanned(schedule) == expected
    assert schedule.listed_goals == tuple(codes)


def test_mvg_first_switch_is_after_generation_period():
    goals = scanned(schedule_from("mvg", RETINA, goals=["and", "or"], period=20), n=42)
    assert goals[:21] == [AND] * 21 and goals[21:41] == [OR] * 20 and goals[41] == AND


@pytest.mark.parametrize("switch_at", [0, 50, 200])
def test_switch_against_plain_python(switch_at):
    schedule = schedule_from("switch", RETINA, goals=["and", "or"], switch_at=switch_at)
    expected = [OR if g > switch_at else AND for g in GENERATIONS]
    assert stepped(schedule) == scanned(schedule) == expected
    assert schedule.listed_goals == (AND, OR)


# --- the keyed permutation -------------------------------------------------------------------

@jax.jit
def _permutation_of(keys, n_array):
    """uint32 [seeds, n]: keyed_permutation of every position 0..n-1 for each key."""
    n = n_array.shape[0]
    return jax.vmap(lambda k: jax.vmap(lambda p: keyed_permutation(k, p, n))(n_array))(keys)


def permutations(keys, n):
    return np.asarray(_permutation_of(keys, jnp.arange(n, dtype=jnp.uint32))).tolist()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 17, 218, 1000, 4097])
def test_keyed_permutation_is_a_bijection(n):
    for perm in permutations(jax.random.split(jax.random.PRNGKey(n), 3), n):
        assert sorted(perm) == list(range(n))


def test_keyed_permutation_depends_on_the_key():
    perms = {tuple(p) for p in permutations(jax.random.split(jax.random.PRNGKey(1), 5), 218)}
    assert len(perms) == 5 and tuple(range(218)) not in perms
    # every order of 3 items is reachable
    orders = permutations(jax.random.split(jax.random.PRNGKey(0), 200), 3)
    assert len({tuple(o) for o in orders}) == 6


def test_feistel_domain_is_the_smallest_even_power_of_two():
    assert [feistel_bits(n) for n in (1, 2, 4, 5, 16, 17, 218, 64594, 65536, 65537)] == \
        [2, 2, 2, 4, 4, 6, 8, 16, 16, 18]


# --- rmvg ------------------------------------------------------------------------------------

@pytest.mark.parametrize("task, holdout", [(RETINA, []), (RETINA, ["xor"]), (XOR3, []),
                                           (XOR3, ["A ^ B ^ C", "A & B & C"])])
def test_rmvg_draws_each_family_member_once_per_cycle(task, holdout):
    schedule = schedule_from("rmvg", task, period=3, family="all", holdout=holdout)
    held = {goal_code(task, h) for h in holdout}
    family = set(family_codes(task.n_sub_goals).tolist()) - held
    assert set(schedule.family) == family and schedule.listed_goals == ()
    f = len(family)
    draws = epoch_draws(schedule, KEY, 3 * f + 5)
    for c in range(3):  # each cycle of F epochs is a permutation of the family: no repeats
        assert sorted(draws[c * f:(c + 1) * f].tolist()) == sorted(family)
    assert set(draws.tolist()) <= family  # never a holdout, never outside the family
    assert not np.array_equal(draws[:f], draws[f:2 * f])  # a fresh permutation per cycle


def test_rmvg_against_its_epochs_generation_by_generation():
    period = 4
    schedule = schedule_from("rmvg", RETINA, period=period)
    draws = epoch_draws(schedule, KEY, 60)
    expected = [int(draws[max(g - 1, 0) // period]) for g in GENERATIONS]
    assert stepped(schedule) == scanned(schedule) == expected


def test_rmvg_over_the_64594_goals_of_four_sub_goals():
    task = get_task("tests.test_tasks:four_sub_goal_task")
    schedule = schedule_from("rmvg", task, period=1, family="all")
    assert len(schedule.family) == 64594
    draws = epoch_draws(schedule, KEY, 3000).tolist()
    assert len(set(draws)) == 3000 and set(draws) <= set(family_codes(4).tolist())


def test_rmvg_listed_family_and_same_draws_for_any_seed_batch():
    schedule = schedule_from("rmvg", RETINA, period=2, family=["and", "or", "xor", 9])
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.PRNGKey(0), i))(jnp.arange(8))
    per_seed = jax.jit(jax.vmap(lambda k: jax.vmap(
        lambda g: schedule.next_goal(k, g, jnp.int32(0)))(jnp.arange(60))))
    all_eight = np.asarray(per_seed(keys))
    np.testing.assert_array_equal(np.asarray(per_seed(keys[:1])), all_eight[:1])
    np.testing.assert_array_equal(np.asarray(per_seed(keys[3:6])), all_eight[3:6])
    np.testing.assert_array_equal(stepped(schedule, keys[5], list(range(60))), all_eight[5])
    assert set(all_eight.ravel().tolist()) == {AND, OR, XOR, 9}
    assert len({tuple(r) for r in all_eight.tolist()}) == 8  # each seed its own sequence


# --- random (Kashtan & Alon's control) ---------------------------------------------------------

def test_random_goals_change_every_period_and_are_fair_functions_of_all_inputs():
    period = 5
    schedule = schedule_from("random", RETINA, period=period)
    assert isinstance(schedule, RandomSchedule) and schedule.listed_goals == ()
    goals = stepped(schedule)
    assert goals == scanned(schedule)
    epochs = [max(g - 1, 0) // period for g in GENERATIONS]
    for g in GENERATIONS[1:]:  # constant within an epoch, new at each epoch's first generation
        assert (goals[g] == goals[g - 1]) == (epochs[g] == epochs[g - 1])
    assert all(0 <= goal < RANDOM_GOAL_IDS for goal in goals)
    tables = np.stack([np.asarray(schedule.target(jnp.int32(goal), RETINA)) for goal in set(goals)])
    assert tables.shape == (len(set(goals)), RETINA.n_patterns) and tables.dtype == bool
    assert abs(tables.mean() - 0.5) < 0.02  # 41 x 256 fair coins: sd 0.005
    assert len({tuple(t) for t in tables}) == len(tables)  # each id its own function
    sub_goal_tables = {tuple(np.asarray(Schedule.target(schedule, code, RETINA)))
                       for code in range(16)}
    assert not sub_goal_tables & {tuple(t) for t in tables}  # none is a function of L and R
    # a goal id names one function, whichever seed drew it
    np.testing.assert_array_equal(schedule.target(jnp.int32(goals[-1]), RETINA),
                                  jax.jit(schedule.target, static_argnums=1)(jnp.int32(goals[-1]), RETINA))


def test_random_goals_are_per_seed_and_the_same_for_any_seed_batch():
    schedule = schedule_from("random", get_task("circuits"), period=1)
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.PRNGKey(3), i))(jnp.arange(6))
    per_seed = jax.jit(jax.vmap(lambda k: jax.vmap(
        lambda g: schedule.next_goal(k, g, jnp.int32(0)))(jnp.arange(1, 40))))
    six = np.asarray(per_seed(keys))
    np.testing.assert_array_equal(np.asarray(per_seed(keys[2:4])), six[2:4])
    assert len({tuple(r) for r in six.tolist()}) == 6 and len(set(six[0].tolist())) > 30


# --- construction ------------------------------------------------------------------------------

def test_schedules_are_hashable_static_values():
    a = schedule_from("rmvg", XOR3, period=5, holdout=["A & B & C"])
    b = schedule_from("rmvg", XOR3, period=5, holdout=["A & B & C"])
    assert a == b and hash(a) == hash(b) and a != schedule_from("rmvg", XOR3, period=5)
    assert hash(schedule_from("mvg", RETINA, goals=["and", "or"], period=3)) == \
        hash(MvgSchedule((AND, OR), 3))
    assert set(SCHEDULES) == {"fixed", "mvg", "switch", "rmvg", "random"}
    assert SCHEDULES["switch"] is SwitchSchedule and SCHEDULES["rmvg"] is RmvgSchedule


@pytest.mark.parametrize("kind, fields, fragment", [
    ("sometimes", {}, "unknown schedule kind"),
    ("fixed", {}, "at least one goal"),
    ("mvg", {"goals": ["and", "or"]}, "period"),
    ("mvg", {"goals": ["and"], "period": 0}, "period"),
    ("switch", {"goals": ["and"], "switch_at": 3}, "exactly two goals"),
    ("switch", {"goals": ["and", "or"]}, "switch_at"),
    ("rmvg", {"period": 2, "family": ["and", "or"], "holdout": ["or"]}, "at least 2"),
    ("rmvg", {"period": 2, "family": "most"}, "family"),
    ("rmvg", {"period": 2, "family": ["and", "Q"]}, "unknown sub-goal"),
    ("random", {}, "period"),
])
def test_bad_schedules_are_value_errors(kind, fields, fragment):
    with pytest.raises(ValueError, match=fragment):
        schedule_from(kind, RETINA, **fields)


def test_schedules_module_does_not_import_the_config():
    code = ("import sys, types; pkg = types.ModuleType('evojax_mod'); pkg.__path__ = ['evojax_mod']; "
            "sys.modules['evojax_mod'] = pkg; import evojax_mod.schedules; "
            "assert 'evojax_mod.config' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

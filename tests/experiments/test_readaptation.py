import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.config import config_from_dict
from evojax_mod.experiments.clune import CluneExperiment, GoalSwitches
from evojax_mod.experiments.readaptation import Readaptation
from tests.experiments.plain_readaptation import plain_readaptation, solved_while_active
from tests.experiments.test_clune import SMALL


@st.composite
def switch_records(draw):
    """Per-generation records of a run: goals (few distinct, so switches come in runs), hits,
    and a solved generation that, once reached, stays."""
    n = draw(st.integers(2, 40))
    goals = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    hits = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    solved = draw(st.integers(-1, n - 1))
    return goals, hits, [solved if 0 <= solved <= g else -1 for g in range(n)]


@settings(max_examples=60, deadline=None)
@given(switch_records())
def test_readaptation_record_follows_a_plain_tally_of_switches(records_):
    goals, hits, solved = records_
    r = Readaptation.start()
    for g in range(len(goals)):
        r = r.update(jnp.bool_(g > 0 and goals[g] != goals[g - 1]), jnp.bool_(g > 0 and solved[g - 1] >= 0),
                     jnp.bool_(hits[g]), jnp.int32(g))
    times, missed = plain_readaptation(goals, hits, solved)
    assert (int(r.count), int(r.total), int(r.missed)) == (len(times), sum(times), missed)
    assert float(r.mean) == (pytest.approx(np.mean(times)) if times else -1.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 40).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from([3, 8, 14]), min_size=n, max_size=n), st.lists(st.booleans(), min_size=n, max_size=n))))
def test_clune_switch_record_counts_a_switch_once_every_listed_goal_was_solved_while_active(records_):
    """Goal 3 is never listed: hits while it is active do not make the run solved."""
    goals, hits = records_
    listed = (8, 14)
    update = jax.jit(GoalSwitches.update, static_argnums=1)
    record = GoalSwitches.start(len(listed))
    for g in range(len(goals)):
        record = update(record, listed, jnp.int32(goals[g]), jnp.bool_(g > 0 and goals[g] != goals[g - 1]),
                        jnp.bool_(hits[g]), jnp.int32(g))
    times, missed = plain_readaptation(goals, hits, solved_while_active(goals, hits, list(listed)))
    r = record.readaptation
    assert (int(r.count), int(r.total), int(r.missed)) == (len(times), sum(times), missed)


def clune_mvg_config():
    """MVG between 'never' (code 0) and 'always' (code 15) every 3 generations: each is solved by
    the sign of one output bias, so a small population solves both and re-adapts often (without
    diversity, which would keep both kinds of network and make every re-adaptation instant)."""
    return config_from_dict({"schedule": {"kind": "mvg", "goals": [0, 15], "period": 3},
                             "objectives": {"diversity": False}, "run": SMALL["run"]})


def test_clune_mvg_records_readaptation_every_generation_and_logs_it():
    """A Clune run under MVG: its record equals the plain tally of its own generations, and the
    metrics row carries it; a fixed goal has neither the record nor the columns."""
    exp = CluneExperiment(clune_mvg_config())
    assert exp.metric_names[-3:] == ("readaptation_generations", "readapted_switches", "missed_switches")
    fixed = CluneExperiment(config_from_dict(SMALL))
    assert "readaptation_generations" not in fixed.metric_names
    assert jax.eval_shape(fixed.init, jax.random.PRNGKey(0)).switches is None
    step, init = jax.jit(exp.step), jax.jit(exp.init)
    state = init(jax.random.PRNGKey(3))
    goals, hits = [], []
    for g in range(60):
        if g:
            state = step(state)
        goals.append(int(state.goal))
        hits.append(bool(np.any(np.asarray(state.objectives[:, 0]) >= 1.0)))
    times, missed = plain_readaptation(goals, hits, solved_while_active(goals, hits, [0, 15]))
    r = state.switches.readaptation
    assert len(times) >= 5, "the run must count some switches for the test to mean anything"
    assert (int(r.count), int(r.total), int(r.missed)) == (len(times), sum(times), missed)
    assert sum(times) > 0, "some switch must take a generation or more, or every count would pass"
    row, _ = exp.metrics(state)
    values = dict(zip(exp.metric_names, np.asarray(row).tolist()))
    assert values["readaptation_generations"] == pytest.approx(np.mean(times))
    assert (values["readapted_switches"], values["missed_switches"]) == (len(times), missed)

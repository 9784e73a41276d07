"""Which parent a Clune run's champion metrics describe (`selection.champion`), against plain
readings of each rule on random populations with many ties."""
from types import SimpleNamespace

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.config import ConfigError, config_from_dict
from evojax_mod.experiments.clune import CHAMPIONS, fewest_edges_champion, stat_modularity_champion
from evojax_mod.experiments.registry import experiment_for


def plain_stat_modularity(objectives: np.ndarray) -> int:
    """Sferes2's stat_modularity as it reads: the non-dominated front (every column maximised),
    sorted by each column in order, highest first; its first individual (lowest index on ties)."""
    n = len(objectives)
    dominated = [any(np.all(objectives[j] >= objectives[i]) and np.any(objectives[j] > objectives[i])
                     for j in range(n)) for i in range(n)]
    front = [i for i in range(n) if not dominated[i]]
    return sorted(front, key=lambda i: (*(-objectives[i]), i))[0]


populations = st.integers(1, 30).flatmap(lambda n: st.integers(1, 3).flatmap(lambda m: st.lists(
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, -3.0, -7.5]), min_size=m, max_size=m), min_size=n, max_size=n)))


@settings(max_examples=200, deadline=None)
@given(populations)
def test_stat_modularity_takes_the_front_sorted_by_the_objectives(rows):
    objectives = np.asarray(rows, np.float32)
    got = int(stat_modularity_champion(SimpleNamespace(objectives=jnp.asarray(objectives))))
    assert got == plain_stat_modularity(objectives)


@settings(max_examples=100, deadline=None)
@given(populations, st.data())
def test_fewest_edges_takes_the_best_performance_then_the_sparsest(rows, data):
    objectives = np.asarray(rows, np.float32)
    n = len(objectives)
    masks = np.asarray(data.draw(st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=n, max_size=n)))
    state = SimpleNamespace(objectives=jnp.asarray(objectives), parents=SimpleNamespace(edge_mask=jnp.asarray(masks)))
    want = sorted(range(n), key=lambda i: (-objectives[i, 0], masks[i].sum(), i))[0]
    assert int(fewest_edges_champion(state)) == want


def test_the_config_chooses_the_rule_and_names_the_choices():
    config = {"selection": {"kind": "nsga2", "champion": "stat_modularity"}, "run": {"population": 10}}
    exp = experiment_for(config_from_dict(config))
    objectives = jnp.asarray([[1.0, -5.0], [1.0, -2.0], [0.5, -1.0]])
    state = SimpleNamespace(objectives=objectives, parents=SimpleNamespace(edge_mask=jnp.asarray([[1, 1], [1, 1], [0, 0]])))
    assert int(exp.champion_index(state)) == 1  # the cheaper of the two perfect ones
    assert set(CHAMPIONS) == {"fewest_edges", "stat_modularity"}
    with pytest.raises(ConfigError, match="selection.champion.*fewest_edges, stat_modularity"):
        config_from_dict({"selection": {"kind": "nsga2", "champion": "best"}})

"""The registry and ``compute``: batched = per network, tidy columns, perfect scores on a
block-diagonal network."""
import numpy as np
import pytest

from evojax_mod.experiments.base import SUMMARIES
from evojax_mod.measures import REGISTRY, Measure, compute, rows
from evojax_mod.measures import maxq
from evojax_mod.measures.hierarchy import global_reaching_centrality
from evojax_mod.measures.spectral_kl import spectral_kl_q
from tests.measures.graphs import FF_LAYER, FF_MODULES, ff_net, random_graph


def population(s=2, i=3, n=8):
    adjacency = np.stack([np.triu(random_graph(k, n, p=0.4), 1) for k in range(s * i)])
    return {"adjacency": adjacency.reshape(s, i, n, n), "node_mask": np.ones((s, i, n), bool)}


def test_registry_entries_are_well_formed():
    for name, measure in REGISTRY.items():
        assert measure.name == name and measure.summary in SUMMARIES
        assert measure.better in ("max", "min", "")
    with pytest.raises(ValueError):
        Measure("x", "x", ("weights",), ("adjacency",), spectral_kl_q)


def test_batched_equals_per_network():
    data = population()
    table = compute(["qw", "louvain", "grc"], data)
    assert list(table["seed"]) == [0, 0, 0, 1, 1, 1] and list(table["individual"]) == [0, 1, 2] * 2
    for r, row in enumerate(rows(table)):
        a = data["adjacency"][row["seed"], row["individual"]]
        assert row["qw"] == pytest.approx(float(spectral_kl_q(a, np.ones(8, bool))), abs=1e-6)
        assert row["louvain"] == pytest.approx(maxq.louvain(a)[0], abs=1e-12)
        assert row["grc"] == pytest.approx(float(global_reaching_centrality(a.T, np.ones(8, bool))), abs=1e-6)


def test_block_diagonal_network_scores_perfectly():
    a = ff_net()[None, None]
    # each module carries one of two exactly uncorrelated ±1 signals
    acts = np.stack([np.tile([1, -1], 32), np.tile([1, 1, -1, -1], 16)])[FF_MODULES]
    data = {"adjacency": a, "node_mask": np.ones((1, 1, 10), bool), "layer": FF_LAYER[None, None],
            "activations": acts[None, None], "hidden": np.ones((1, 1, 10), bool),
            "groups": FF_MODULES[None, None]}
    names = ["q", "qw", "qu", "louvain", "leiden", "ncut", "coact"]
    row = rows(compute(names, data, {"ncut": {"n_shuffles": 0}, "coact": {"n_shuffles": 0}}))[0]
    for name in ["q", "qw", "qu", "louvain", "leiden"]:
        assert row[name] == pytest.approx(0.5, abs=1e-6)  # = exact max-Q of two equal halves
    assert row["ncut"] == pytest.approx(0.0, abs=1e-6)
    assert row["coact_ncut"] == pytest.approx(0.0, abs=1e-6)


def test_errors_name_the_problem():
    with pytest.raises(KeyError, match="unknown"):
        compute(["nope"], population())
    with pytest.raises(KeyError, match="layer"):
        compute(["ncut"], population())


def test_information_between_modules_is_nan_for_a_network_of_one_module():
    activations = np.random.default_rng(0).integers(0, 2, (1, 1, 4, 16)).astype(float)
    one_module = np.zeros((1, 1, 4), int)
    table = compute(["mi", "mi_bool"], {"activations": activations, "groups": one_module,
                                        "hidden": np.ones((1, 1, 4), bool)})
    assert np.isnan(table["mi"]).all() and np.isnan(table["mi_bool"]).all()

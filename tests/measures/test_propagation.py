"""Information propagation: the known networks of issue 36 (an identity chain keeps influence 1
at every distance, a blocked layer cuts it to 0 beyond, two disconnected modules have locality
1), the influence and every summary equal to a plain numpy loop over inputs, units and patterns
on a random MLP, batched over networks = per network, and Clune's layered family, whose clamped
inputs are the inputs set in the patterns themselves.

Two MLP families (identity, tanh) of one shape and the retina's layered family: three compiles."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.tree_util import Partial

from evojax_mod.families.layered import LayeredFamily
from evojax_mod.families.mlp import MlpFamily
from evojax_mod.genomes import layered
from evojax_mod.measures import compute, rows
from evojax_mod.measures.propagation import FLOOR, propagation
from evojax_mod.tasks import get_task

SHAPE = (4, 4, 4, 2)
LINEAR, TANH = MlpFamily(layers=SHAPE, activation="identity"), MlpFamily(layers=SHAPE, activation="tanh")
LAYER = LINEAR.layer_of
INPUTS = LINEAR.inputs
EVERY_PATTERN = jnp.asarray(np.array(np.meshgrid(*[[-1.0, 1.0]] * 4)).reshape(4, -1).T)  # all 16
HALVES = np.array([0, 0, 1, 1] * 3 + [0, 1])  # two modules: the left and right half of every layer


def two_blocks(n_in, n_out):
    return np.kron(np.eye(2), np.ones((n_in // 2, n_out // 2)))


def mlp(key, keep=None, bias=0.0):
    """TANH-shaped parameters from ``key`` (kernels times the 0/1 masks ``keep``), random
    biases of standard deviation ``bias``."""
    params = TANH.init(jax.random.PRNGKey(key))
    keys = jax.random.split(jax.random.PRNGKey(key + 100), len(params))
    keep = keep or [1.0] * len(params)
    return {f"Dense_{i}": {"kernel": params[f"Dense_{i}"]["kernel"] * keep[i],
                           "bias": bias * jax.random.normal(keys[i], params[f"Dense_{i}"]["bias"].shape)}
            for i in range(len(params))}


def measure(family, params, labels=None, x=EVERY_PATTERN):
    out = propagation(Partial(family.node_values, params, x), labels, layer=family.layer_of, inputs=family.inputs)
    return jax.tree.map(np.asarray, out)


def test_identity_chain_keeps_influence_1_at_every_distance():
    chain = {f"Dense_{i}": {"kernel": jnp.eye(4, n), "bias": jnp.zeros(n)} for i, n in enumerate(SHAPE[1:])}
    out = measure(LINEAR, chain)
    np.testing.assert_allclose(out["propagation"], 1.0, atol=1e-6)  # the 2 outputs copy inputs 0 and 1
    np.testing.assert_allclose(out["decay"], 0.0, atol=1e-6)
    np.testing.assert_allclose(out["influence"][:, 4:8], np.eye(4), atol=1e-6)  # input i -> unit i only
    # one channel per input: 1/4 in the two 4-unit layers (8 input-layer pairs), 1/2 in the outputs (2)
    np.testing.assert_allclose(out["spread"], (8 / 4 + 2 / 2) / 10, atol=1e-6)


def test_blocked_layer_cuts_influence_beyond_it():
    out = measure(TANH, mlp(0, keep=[1.0, 0.0, 1.0], bias=0.5))  # no weight into layer 2
    assert out["propagation"][1] > 0.1
    np.testing.assert_array_equal(out["propagation"][2:], 0.0)
    np.testing.assert_array_equal(out["influence"][:, 8:], 0.0)
    assert out["decay"] < np.log(FLOOR) / 3  # floored, finite, steep


def test_two_disconnected_modules_have_locality_1_and_a_dense_net_does_not():
    blocks = measure(TANH, mlp(1, keep=[two_blocks(4, 4), two_blocks(4, 4), two_blocks(4, 2)]), HALVES)
    dense = measure(TANH, mlp(1), HALVES)
    assert blocks["locality"] == 1.0 and blocks["locality_chance"] == 0.5
    assert dense["locality"] < 0.9 and dense["locality_chance"] == 0.5
    assert blocks["spread"] < 0.55 < dense["spread"]  # half of each layer versus all of it


def numpy_values(params, x, clamp_node=None, level=0.0):
    """float [N, P] of TANH by a plain loop over layers, input ``clamp_node`` set to ``level``."""
    h = np.array(x, float)
    if clamp_node is not None:
        h[:, clamp_node] = level
    values = [h]
    for i in range(len(SHAPE) - 1):
        z = h @ np.asarray(params[f"Dense_{i}"]["kernel"], float) + np.asarray(params[f"Dense_{i}"]["bias"], float)
        h = np.tanh(z) if i < len(SHAPE) - 2 else z
        values.append(h)
    return np.concatenate(values, axis=1).T


def numpy_propagation(params, x, labels):
    """Every quantity of the module docstring, one input, unit and pattern at a time."""
    layer = np.asarray(LAYER)
    n_in, n, depth = len(INPUTS), len(layer), layer.max()
    inf = np.zeros((n_in, n))
    for i in range(n_in):
        high, low = numpy_values(params, x, i, 1.0), numpy_values(params, x, i, -1.0)
        for u in range(n):
            inf[i, u] = np.sqrt(np.mean([(high[u, p] - low[u, p]) ** 2 for p in range(len(x))])) / 2.0
    rms = [np.sqrt(np.mean([inf[i, u] ** 2 for i in range(n_in) for u in range(n) if layer[u] == d]))
           for d in range(depth + 1)]
    prop = np.array(rms) / rms[0]
    decay = np.polyfit(np.arange(depth + 1), np.log(np.maximum(prop, FLOOR)), 1)[0]
    ratios = []
    for i in range(n_in):
        for d in range(1, depth + 1):
            row = inf[i, layer == d]
            if len(row) >= 2 and row.sum() > 0:
                ratios.append(row.sum() ** 2 / (len(row) * (row ** 2).sum()))
    shares, chances = [], []
    for i in range(n_in):
        later = [u for u in range(n) if layer[u] > 0 and labels[u] >= 0]
        own = [u for u in later if labels[u] == labels[i]]
        if sum(inf[i, later]) > 0:
            shares.append(sum(inf[i, own]) / sum(inf[i, later]))
            chances.append(len(own) / len(later))
    return {"influence": inf, "propagation": prop, "decay": decay, "spread": np.mean(ratios),
            "locality": np.mean(shares), "locality_chance": np.mean(chances)}


def test_every_quantity_equals_the_numpy_loop_on_a_random_mlp():
    params = mlp(2, bias=0.3)
    labels = np.array([0, 1, 1, 0, 1, 0, 0, -1, 1, 1, 0, 0, -1, 1])  # any partition, some unlabelled
    x = EVERY_PATTERN[::2] * jnp.array([1.0, 1.0, 1.0, 0.5])  # 8 patterns, not all of them +-1
    out, ref = measure(TANH, params, labels, x), numpy_propagation(params, x, labels)
    for name, value in ref.items():
        np.testing.assert_allclose(out[name], value, rtol=2e-5, atol=1e-6, err_msg=name)


def test_batched_over_networks_equals_per_network():
    nets = [mlp(k, bias=0.2) for k in (3, 4, 5)]
    batched = jax.vmap(lambda p: propagation(Partial(TANH.node_values, p, EVERY_PATTERN), jnp.asarray(HALVES),
                                             layer=LAYER, inputs=INPUTS))(jax.tree.map(lambda *a: jnp.stack(a), *nets))
    for k, params in enumerate(nets):
        single = measure(TANH, params, jnp.asarray(HALVES))
        for name, value in single.items():
            np.testing.assert_allclose(batched[name][k], value, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_layered_family_clamps_inputs_as_the_patterns_would_set_them():
    family = LayeredFamily(layered.LayeredSpec().validated())
    x = jnp.asarray(get_task("retina").inputs_pm1())
    genome = family.init(jax.random.PRNGKey(7))
    out = measure(family, genome, x=x)
    i, unit = 5, family.n_nodes - 1  # input 5 on the output, by flipping it in the patterns
    high, low = (family.node_values(genome, x.at[:, i].set(level))[unit] for level in (1.0, -1.0))
    np.testing.assert_allclose(out["influence"][i, unit], np.sqrt(np.mean((high - low) ** 2)) / 2, rtol=1e-5)
    assert out["propagation"].shape == (len(family.spec.layers),) 
    np.testing.assert_allclose(out["propagation"][0], 1.0, rtol=1e-6)


def test_the_registry_measure_is_the_direct_one():
    params = mlp(6, bias=0.2)
    values = Partial(TANH.node_values, params, EVERY_PATTERN)
    data = {"interventions": np.empty((1, 1), dtype=object), "layer": np.asarray(LAYER)[None, None],
            "groups": HALVES[None, None]}
    data["interventions"][0, 0] = values
    row = rows(compute(["propagation"], data))[0]
    direct = measure(TANH, params, jnp.asarray(HALVES))
    for column, name in (("prop_decay", "decay"), ("prop_spread", "spread"), ("prop_locality", "locality")):
        assert row[column] == pytest.approx(float(direct[name]), rel=1e-5, abs=1e-6)
    assert row["prop_output"] == pytest.approx(float(direct["propagation"][-1]), rel=1e-5, abs=1e-6)

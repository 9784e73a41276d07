"""Node layouts, the wiring cost and BIMT's swap passes against plain numpy references, and the
regularisers' schedule."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import layout as L
from evojax_mod.config import CLUNE_X, CLUNE_Y, layer_coordinates
from evojax_mod.regularisers import Regularisation, bias_l1_minimise

LAYERS = (4, 6, 5, 2)


def layered_magnitude(rng, layers=LAYERS, density=0.6) -> np.ndarray:
    """float32 [N, N]: |w| on random edges between neighbouring layers only."""
    offsets = np.cumsum((0,) + layers)
    m = np.zeros((offsets[-1],) * 2, np.float32)
    for l in range(len(layers) - 1):
        block = rng.random((layers[l], layers[l + 1])) * (rng.random((layers[l], layers[l + 1])) < density)
        m[offsets[l]:offsets[l + 1], offsets[l + 1]:offsets[l + 2]] = block
    return m


def numpy_distances(positions: np.ndarray, distance: str) -> np.ndarray:
    dx = positions[:, None, 0] - positions[None, :, 0]
    dy = positions[:, None, 1] - positions[None, :, 1]
    return np.abs(dx) if distance == "horizontal" else np.sqrt(dx ** 2 + dy ** 2)


def numpy_wiring(magnitude, positions, distance) -> float:
    total = 0.0
    for i, j in zip(*np.nonzero(magnitude)):
        total += magnitude[i, j] * numpy_distances(positions, distance)[i, j]
    return total


def numpy_swap_pass(magnitude, positions, layer_of, top_k, distance) -> np.ndarray:
    """BIMT's relocate as its code does it: for each top node, try every swap in its layer,
    recompute the whole cost, keep the cheapest (the first on ties)."""
    positions = positions.astype(np.float64).copy()
    layer_of = np.asarray(layer_of)
    sym = magnitude + magnitude.T
    for layer in range(layer_of.max() + 1):
        slots = np.flatnonzero(layer_of == layer)
        score = sym[slots].sum(1)
        top = slots[np.argsort(-score, kind="stable")[:min(top_k, slots.size)]]
        for j in top:
            costs = []
            for c in slots:
                trial = positions.copy()
                trial[[j, c]] = trial[[c, j]]
                costs.append(numpy_wiring(magnitude, trial, distance))
            c = slots[int(np.argmin(np.round(costs, 5)))]
            positions[[j, c]] = positions[[c, j]]
    return positions


@pytest.mark.parametrize("distance", ["euclidean", "horizontal"])
def test_wiring_cost_matches_numpy_and_is_positive(distance):
    rng = np.random.default_rng(0)
    magnitude = layered_magnitude(rng)
    positions = rng.normal(size=(magnitude.shape[0], 2)).astype(np.float32)
    got = float(L.wiring_cost(jnp.asarray(magnitude), L.Layout(jnp.asarray(positions), distance)))
    assert got == pytest.approx(numpy_wiring(magnitude, positions, distance), rel=1e-5)
    assert got > 0


@pytest.mark.parametrize("distance, seed", [("euclidean", 1), ("horizontal", 2), ("horizontal", 3)])
def test_swap_pass_matches_bimts_relocation_and_never_lengthens_the_wiring(distance, seed):
    rng = np.random.default_rng(seed)
    magnitude = layered_magnitude(rng)
    x, y = layer_coordinates(LAYERS, layout="unit_interval")
    positions = np.stack([x, y], 1).astype(np.float32)
    layer_of = tuple(np.repeat(np.arange(len(LAYERS)), LAYERS))
    layout = L.Layout(jnp.asarray(positions), distance)
    moved = jax.jit(L.swap_pass, static_argnums=(2, 3))(jnp.asarray(magnitude), layout, layer_of, 3)
    expected = numpy_swap_pass(magnitude, positions, layer_of, 3, distance)
    np.testing.assert_allclose(np.asarray(moved.positions), expected, atol=1e-6)
    assert not np.allclose(expected, positions)  # the pass moved something
    # a swap exchanges two nodes of one layer: every layer keeps its slots
    for layer in range(len(LAYERS)):
        rows = np.asarray(layer_of) == layer
        assert sorted(map(tuple, expected[rows])) == sorted(map(tuple, positions[rows]))
    assert numpy_wiring(magnitude, expected, distance) <= numpy_wiring(magnitude, positions, distance) + 1e-6


def test_layouts():
    x, y = layer_coordinates((4, 2), layout="unit_interval")
    assert x == (0.125, 0.375, 0.625, 0.875, 0.25, 0.75)
    assert y == (0.0,) * 4 + (0.1,) * 2
    sx, sy = layer_coordinates((8, 8, 4, 2, 1), layout="shuffled", layout_seed=3)
    assert sx != CLUNE_X
    for start, n in ((0, 8), (8, 8), (16, 4), (20, 2), (22, 1)):  # a permutation within each layer
        assert sorted(sx[start:start + n]) == sorted(CLUNE_X[start:start + n])
        assert set(sy[start:start + n]) == {CLUNE_Y[start]}
    assert layer_coordinates((8, 8, 4, 2, 1), layout="shuffled", layout_seed=3) == (sx, sy)


def test_pressure_schedule_and_the_bias_term():
    reg = Regularisation(schedule=((5001, 10.0), (15001, 1.0)), biases=True, bias_from=15001)
    settings = {"l1": jnp.float32(1e-4), "wiring": jnp.float32(1e-3)}
    for generation, factor, bias in [(1, 1, 0), (5000, 1, 0), (5001, 10, 0), (15000, 10, 0), (15001, 1, 1)]:
        w = reg.weights(settings, jnp.int32(generation))
        assert float(w["wiring"]) == pytest.approx(1e-3 * factor)
        assert float(w["l1"]) == pytest.approx(1e-4 * factor)
        assert float(w["biases"]) == pytest.approx(1e-4 * factor * bias)
    params = {"Dense_0": {"kernel": jnp.ones((2, 3)), "bias": jnp.asarray([1.0, -2.0, 0.5])},
              "Dense_1": {"kernel": -jnp.ones((3, 1)), "bias": jnp.asarray([-4.0])}}
    assert float(bias_l1_minimise(params)) == 7.5

"""The invariance score: 1 for a hand-built network whose hidden units each read one digit of
the pair only, low for a fully mixed one; shares and sets on hand-made movements."""
import jax.numpy as jnp
import numpy as np

from evojax_mod.config import DigitPairsConfig
from evojax_mod.families.mlp import MlpFamily
from evojax_mod.modularity.invariance import invariance_score, movement, probe_movement, shares, unit_sets
from evojax_mod.problems.digit_pairs import digit_pairs_problem

PROBLEM = digit_pairs_problem(DigitPairsConfig(train_pairs=4, test_pairs=64, data_seed=1), batch_size=0)
FAMILY = MlpFamily(layers=(128, 6, 1), activation="tanh")
HIDDEN = jnp.asarray([False] * 128 + [True] * 6 + [False])


def _net(kernel: np.ndarray):
    return {"Dense_0": {"kernel": jnp.asarray(kernel, jnp.float32), "bias": jnp.zeros(6)},
            "Dense_1": {"kernel": jnp.ones((6, 1)), "bias": jnp.zeros(1)}}


def _moved(kernel):
    return probe_movement(lambda x: FAMILY.node_values(_net(kernel), x), jnp.asarray(PROBLEM.probes))


def test_units_reading_one_digit_each_score_one():
    rng = np.random.default_rng(0)
    kernel = np.zeros((128, 6))
    first, second = (np.asarray(g) for g in PROBLEM.input_groups)
    kernel[first, :3] = rng.normal(size=(64, 3))  # units 0-2 read digit 1 only
    kernel[second, 3:5] = rng.normal(size=(64, 2))  # units 3-4 digit 2 only; unit 5 reads nothing
    moved = _moved(kernel)
    assert float(invariance_score(moved, HIDDEN)) == 1.0
    np.testing.assert_array_equal(unit_sets(moved, HIDDEN)[128:134], [0, 0, 0, 1, 1, -1])


def test_units_reading_both_digits_score_low():
    kernel = np.random.default_rng(1).normal(size=(128, 6)) * 0.3
    moved = _moved(kernel)
    assert float(invariance_score(moved, HIDDEN)) < 0.3
    assert np.all(np.asarray(unit_sets(moved, HIDDEN)) == -1)


def test_shares_purity_and_weights_by_hand():
    # units: digit 1 only, digit 2 only, an even mix, a 3:1 mix, silent
    moved = jnp.asarray([[2.0, 0.0, 1.0, 3.0, 0.0], [0.0, 4.0, 1.0, 1.0, 0.0]])
    np.testing.assert_allclose(shares(moved)[0], [1, 0, 0.5, 0.75, 0])
    units = jnp.ones(5, bool)
    # purity 1, 1, 0, 0.5 weighted by movement 2, 4, 2, 4: (2 + 4 + 0 + 2) / 12
    np.testing.assert_allclose(invariance_score(moved, units), 8 / 12, rtol=1e-6)
    np.testing.assert_array_equal(unit_sets(moved, units), [0, 1, -1, -1, -1])
    assert np.isnan(invariance_score(moved, jnp.asarray([False] * 4 + [True])))  # nothing moves


def test_movement_is_the_mean_absolute_change():
    values = jnp.asarray([[0.0, 1.0], [2.0, 2.0]])  # 2 nodes, 2 probes
    changed = jnp.asarray([[[1.0, 0.0], [2.0, 2.0]], [[0.0, 1.0], [0.0, 5.0]]])
    np.testing.assert_allclose(movement(values, changed), [[1.0, 0.0], [0.0, 2.5]])

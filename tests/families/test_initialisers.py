"""Each initialiser's weights have the statistics of its definition (families.initialisers), on
kernels large enough that a wrong variance, fan or support shows; config offers exactly them."""
import jax
import numpy as np
import pytest

from evojax_mod.config import MLP_INITIALISERS
from evojax_mod.families.initialisers import INITIALISERS, SPARSE_FAN_IN

FAN_IN, FAN_OUT = 300, 200
VARIANCE = {"lecun": 1 / FAN_IN, "glorot": 2 / (FAN_IN + FAN_OUT), "he": 2 / FAN_IN}


def _draw(name, shape=(FAN_IN, FAN_OUT), seed=0):
    return np.asarray(INITIALISERS[name]()(jax.random.PRNGKey(seed), shape))


def test_config_offers_every_initialiser():
    assert set(MLP_INITIALISERS) == set(INITIALISERS)


@pytest.mark.parametrize("scheme", sorted(VARIANCE))
def test_variance_scaling_schemes_have_their_variance_and_support(scheme):
    var = VARIANCE[scheme]
    normal, uniform = _draw(f"{scheme}_normal"), _draw(f"{scheme}_uniform")
    # 60 000 draws: the sample variance is within ~1.5 % of the true one
    np.testing.assert_allclose(normal.var(), var, rtol=0.04)
    np.testing.assert_allclose(uniform.var(), var, rtol=0.04)
    assert abs(normal.mean()) < 0.02 * np.sqrt(var)  # 5 standard errors
    # a truncated normal stops at 2 of its (pre-rescaling) standard deviations, 2 / 0.8796 of the final one
    assert np.abs(normal).max() <= 2 / 0.87962566 * np.sqrt(var) + 1e-6
    bound = np.sqrt(3 * var)
    assert np.abs(uniform).max() <= bound + 1e-6 and np.abs(uniform).max() > 0.99 * bound


def test_orthogonal_kernels_have_orthonormal_columns():
    w = _draw("orthogonal")
    np.testing.assert_allclose(w.T @ w, np.eye(FAN_OUT), atol=1e-5)
    wide = _draw("orthogonal", (FAN_OUT, FAN_IN))
    np.testing.assert_allclose(wide @ wide.T, np.eye(FAN_OUT), atol=1e-5)


def test_sparse_kernels_give_each_unit_k_random_inputs_of_variance_one_over_k():
    w = _draw("sparse")
    nonzero = w != 0
    np.testing.assert_array_equal(nonzero.sum(axis=0), SPARSE_FAN_IN)
    np.testing.assert_allclose(w[nonzero].var(), 1 / SPARSE_FAN_IN, rtol=0.1)  # 3 000 draws
    # the inputs are spread uniformly: each input feeds about FAN_OUT * k / FAN_IN = 10 units
    per_input = nonzero.sum(axis=1)
    assert per_input.min() >= 1 and abs(per_input.mean() - FAN_OUT * SPARSE_FAN_IN / FAN_IN) < 1e-9
    assert per_input.std() < 6
    other = _draw("sparse", seed=1)
    assert not np.array_equal(other != 0, nonzero)
    # fewer inputs than k: dense, each N(0, 1 / fan_in); conv kernels count their receptive field
    small = _draw("sparse", (4, 50))
    assert np.all(small != 0)
    conv = _draw("sparse", (3, 3, 4, 8))
    np.testing.assert_array_equal((conv.reshape(36, 8) != 0).sum(axis=0), SPARSE_FAN_IN)

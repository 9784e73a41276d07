"""Spectral bisection + Kernighan–Lin, batched in JAX: measures.md §1.4 values, parity with the
numpy transcription of measures.md Appendix B, and bounds against the exact optimum."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.measures.maxq import exact_max_q
from evojax_mod.measures.q import modularity_q
from evojax_mod.measures.spectral_kl import kl_refine, spectral_kl_partition, spectral_kl_q
from evojax_mod.modularity.spectral import relabel_first_appearance
from tests.measures.graphs import ff_net, random_graph, two_modules
from tests.modularity.graphs import planted_graph

FAST = settings(max_examples=20, deadline=None)


def reference_partition(a, refine=True, tol=1e-6):
    """measures.md Appendix B ``leicht_newman`` (numpy), gain threshold in units of Q."""
    n = len(a)
    m = a.sum()
    b = a - np.outer(a.sum(1), a.sum(0)) / m
    sym = b + b.T
    labels = np.zeros(n, int)
    queue, n_comm = [0], 1
    while queue:
        c = queue.pop(0)
        idx = np.flatnonzero(labels == c)
        bg = sym[np.ix_(idx, idx)].copy()
        bg -= np.diag(bg.sum(1))
        s = np.where(np.linalg.eigh(bg)[1][:, -1] < 0, -1.0, 1.0)
        q = s @ bg @ s
        if q <= tol * 4 * m:
            continue
        if refine:
            bz = bg.copy()
            np.fill_diagonal(bz, 0)
            cur, cur_q, free = s.copy(), q, np.ones(len(idx), bool)
            while free.any():
                gains = cur_q - 4 * cur * (bz @ cur)
                gains[~free] = -np.inf
                i = int(np.argmax(gains))
                cur_q = gains[i]
                cur[i] *= -1
                free[i] = False
                if cur_q > q:
                    q, s = cur_q, cur.copy()
        if abs(s.sum()) == len(idx):
            continue
        labels[idx[s < 0]] = n_comm
        queue += [c, n_comm]
        n_comm += 1
    return relabel_first_appearance(labels)


def partition64(a, mask=None, **kw):
    mask = np.ones(len(a), bool) if mask is None else mask
    with jax.enable_x64(True):
        return np.asarray(spectral_kl_partition(jnp.asarray(a, jnp.float64), mask, **kw))


def q64(a, labels, **kw):
    with jax.enable_x64(True):
        return float(modularity_q(jnp.asarray(a, jnp.float64), jnp.asarray(labels), **kw))


@pytest.mark.parametrize("refine, n_comm, q", [(True, 3, 0.489652), (False, 4, 0.383248)])
def test_planted_reference_values(refine, n_comm, q):
    a = planted_graph()
    labels = partition64(a, refine=refine)
    assert labels.max() + 1 == n_comm
    assert q64(a, labels) == pytest.approx(q, abs=5e-7)


def test_ff_net_recovers_the_two_modules():
    labels = partition64(ff_net())
    assert q64(ff_net(), labels) == pytest.approx(0.5, rel=1e-12)
    assert list(labels) == [0, 0, 1, 1, 0, 0, 1, 1, 0, 1]


@FAST
@given(seed=st.integers(0, 10**6), refine=st.booleans())
def test_numpy_reference_parity(seed, refine):
    a = random_graph(seed, 10, p=0.35)
    if a.sum() == 0:
        return
    got = partition64(a, refine=refine)
    want = reference_partition(a, refine=refine)
    assert q64(a, got) == pytest.approx(q64(a, want), abs=1e-9)
    # an isolated node's eigenvector entry is 0 and its side arbitrary (Q is the same)
    linked = (a != 0).any(axis=0) | (a != 0).any(axis=1)
    np.testing.assert_array_equal(relabel_first_appearance(got[linked]),
                                  relabel_first_appearance(want[linked]))


@FAST
@given(seed=st.integers(0, 10**6), directed=st.booleans())
def test_below_exact_optimum(seed, directed):
    a = random_graph(seed, 8, p=0.4)
    labels = partition64(a, directed=directed)
    best, _ = exact_max_q(a, directed=directed)
    assert q64(a, labels, directed=directed) <= best + 1e-9


def test_block_diagonal_is_found_exactly():
    a, truth = two_modules()
    labels = partition64(a)
    np.testing.assert_array_equal(labels, truth)
    assert q64(a, labels) == pytest.approx(exact_max_q(a)[0], rel=1e-9)


def test_batched_padded_equals_per_graph():
    sizes = [5, 8, 6]
    graphs = np.zeros((3, 8, 8))
    masks = np.zeros((3, 8), bool)
    for i, n in enumerate(sizes):
        graphs[i, :n, :n] = random_graph(i, n, p=0.4)
        masks[i, :n] = True
    batched = jax.vmap(lambda a, m: spectral_kl_q(a, m))(graphs, masks)
    for i, n in enumerate(sizes):
        alone = spectral_kl_q(graphs[i, :n, :n], np.ones(n, bool))
        assert float(batched[i]) == pytest.approx(float(alone), abs=1e-6)
    labels = jax.vmap(spectral_kl_partition)(graphs, masks)
    assert (np.asarray(labels)[~masks] == -1).all()


def test_kl_never_lowers_the_split_gain():
    rng = np.random.default_rng(3)
    for seed in range(5):
        a = random_graph(seed, 10, p=0.4)
        b = a - np.outer(a.sum(1), a.sum(0)) / a.sum()
        bg = b + b.T
        bg -= np.diag(bg.sum(1))
        s = rng.choice([-1.0, 1.0], 10)
        refined = np.asarray(kl_refine(jnp.asarray(bg), jnp.asarray(s), jnp.ones(10, bool)))
        assert refined @ bg @ refined >= s @ bg @ s - 1e-5


def test_no_edges_is_one_community():
    assert list(partition64(np.zeros((4, 4)))) == [0, 0, 0, 0]

"""Leicht–Newman bisection as in Mouret's network_toolbox: numpy reference and JAX parity."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.modularity import (
    directed_q_masked,
    leicht_newman,
    leicht_newman_masked,
    modularity,
)
from evojax_mod.modularity.spectral import relabel_first_appearance, symmetric_eigh
from tests.modularity.graphs import adjacency, planted_graph

FF_EDGES = [(0, 4), (1, 4), (0, 5), (1, 5), (2, 6), (3, 6), (2, 7), (3, 7),
            (4, 8), (5, 8), (6, 9), (7, 9)]
# Top-level split of this graph lowers Q (to -2/81); Mouret's split() applies it anyway.
TOP_LEVEL_LOSS = np.array([[0, 0, 1, 1, 1],
                           [0, 0, 0, 1, 1],
                           [0, 1, 0, 0, 1],
                           [0, 0, 1, 0, 1],
                           [0, 0, 0, 0, 0]], dtype=float)


def mouret_reference(adjacency):
    """Transcription of network_toolbox split()/_split(): each node collects a '0'/'1' code
    per bisection and equal codes form a module. Tie rules as documented in spectral.py."""
    a = (np.asarray(adjacency) != 0).astype(float)
    n = len(a)
    m = a.sum()
    codes = [""] * n
    if m == 0:
        return relabel_first_appearance(np.zeros(n, int))
    k_in, k_out = a.sum(axis=0), a.sum(axis=1)
    b = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            b[i, j] = a[i, j] - k_in[i] * k_out[j] / m

    def signs(mat):
        eigvals, eigvecs = np.linalg.eigh(mat)
        if eigvals[-1] * len(mat) / (4 * m) <= 1e-5:
            return None
        vec = eigvecs[:, -1]
        first = next(i for i in range(len(vec)) if abs(vec[i]) > 1e-5)
        if vec[first] < 0:
            vec = -vec
        return np.array([1.0 if x > 1e-5 else -1.0 for x in vec])

    def assign(group, s):
        minus = [g for g, x in zip(group, s) if x < 0]
        plus = [g for g, x in zip(group, s) if x > 0]
        for g in minus:
            codes[g] += "0"
        for g in plus:
            codes[g] += "1"
        if minus and plus:
            split_group(minus)
            split_group(plus)

    def split_group(group):
        bg = b[np.ix_(group, group)]
        bg = bg - np.diag(bg.sum(axis=1))
        mat = bg + bg.T
        s = signs(mat)
        if s is not None and s @ mat @ s / (4 * m) > 1e-5:
            assign(group, s)

    s = signs(b + b.T)
    if s is not None:
        assign(list(range(n)), s)
    names = {code: k for k, code in enumerate(dict.fromkeys(codes))}
    return np.array([names[code] for code in codes])


def bct_appendix_b(a, tol=1e-10):
    """measures.md Appendix B without fine tuning (MATLAB-BCT style symmetric B^(g))."""
    n, m = len(a), a.sum()
    b = a - np.outer(a.sum(1), a.sum(0)) / m
    b = b + b.T
    labels, queue, n_comm = np.zeros(n, int), [0], 1
    while queue:
        c = queue.pop(0)
        idx = np.where(labels == c)[0]
        bg = b[np.ix_(idx, idx)]
        bg = bg - np.diag(bg.sum(1))
        s = np.where(np.linalg.eigh(bg)[1][:, -1] < 0, -1.0, 1.0)
        if s @ bg @ s <= tol or abs(s.sum()) == len(idx):
            continue
        labels[idx[s < 0]] = n_comm
        queue += [c, n_comm]
        n_comm += 1
    return labels


@st.composite
def random_digraph(draw, max_n=12):
    n = draw(st.integers(1, max_n))
    present = np.array(draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n)))
    weights = np.array(draw(st.lists(st.sampled_from([-2.0, -1.0, 0.5, 1.0, 2.0]),
                                     min_size=n * n, max_size=n * n)))
    return (present * weights).reshape(n, n)


@settings(max_examples=40, deadline=None)
@given(random_digraph())
def test_matches_reference_and_ignores_weights(a):
    labels = leicht_newman(a)
    np.testing.assert_array_equal(labels, mouret_reference(a != 0))
    np.testing.assert_array_equal(labels, relabel_first_appearance(labels))
    np.testing.assert_array_equal(labels, leicht_newman((a != 0).astype(float)))


def test_known_partitions():
    cycles = adjacency([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)], 6)
    np.testing.assert_array_equal(leicht_newman(cycles), [0, 0, 0, 1, 1, 1])
    ff_modules = [0, 0, 1, 1, 0, 0, 1, 1, 0, 1]
    np.testing.assert_array_equal(leicht_newman(adjacency(FF_EDGES, 10)), ff_modules)
    np.testing.assert_array_equal(leicht_newman(adjacency(FF_EDGES + [(1, 6)], 10)), ff_modules)


def test_planted_three_blocks_mouret_vs_appendix_b():
    a = planted_graph()
    # Appendix B (symmetric B^(g) diagonal, the measures.md value): 4 communities.
    bct = bct_appendix_b(a)
    assert len(set(bct)) == 4
    assert modularity(a, bct) == pytest.approx(0.383248, abs=5e-7)
    # The top-level split raises Q here, so Mouret's unchecked top level changes nothing;
    # his B^(g) diagonal (row sums of A - k_in k_out^T / m) leads to 6 communities instead.
    assert modularity(a, leicht_newman(a, max_depth=1)) > 0.27
    mouret = leicht_newman(a)
    assert len(set(mouret)) == 6
    assert modularity(a, mouret) == pytest.approx(0.395422, abs=5e-7)


def test_top_level_split_is_applied_even_when_it_lowers_q():
    labels = leicht_newman(TOP_LEVEL_LOSS)
    np.testing.assert_array_equal(labels, [0, 1, 0, 0, 1])
    assert modularity(TOP_LEVEL_LOSS, labels) == pytest.approx(-2 / 81, rel=1e-12)


def test_degenerate_graphs():
    np.testing.assert_array_equal(leicht_newman(np.zeros((4, 4))), [0, 0, 0, 0])
    np.testing.assert_array_equal(leicht_newman(np.zeros((0, 0))), np.zeros(0, int))
    star = adjacency([(0, 1), (0, 2), (0, 3)], 4)  # B = 0: no eigenvector to split on
    np.testing.assert_array_equal(leicht_newman(star), [0, 0, 0, 0])
    # Leading eigenvector (1, 0, -1)/sqrt(2): the zero entry joins the side without node 0.
    chain = adjacency([(0, 1), (1, 2)], 3)
    np.testing.assert_array_equal(leicht_newman(chain), [0, 1, 1])


def test_max_depth():
    a = planted_graph()
    np.testing.assert_array_equal(leicht_newman(a, max_depth=0), np.zeros(30, int))
    top = leicht_newman(a, max_depth=1)
    assert set(top) == {0, 1}
    full = leicht_newman(a)
    for c in set(full):  # the full partition refines the top-level one
        assert len(set(top[full == c])) == 1


def random_batch(n=12, size=40, seed=0):
    """Random masked digraphs plus the special cases above, padded to n nodes."""
    rng = np.random.default_rng(seed)
    adj = np.zeros((size, n, n), np.float32)
    mask = np.zeros((size, n), bool)
    for t in range(size):
        a = rng.random((n, n)) < rng.uniform(0.15, 0.6)
        np.fill_diagonal(a, rng.random(n) < 0.1)
        adj[t] = a * rng.choice([-2.0, 1.0, 2.0], size=(n, n))
        mask[t] = rng.random(n) < rng.uniform(0.4, 1.0)
    specials = [adjacency(FF_EDGES, 10), TOP_LEVEL_LOSS, adjacency([(0, 1), (1, 2)], 3),
                adjacency([(0, 1), (0, 2), (0, 3)], 4), np.zeros((3, 3)), planted_graph()[:n, :n]]
    for t, a in enumerate(specials):
        k = len(a)
        # Masked-out nodes get edges too: they must be ignored.
        adj[t] = rng.random((n, n)) < 0.5
        adj[t, :k, :k] = a
        mask[t] = np.arange(n) < k
    mask[len(specials)] = False
    return adj, mask


@pytest.fixture(scope="module")
def jax_results():
    adj, mask = random_batch()
    rng = np.random.default_rng(1)
    other = rng.integers(-1, 4, size=mask.shape).astype(np.int32)

    @jax.jit
    @jax.vmap
    def run(a, node_mask, other_labels):
        labels = leicht_newman_masked(a, node_mask)
        return labels, directed_q_masked(a, labels), directed_q_masked(a, other_labels)

    labels, q, q_other = run(jnp.asarray(adj), jnp.asarray(mask), jnp.asarray(other))
    return adj, mask, other, np.asarray(labels), np.asarray(q), np.asarray(q_other)


def test_masked_jax_matches_numpy(jax_results):
    adj, mask, _, labels, q, _ = jax_results
    assert labels.dtype == np.int32 and q.dtype == np.float32
    for a, node_mask, got, got_q in zip(adj, mask, labels, q):
        sub = (a != 0)[np.ix_(node_mask, node_mask)]
        expected = leicht_newman(sub)
        np.testing.assert_array_equal(got[node_mask], expected)
        assert (got[~node_mask] == -1).all()
        assert got_q == pytest.approx(modularity(sub, expected), abs=1e-5)


def test_directed_q_masked_matches_modularity(jax_results):
    adj, _, other, _, _, q_other = jax_results
    for a, labels, got in zip(adj, other, q_other):
        keep = labels >= 0
        expected = modularity((a != 0)[np.ix_(keep, keep)], labels[keep])
        assert got == pytest.approx(expected, abs=1e-5)


def test_directed_q_masked_gives_the_same_bits_in_any_batch(jax_results):
    adj, _, other, _, _, q_other = jax_results
    one_at_a_time = jax.jit(lambda a, l: jax.lax.map(lambda x: directed_q_masked(*x), (a, l)))
    np.testing.assert_array_equal(np.asarray(one_at_a_time(jnp.asarray(adj), jnp.asarray(other))), q_other)


def test_directed_q_masked_beyond_the_exact_size_matches_modularity():
    rng = np.random.default_rng(3)
    n = 220  # n^2 edges would overflow the int32 path: float sums instead
    a = rng.random((n, n)) < 0.05
    labels = rng.integers(-1, 6, n).astype(np.int32)
    keep = labels >= 0
    expected = modularity(a[np.ix_(keep, keep)], labels[keep])
    assert float(directed_q_masked(jnp.asarray(a), jnp.asarray(labels))) == pytest.approx(expected, abs=1e-5)


def test_masked_single_graph_without_jit():
    a = planted_graph()
    labels = leicht_newman_masked(jnp.asarray(a != 0), jnp.ones(30, bool))
    np.testing.assert_array_equal(np.asarray(labels), leicht_newman(a))
    assert float(directed_q_masked(jnp.asarray(a), labels)) == pytest.approx(0.395422, abs=1e-5)


def test_vmapped_eigh_gives_each_matrix_the_bits_it_has_alone():
    """`symmetric_eigh` under one or two vmaps (seeds, then individuals) runs the matrices one
    at a time: each result is that of the matrix alone, bit for bit."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(2, 3, 9, 9)).astype(np.float32)
    a = a + np.swapaxes(a, -1, -2)
    alone = jax.jit(symmetric_eigh)
    for batched in (jax.jit(jax.vmap(jax.vmap(symmetric_eigh)))(a),
                    jax.vmap(jax.jit(jax.vmap(symmetric_eigh)))(a)):
        for i, j in np.ndindex(2, 3):
            w, v = alone(a[i, j])
            np.testing.assert_array_equal(np.asarray(batched[0][i, j]), np.asarray(w))
            np.testing.assert_array_equal(np.asarray(batched[1][i, j]), np.asarray(v))
    w, v = np.linalg.eigh(a[0, 0].astype(np.float64))
    np.testing.assert_allclose(np.asarray(alone(a[0, 0])[0]), w, rtol=1e-4, atol=1e-4)

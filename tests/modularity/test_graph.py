"""Simplification to the output-reaching subgraph and the left/right module check."""
import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evojax_mod.modularity import leicht_newman, left_right_split, simplify_to_outputs
from tests.modularity.graphs import adjacency

FF_EDGES = [(0, 4), (1, 4), (0, 5), (1, 5), (2, 6), (3, 6), (2, 7), (3, 7),
            (4, 8), (5, 8), (6, 9), (7, 9)]


def test_simplify_small_layered_net():
    # inputs 0-3, hidden 4-7, outputs 8-9. Hidden 7 is a dead end, input 3 only feeds it,
    # hidden 6 has no edges, output 9 receives nothing.
    a = adjacency([(0, 4), (1, 4), (1, 5), (2, 5), (3, 7), (2, 7), (4, 8), (5, 8)], 10)
    keep = simplify_to_outputs(a, [8, 9])
    np.testing.assert_array_equal(np.flatnonzero(keep), [0, 1, 2, 4, 5, 8])


def test_simplify_keeps_everything_of_the_ff_net_and_uses_weights_as_presence():
    a = adjacency(FF_EDGES, 10) * np.where(np.arange(10) % 2, -2.0, 0.5)[:, None]
    assert simplify_to_outputs(a, [8, 9]).all()
    assert not simplify_to_outputs(np.zeros((3, 3)), [2]).any()


def test_simplify_recurrent_edges():
    # 2 -> 3 -> 2 is a cycle that feeds output 4; 5 -> 5 reaches nothing; output 4 -> 6 -> 4.
    a = adjacency([(0, 2), (2, 3), (3, 2), (3, 4), (5, 5), (1, 5), (4, 6), (6, 4)], 7)
    np.testing.assert_array_equal(np.flatnonzero(simplify_to_outputs(a, [4])), [0, 2, 3, 4, 6])


@st.composite
def random_digraph_with_outputs(draw):
    n = draw(st.integers(1, 10))
    present = draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))
    outputs = draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True))
    return np.array(present).reshape(n, n), outputs


def networkx_simplified(a, outputs):
    graph = nx.from_numpy_array(a.astype(int), create_using=nx.DiGraph)
    reaching = set(outputs).union(*[nx.ancestors(graph, o) for o in outputs])
    sub = graph.subgraph(reaching)
    return np.array([v in sub and sub.degree(v) > 0 for v in range(len(a))])


@settings(max_examples=50, deadline=None)
@given(random_digraph_with_outputs())
def test_simplify_matches_networkx(case):
    a, outputs = case
    np.testing.assert_array_equal(simplify_to_outputs(a, outputs), networkx_simplified(a, outputs))


def sferes_simplified(a, inputs, outputs):
    """Sferes simplified_nn: drop hidden nodes that reach no output, then isolated nodes."""
    graph = nx.from_numpy_array(a.astype(int), create_using=nx.DiGraph)
    reaching = set(outputs).union(*[nx.ancestors(graph, o) for o in outputs])
    graph.remove_nodes_from([v for v in range(len(a))
                             if v not in reaching and v not in inputs and v not in outputs])
    return np.array([v in graph and graph.degree(v) > 0 for v in range(len(a))])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=3 * 3 + 3 * 2 + 2 * 1, max_size=3 * 3 + 3 * 2 + 2 * 1))
def test_simplify_matches_sferes_on_feed_forward_nets(present):
    layers = [(0, 1, 2), (3, 4, 5), (6, 7), (8,)]
    pairs = [(u, v) for src, dst in zip(layers, layers[1:]) for u in src for v in dst]
    a = adjacency([p for p, on in zip(pairs, present) if on], 9)
    np.testing.assert_array_equal(simplify_to_outputs(a, [8]),
                                  sferes_simplified(a, inputs={0, 1, 2}, outputs={8}))


def test_left_right_split_cases():
    assert left_right_split([0, 0, 1, 1, 0], [0, 1], [2, 3])
    assert not left_right_split([0, 1, 1, 1, 0], [0, 1], [2, 3])  # left side split
    assert not left_right_split([0, 0, 0, 0, 1], [0, 1], [2, 3])  # same module
    assert not left_right_split([0, 0, 1, 2, 0], [0, 1], [2, 3])  # right side split
    assert left_right_split([0, -1, 1, 1], [0, 1], [2, 3])  # absent input ignored
    assert not left_right_split([-1, -1, 1, 1], [0, 1], [2, 3])  # no left input present


def test_left_right_split_of_top_level_bisection():
    a = adjacency(FF_EDGES + [(1, 6)], 10)
    assert left_right_split(leicht_newman(a, max_depth=1), [0, 1], [2, 3])
    # Same shape, but each module now takes one left and one right input.
    mixed = {0: 0, 1: 2, 2: 1, 3: 3}
    crossed = adjacency([(mixed.get(u, u), v) for u, v in FF_EDGES], 10)
    assert not left_right_split(leicht_newman(crossed, max_depth=1), [0, 1], [2, 3])

"""Freely wired circuits (``wiring="free"``): the bit-parallel synchronous dynamics against a
plain per-pattern simulation, acyclic genomes against a topological evaluation, effective gates
against a depth-first search, and the operators' ranges."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from evojax_mod.genomes import circuit
from tests.genomes.test_circuit import reference_active  # depth-first search: cycles too

FREE = circuit.CircuitSpec(wiring="free")  # 4 inputs, 14 gates, T = 15
FREE6 = circuit.CircuitSpec(n_inputs=6, max_gates=8, wiring="free", steps=5)  # two words, short T
ORDERED = circuit.CircuitSpec()
BATCH = 8


def evaluator(spec):
    def one(g):
        return (circuit.truth_tables(g, spec), circuit.output_table(g, spec), circuit.settled_table(g, spec),
                circuit.active_gates(g, spec), circuit.adjacency(g, spec))
    return jax.jit(jax.vmap(one))


EVALUATE = {FREE: evaluator(FREE), FREE6: evaluator(FREE6)}


def pack(bits) -> list[int]:
    """bool [P] as its W uint32 words (pattern p in bit p % 32 of word p // 32)."""
    n_words = -(-len(bits) // 32)
    return [sum(int(bits[32 * w + j]) << j for j in range(min(32, len(bits) - 32 * w))) for w in range(n_words)]


def reference_dynamics(gate_inputs, output, spec):
    """Plain simulation, one pattern at a time: every gate 0, then T synchronous NAND updates.
    Returns (node values at step T bool [n_nodes, P], output at T bool [P], settled bool [P])."""
    gate_inputs = np.asarray(gate_inputs).tolist()
    final = np.zeros((spec.n_nodes, spec.n_patterns), bool)
    settled = np.zeros(spec.n_patterns, bool)
    for p in range(spec.n_patterns):
        inputs = [bool((p >> k) & 1) for k in range(spec.n_inputs)]
        gates = [False] * spec.max_gates
        for _ in range(spec.n_steps):
            before = inputs + gates
            gates = [not (before[a] and before[b]) for a, b in gate_inputs]
        now = inputs + gates
        final[:, p] = now
        settled[p] = now[int(output)] == before[int(output)]
    return final, final[int(output)], settled


def reference_adjacency(gate_inputs, active, spec):
    adj = np.zeros((spec.n_nodes, spec.n_nodes), bool)
    for g, (a, b) in enumerate(np.asarray(gate_inputs)):
        if active[g]:
            adj[a, spec.n_inputs + g] = adj[b, spec.n_inputs + g] = True
    return adj


def topological_output(gate_inputs, output, spec):
    """Straightforward evaluation of an ACYCLIC circuit: each node's value on each pattern by
    recursion over its inputs, memoised. bool [P]."""
    def value(node, p, memo):
        if node < spec.n_inputs:
            return bool((p >> node) & 1)
        if node not in memo:
            a, b = gate_inputs[node - spec.n_inputs]
            memo[node] = not (value(int(a), p, memo) and value(int(b), p, memo))
        return memo[node]
    return np.asarray([value(int(output), p, {}) for p in range(spec.n_patterns)])


def batch_of(rows, spec):
    ptrs = np.asarray(rows, np.int32)
    return ptrs, circuit.CircuitGenome(gate_inputs=jnp.asarray(ptrs[:, :-1].reshape(len(rows), spec.max_gates, 2)),
                                       output=jnp.asarray(ptrs[:, -1]))


def genome(gates, output, spec=FREE):
    return circuit.CircuitGenome(gate_inputs=jnp.asarray(gates, jnp.int32), output=jnp.int32(output))


@pytest.mark.parametrize("spec", [FREE, FREE6], ids=["4-inputs", "6-inputs-T5"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_dynamics_and_effective_gates_match_plain_references_on_random_genomes(spec, data):
    node = st.integers(0, spec.n_nodes - 1)
    rows = [[data.draw(node) for _ in range(2 * spec.max_gates + 1)] for _ in range(BATCH)]
    ptrs, pop = batch_of(rows, spec)
    tables, out, settled, active, adj = (np.asarray(a) for a in EVALUATE[spec](pop))
    for i in range(BATCH):
        gates, output = ptrs[i, :-1].reshape(-1, 2), ptrs[i, -1]
        final, want_out, want_settled = reference_dynamics(gates, output, spec)
        assert tables[i].tolist() == [pack(v) for v in final]
        assert out[i].tolist() == pack(want_out)
        assert settled[i].tolist() == pack(want_settled)
        want_active = reference_active(gates, output, spec)
        assert active[i].tolist() == want_active
        np.testing.assert_array_equal(adj[i], reference_adjacency(gates, want_active, spec))


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_acyclic_free_genomes_give_the_topological_output(data):
    """Genomes that are feed-forward up to a relabelling of their gates (so gates may read
    gates placed after them): settled everywhere, with the output of a topological evaluation."""
    spec, n_in, n_gates = FREE, FREE.n_inputs, FREE.max_gates
    rows = []
    for _ in range(BATCH):
        ordered = [data.draw(st.integers(0, n_in + g - 1)) for g in range(n_gates) for _ in range(2)]
        ordered.append(data.draw(st.integers(0, spec.n_nodes - 1)))
        place = data.draw(st.permutations(range(n_gates)))  # ordered gate h sits in slot place[h]
        relabel = [v if v < n_in else n_in + place[v - n_in] for v in ordered]
        gates = [None] * n_gates
        for h in range(n_gates):
            gates[place[h]] = relabel[2 * h: 2 * h + 2]
        rows.append([v for pair in gates for v in pair] + [relabel[-1]])
    ptrs, pop = batch_of(rows, spec)
    _, out, settled, active, _ = (np.asarray(a) for a in EVALUATE[spec](pop))
    for i in range(BATCH):
        gates, output = ptrs[i, :-1].reshape(-1, 2), ptrs[i, -1]
        assert out[i].tolist() == pack(topological_output(gates, output, spec))
        assert settled[i].tolist() == spec.full_mask.tolist()
        assert active[i].tolist() == reference_active(gates, output, spec)


def test_an_ordered_genome_reads_the_same_under_both_wirings():
    g = circuit.init(jax.random.PRNGKey(4), ORDERED)
    assert circuit.output_table(g, FREE).tolist() == circuit.output_table(g, ORDERED).tolist()
    np.testing.assert_array_equal(circuit.truth_tables(g, FREE), circuit.truth_tables(g, ORDERED))
    np.testing.assert_array_equal(circuit.active_nodes(g, FREE), circuit.active_nodes(g, ORDERED))
    assert circuit.settled_table(g, ORDERED).tolist() == [0xFFFF]


def test_oscillators_are_unsettled_and_score_zero_there():
    x = 0
    spare = [(x, x)] * (FREE.max_gates - 1)
    ring = genome([(4, 4)] + spare, output=4)  # g = NOT g: 1, 0, 1, ... on every pattern
    assert circuit.settled_table(ring, FREE).tolist() == [0]
    goal = circuit.output_table(ring, FREE)  # even a goal equal to the step-T value is missed
    settled = circuit.settled_table(ring, FREE)
    assert float(circuit.fraction_correct(goal, goal, FREE, settled)) == 0.0
    assert float(circuit.fraction_correct(goal, goal, FREE)) == 1.0
    gated = genome([(x, 4)] + spare, output=4)  # g = NAND(x, g): 1 where x = 0, oscillates where x = 1
    assert circuit.settled_table(gated, FREE).tolist() == [0x5555]
    assert circuit.output_table(gated, FREE).tolist() == [0xFFFF]  # T = 15 is odd: the oscillator reads 1
    assert circuit.n_active_gates(gated, FREE) == 1
    assert np.asarray(circuit.adjacency(gated, FREE))[4, 4]  # the self-loop is an edge


def test_a_cycle_off_the_output_path_is_inactive_and_harmless():
    gates = [(5, 5), (4, 4)] + [(0, 1)] * (FREE.max_gates - 2)  # gates 0 and 1 ring; gate 2 = NAND(x, y)
    g = genome(gates, output=6)
    assert circuit.output_table(g, FREE).tolist() == [~(0xAAAA & 0xCCCC) & 0xFFFF]
    assert circuit.settled_table(g, FREE).tolist() == [0xFFFF]
    assert np.asarray(circuit.active_gates(g, FREE)).tolist() == [False, False, True] + [False] * 11


def test_init_and_mutation_range_over_every_node_self_loops_included():
    n = 20000
    pop = jax.vmap(lambda k: circuit.init(k, FREE))(jax.random.split(jax.random.PRNGKey(0), n))
    first = np.asarray(pop.gate_inputs[:, 0, 0])  # under ordered wiring gate 0 reads only inputs
    assert np.bincount(first, minlength=FREE.n_nodes) / n == pytest.approx([1 / FREE.n_nodes] * FREE.n_nodes,
                                                                            abs=0.01)
    parent = jax.tree.map(lambda a: a[0], pop)
    kids = jax.jit(jax.vmap(lambda k: circuit.mutate(k, parent, FREE)))(jax.random.split(jax.random.PRNGKey(1), n))
    before = np.append(np.asarray(parent.gate_inputs).ravel(), int(parent.output))
    after = np.concatenate([np.asarray(kids.gate_inputs).reshape(n, -1), np.asarray(kids.output)[:, None]], 1)
    changed = after != before
    assert changed.sum(1).max() == 1
    assert changed.sum(1).mean() == pytest.approx(FREE.mutation_rate, abs=0.02)
    site = 2 * 0 + 1  # the second input of gate 0 (node 4)
    new = after[changed[:, site], site]
    assert set(new.tolist()) == set(range(FREE.n_nodes)) - {before[site]}  # uniform over the others
    own = FREE.n_inputs + np.arange(FREE.max_gates)
    assert np.any(np.asarray(kids.gate_inputs) == own[None, :, None])  # self-loops arise

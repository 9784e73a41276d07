import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from evojax_mod.genomes import circuit
from evojax_mod.modularity import simplify_to_outputs
from evojax_mod.tasks import get_task, goal_code, sub_goal_detectors
from evojax_mod.tasks import target as task_target

XOR_XY, XOR_ZW = 0xAAAA ^ 0xCCCC, 0xF0F0 ^ 0xFF00  # truth tables over the 16 patterns
GOAL_TABLES = {"G1": jnp.uint32(XOR_XY & XOR_ZW), "G2": jnp.uint32(XOR_XY | XOR_ZW)}

SPEC = circuit.CircuitSpec()  # 4 inputs, 14 gates: every test shares one set of shapes
X, Y, Z, W = range(4)
BATCH = 8

batched_tables = jax.jit(jax.vmap(lambda g: circuit.truth_tables(g, SPEC)))
batched_active = jax.jit(jax.vmap(lambda g: circuit.active_gates(g, SPEC)))
batched_mutate = jax.jit(jax.vmap(lambda k, g: circuit.mutate(k, g, SPEC), in_axes=(0, None)))
batched_crossover = jax.jit(jax.vmap(lambda k, a, b: circuit.crossover(k, a, b, SPEC),
                                     in_axes=(0, None, None)))


def genome(gates, output, spec=SPEC):
    """A circuit from a list of (source, source) pairs; spare gates become NOT x, unused."""
    rows = list(gates) + [(X, X)] * (spec.max_gates - len(gates))
    return circuit.CircuitGenome(gate_inputs=jnp.asarray(rows, jnp.int32),
                                 output=jnp.asarray(output, jnp.int32))


def xor_gates(a, b, first):
    """The 4-NAND XOR of nodes a, b as gates numbered first..first+3; its output is first+3."""
    n = first
    return [(a, b), (a, n), (b, n), (n + 1, n + 2)]


def words(table: int, spec=SPEC) -> list[int]:
    """A truth table held as one Python int (bit p = pattern p) as its W uint32 words."""
    return [(table >> (32 * w)) & 0xFFFFFFFF for w in range(spec.n_words)]


def reference_tables(gate_inputs, spec=SPEC):
    """Plain evaluator: every pattern, every gate in order with `not (a and b)`, packed into
    W words per node ([n_nodes][W] ints)."""
    gate_inputs = np.asarray(gate_inputs)
    tables = [0] * spec.n_nodes
    for p in range(spec.n_patterns):
        values = [bool((p >> k) & 1) for k in range(spec.n_inputs)]
        for a, b in gate_inputs:
            values.append(not (values[a] and values[b]))
        for i, v in enumerate(values):
            tables[i] |= int(v) << p
    return [words(t, spec) for t in tables]


def reference_active(gate_inputs, output, spec=SPEC):
    """Gates reachable backwards from the output by depth-first search, bool [G]."""
    seen, stack = set(), [int(output)]
    while stack:
        node = stack.pop()
        if node >= spec.n_inputs and node not in seen:
            seen.add(node)
            stack.extend(int(v) for v in gate_inputs[node - spec.n_inputs])
    return [spec.n_inputs + g in seen for g in range(spec.max_gates)]


def pointers(g):
    return np.append(np.asarray(g.gate_inputs).ravel(), np.asarray(g.output))


def assert_feed_forward(gate_inputs, output):
    gate_inputs, output = np.asarray(gate_inputs), np.asarray(output)
    own = SPEC.n_inputs + np.arange(SPEC.max_gates)
    assert np.all(gate_inputs >= 0) and np.all(gate_inputs < own[..., :, None])
    assert np.all((output >= 0) & (output < SPEC.n_nodes))


def test_spec_is_hashable_and_validated():
    assert hash(SPEC) == hash(circuit.CircuitSpec())
    assert SPEC.n_nodes == 18 and SPEC.n_patterns == 16 and SPEC.n_words == 1
    assert SPEC.full_mask.tolist() == [0xFFFF] and SPEC.full_mask.dtype == np.uint32
    assert SPEC.input_tables.tolist() == [[0xAAAA], [0xCCCC], [0xF0F0], [0xFF00]]
    six = circuit.CircuitSpec(n_inputs=6)
    assert six.n_words == 2 and six.full_mask.tolist() == [0xFFFFFFFF] * 2
    # input 5 is bit 5 of p: 0 on patterns 0..31 (word 0), 1 on 32..63 (word 1)
    assert six.input_tables[5].tolist() == [0, 0xFFFFFFFF] and six.input_tables[0].tolist() == [0xAAAAAAAA] * 2
    assert circuit.CircuitSpec(n_inputs=8).n_words == 8 and circuit.CircuitSpec(n_inputs=2).full_mask.tolist() == [0xF]
    for bad in ({"n_inputs": 1}, {"n_inputs": 9}, {"max_gates": 1}, {"wiring": "loose"}, {"steps": 0}):
        with pytest.raises(ValueError):
            circuit.CircuitSpec(**bad)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_tables_and_active_gates_match_plain_references(data):
    limits = SPEC.pointer_limits
    batch = [[data.draw(st.integers(0, int(m) - 1)) for m in limits] for _ in range(BATCH)]
    ptrs = np.asarray(batch, np.int32)
    pop = circuit.CircuitGenome(gate_inputs=jnp.asarray(ptrs[:, :-1].reshape(BATCH, -1, 2)),
                                output=jnp.asarray(ptrs[:, -1]))
    got, active = np.asarray(batched_tables(pop)), np.asarray(batched_active(pop))
    for i in range(BATCH):
        gates = ptrs[i, :-1].reshape(-1, 2)
        expected = reference_tables(gates)
        assert got[i].tolist() == expected
        assert active[i].tolist() == reference_active(gates, ptrs[i, -1])


SPEC6 = circuit.CircuitSpec(n_inputs=6)  # 64 patterns: two words per table
batched_tables6 = jax.jit(jax.vmap(lambda g: circuit.truth_tables(g, SPEC6)))


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_six_input_tables_match_the_plain_reference(data):
    limits = SPEC6.pointer_limits
    ptrs = np.asarray([[data.draw(st.integers(0, int(m) - 1)) for m in limits] for _ in range(BATCH)], np.int32)
    pop = circuit.CircuitGenome(gate_inputs=jnp.asarray(ptrs[:, :-1].reshape(BATCH, -1, 2)),
                                output=jnp.asarray(ptrs[:, -1]))
    got = np.asarray(batched_tables6(pop))
    assert got.shape == (BATCH, SPEC6.n_nodes, 2) and got.dtype == np.uint32
    for i in range(BATCH):
        assert got[i].tolist() == reference_tables(ptrs[i, :-1].reshape(-1, 2), SPEC6)


def test_init_is_valid_and_uniform_over_allowed_nodes():
    pop = jax.vmap(lambda k: circuit.init(k, SPEC))(jax.random.split(jax.random.PRNGKey(0), 4000))
    assert_feed_forward(pop.gate_inputs, pop.output)
    first = np.asarray(pop.gate_inputs[:, 0, 0])  # gate 0 may read only the 4 inputs
    assert np.bincount(first, minlength=4) / 4000 == pytest.approx([0.25] * 4, abs=0.03)
    assert np.asarray(pop.output).max() == SPEC.n_nodes - 1


def test_four_nand_xor():
    g = genome(xor_gates(X, Y, 4), output=7)
    assert circuit.output_table(g, SPEC).tolist() == (SPEC.input_tables[X] ^ SPEC.input_tables[Y]).tolist()
    assert int(circuit.n_active_gates(g, SPEC)) == 4


def modular_circuit(goal):
    """Two 4-NAND XOR modules (outputs 7 and 11) and a combining module (Kashtan & Alon's MVG
    solution). OR(a, b) = NAND(NOT a, NOT b): 3 gates, 11 in all. AND(a, b) = NOT NAND(a, b):
    2 gates, 10 in all."""
    gates = xor_gates(X, Y, 4) + xor_gates(Z, W, 8)
    if goal == "G2":
        return genome(gates + [(7, 7), (11, 11), (12, 13)], output=14)
    return genome(gates + [(7, 11), (12, 12)], output=13)


@pytest.mark.parametrize("goal, size", [("G1", 10), ("G2", 11)])
def test_modular_circuit_solves_its_goal(goal, size):
    g = modular_circuit(goal)
    out = circuit.output_table(g, SPEC)
    target = GOAL_TABLES[goal]
    assert float(circuit.fraction_correct(out, target, SPEC)) == 1.0
    # KA: solutions of 10 (fixed goal) and 11 (modular, varying goals) NAND gates.
    assert int(circuit.n_active_gates(g, SPEC)) == size
    other = GOAL_TABLES["G1" if goal == "G2" else "G2"]
    # AND and OR of the two XORs differ where exactly one XOR is on: half the patterns.
    assert float(circuit.fraction_correct(out, other, SPEC)) == 0.5


def test_the_circuits_task_goals_pack_to_the_xor_tables():
    task = get_task("circuits")
    for name, table in GOAL_TABLES.items():
        packed = circuit.pack_bits(jnp.asarray(task_target(task, goal_code(task, name))))
        assert packed.tolist() == [int(table)]


def test_fraction_correct_counts_agreeing_patterns():
    goal = jnp.asarray([0x0660], jnp.uint32)
    outs = jnp.asarray([[0x0660], [0x0661], [0xF99F], [0x0000]], jnp.uint32)
    np.testing.assert_allclose(circuit.fraction_correct(outs, goal, SPEC),
                               [1.0, 15 / 16, 0.0, 12 / 16])
    # unsettled patterns count as wrong whatever the output: here patterns 0 (goal 0) and 5
    # (goal 1), so the outputs lose the patterns among them that they had right
    settled = jnp.asarray([0xFFFF & ~0b100001], jnp.uint32)
    np.testing.assert_allclose(circuit.fraction_correct(outs, goal, SPEC, settled),
                               [14 / 16, 14 / 16, 0.0, 11 / 16])


def test_six_input_tables_span_two_words():
    spec = circuit.CircuitSpec(n_inputs=6)
    task = get_task("xor3")
    a_xor = genome(xor_gates(0, 1, 6), output=9, spec=spec)  # in0 XOR in1 over 64 patterns
    expected = circuit.pack_bits(jnp.asarray(task.sub_goals[0]))
    assert circuit.output_table(a_xor, spec).tolist() == expected.tolist() == [0x66666666] * 2
    bits = np.asarray(circuit.table_bits(circuit.truth_tables(a_xor, spec), spec))
    assert bits.shape == (spec.n_nodes, 64)
    np.testing.assert_array_equal(bits[9], task.sub_goals[0])
    np.testing.assert_array_equal(circuit.pack_bits(bits), circuit.truth_tables(a_xor, spec))
    assert float(circuit.fraction_correct(circuit.output_table(a_xor, spec), expected, spec)) == 1.0
    assert float(circuit.fraction_correct(~expected, expected, spec)) == 0.0


def test_active_gates_and_adjacency_of_the_modular_circuit():
    g = modular_circuit("G2")
    active = np.asarray(circuit.active_gates(g, SPEC))
    assert active[:11].all() and not active[11:].any()  # spare gates read x but are unused
    adj = np.asarray(circuit.adjacency(g, SPEC))
    # 8 XOR gates with 2 sources each, 2 NOTs with one source, the final NAND with 2.
    assert adj.sum() == 8 * 2 + 2 + 2
    assert adj[X, 4] and adj[Y, 4] and adj[7, 12] and adj[11, 13] and adj[12, 14] and adj[13, 14]
    assert not adj[:, SPEC.n_inputs + 11:].any()  # spare gates have no edges
    assert simplify_to_outputs(adj, [int(g.output)]).sum() == 4 + 11


def test_output_on_an_input_has_no_active_gate():
    g = genome(xor_gates(X, Y, 4), output=Z)
    assert int(circuit.n_active_gates(g, SPEC)) == 0
    assert not np.asarray(circuit.adjacency(g, SPEC)).any()
    assert circuit.output_table(g, SPEC).tolist() == [0xF0F0]


def test_mutation_keeps_feed_forward_and_changes_one_pointer_at_rate_pm():
    parent = circuit.init(jax.random.PRNGKey(1), SPEC)
    n = 20000
    kids = batched_mutate(jax.random.split(jax.random.PRNGKey(2), n), parent)
    assert_feed_forward(kids.gate_inputs, kids.output)
    before = pointers(parent)
    after = np.concatenate([np.asarray(kids.gate_inputs).reshape(n, -1),
                            np.asarray(kids.output)[:, None]], 1)
    changed = (after != before).sum(1)
    assert changed.max() == 1
    assert changed.mean() == pytest.approx(SPEC.mutation_rate, abs=0.02)
    output_moves = (after[:, -1] != before[-1]).sum() / changed.sum()
    assert output_moves == pytest.approx(1 / (2 * SPEC.max_gates + 1), abs=0.01)


def test_crossover_children_are_valid_and_mix_both_parents():
    a = genome([(X, Y)] * SPEC.max_gates, output=SPEC.n_nodes - 1)
    b = genome([(Z, W)] * SPEC.max_gates, output=X)
    kids = batched_crossover(jax.random.split(jax.random.PRNGKey(3), 500), a, b)
    assert_feed_forward(kids.gate_inputs, kids.output)
    from_a = np.all(np.asarray(kids.gate_inputs) == np.asarray([X, Y]), axis=-1)  # [500, G]
    from_b = np.all(np.asarray(kids.gate_inputs) == np.asarray([Z, W]), axis=-1)
    assert np.all(from_a | from_b)
    cut = from_a.sum(1)
    assert np.all(from_a == (np.arange(SPEC.max_gates) < cut[:, None]))  # a prefix from a
    assert cut.min() == 1 and cut.max() == SPEC.max_gates - 1
    assert set(np.asarray(kids.output).tolist()) == {int(a.output), int(b.output)}


def test_sub_goal_motif_detection():
    spec = circuit.CircuitSpec(max_gates=14)
    # x XOR y with 4 NANDs (gates 4..7), z XOR w (gates 8..11), output = NAND of the two XORs
    pointers = [(0, 1), (0, 4), (1, 4), (5, 6), (2, 3), (2, 8), (3, 8), (9, 10), (7, 11)]
    pointers += [(0, 0)] * (spec.max_gates - len(pointers))
    genome = circuit.CircuitGenome(gate_inputs=jnp.asarray(pointers, jnp.int32), output=jnp.int32(12))
    task = get_task("circuits")

    def detected(g):
        values = np.asarray(circuit.table_bits(circuit.truth_tables(g, spec), spec))
        return sub_goal_detectors(values, task, np.asarray(circuit.active_nodes(g, spec))).tolist()

    assert detected(genome) == [True, True]
    assert detected(genome.replace(output=jnp.int32(7))) == [True, False]

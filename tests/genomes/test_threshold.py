import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings, strategies as st

from evojax_mod.genomes import threshold

SPEC = threshold.ThresholdSpec()  # 8 pixels -> 8, 4, 2, 1 neurons, fan-in 3, 3, 3, 2
BATCH = 16

batched_states = jax.jit(jax.vmap(lambda g: threshold.states(g, SPEC)))
batched_words = jax.jit(jax.vmap(lambda g: threshold.output_words(g, SPEC)))
batched_active = jax.jit(jax.vmap(lambda g: threshold.active_nodes(g, SPEC)))
batched_init = jax.jit(jax.vmap(lambda k: threshold.init(k, SPEC)))
batched_mutate = jax.jit(jax.vmap(lambda k, g: threshold.mutate(k, g, SPEC), in_axes=(0, None)))
batched_crossover = jax.jit(jax.vmap(lambda k, a, b: threshold.crossover(k, a, b, SPEC), in_axes=(0, None, None)))


def random_genomes(seed: int) -> threshold.ThresholdGenome:
    return batched_init(jax.random.split(jax.random.PRNGKey(seed), BATCH))


def reference_network(values, spec=SPEC):
    """Plain decoding of the locus vector: per neuron node, a list of (source node, weight)
    and its threshold."""
    start = np.concatenate([[0], np.cumsum(spec.layers)])
    incoming, thresholds = {}, {}
    i = 0
    for layer in range(1, len(spec.layers)):
        for node in range(start[layer], start[layer + 1]):
            incoming[node] = []
            for _ in range(spec.fan_in[layer - 1]):
                v = int(values[i])
                i += 1
                if v:
                    incoming[node].append((start[layer - 1] + (v - 1) // 2, 1 if (v - 1) % 2 == 0 else -1))
            thresholds[node] = spec.thresholds[int(values[i])]
            i += 1
    assert i == len(values)
    return incoming, thresholds


def reference_states(values, spec=SPEC):
    """Every node's 0/1 state on every pattern, one neuron and one pattern at a time."""
    incoming, thresholds = reference_network(values, spec)
    out = np.zeros((spec.n_nodes, spec.n_patterns), np.int8)
    for p in range(spec.n_patterns):
        state = [(p >> k) & 1 for k in range(spec.n_inputs)]
        for node in range(spec.n_inputs, spec.n_nodes):
            total = sum(w * state[src] for src, w in incoming[node])
            fires = total >= thresholds[node] if spec.firing == "at_least" else total > thresholds[node]
            state.append(int(fires))
        out[:, p] = state
    return out


def reference_active(values, spec=SPEC):
    """Nodes with a path of non-zero summed weights to the output, by depth-first search."""
    incoming, _ = reference_network(values, spec)
    summed = {}
    for node, edges in incoming.items():
        for src, w in edges:
            summed[(src, node)] = summed.get((src, node), 0) + w
    active, stack = {spec.n_nodes - 1}, [spec.n_nodes - 1]
    while stack:
        node = stack.pop()
        for (src, dst), w in summed.items():
            if dst == node and w != 0 and src not in active:
                active.add(src)
                stack.append(src)
    return np.isin(np.arange(spec.n_nodes), sorted(active))


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_states_and_active_nodes_equal_plain_references(seed):
    genomes = random_genomes(seed)
    states, active = np.asarray(batched_states(genomes)), np.asarray(batched_active(genomes))
    for i in range(BATCH):
        values = np.asarray(genomes.values[i])
        np.testing.assert_array_equal(states[i], reference_states(values))
        np.testing.assert_array_equal(active[i], reference_active(values))


# Three listed thresholds, out of order, one beyond any sum; and the >= rule on the default range
VARIANTS = [threshold.ThresholdSpec(thresholds=(2, 0, 1), firing="above"),
            threshold.ThresholdSpec(thresholds=(1, 2, 5), firing="at_least"),
            threshold.ThresholdSpec(firing="at_least")]


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), which=st.sampled_from(range(len(VARIANTS))))
def test_listed_thresholds_and_firing_rules_equal_the_plain_reference(seed, which):
    spec = VARIANTS[which]
    keys = jax.random.split(jax.random.PRNGKey(seed), BATCH)
    genomes = jax.vmap(lambda k: threshold.init(k, spec))(keys)
    states = np.asarray(jax.vmap(lambda g: threshold.states(g, spec))(genomes))
    for i in range(BATCH):
        np.testing.assert_array_equal(states[i], reference_states(np.asarray(genomes.values[i]), spec))


def test_at_least_fires_where_above_needs_one_more():
    """A neuron reading one pixel (+1) with threshold 1: under "at_least" it copies the pixel,
    under "above" it never fires."""
    for firing, expected in (("at_least", (np.arange(256) >> 2) & 1), ("above", np.zeros(256, int))):
        spec = threshold.ThresholdSpec(firing=firing)
        values = np.zeros(spec.n_loci, np.int32)
        first = np.flatnonzero(spec.loci[:, 1] == 0)
        values[first[0]] = 1 + 2 * 2  # pixel 2, weight +1
        values[first[3]] = spec.thresholds.index(1)
        fired = np.asarray(threshold.states(threshold.ThresholdGenome(jnp.asarray(values)), spec))[spec.n_inputs]
        np.testing.assert_array_equal(fired, expected)


def test_output_words_pack_the_output_row():
    genomes = random_genomes(3)
    states, words = np.asarray(batched_states(genomes)), np.asarray(batched_words(genomes))
    bits = (words[:, :, None] >> np.arange(32, dtype=np.uint32)) & 1
    np.testing.assert_array_equal(bits.reshape(BATCH, -1), states[:, -1])


def test_parallel_connections_add_up():
    """Two +1 slots from one pixel make weight 2: with threshold 1 the neuron fires iff that
    pixel is on; a +1 and a -1 from one pixel cancel, so no edge remains."""
    values = np.zeros(SPEC.n_loci, np.int32)
    loci = SPEC.loci
    first = np.flatnonzero(loci[:, 1] == 0)  # neuron 0: three slots then the threshold
    values[first[:2]] = 1 + 2 * 5  # pixel 5, weight +1, twice
    values[first[3]] = SPEC.thresholds.index(1)
    genome = threshold.ThresholdGenome(jnp.asarray(values))
    fired = np.asarray(threshold.states(genome, SPEC))[SPEC.n_inputs]
    np.testing.assert_array_equal(fired, (np.arange(256) >> 5) & 1)
    assert int(threshold.effective_weights(genome, SPEC)[5, SPEC.n_inputs]) == 2
    values[first[1]] = 2 + 2 * 5  # pixel 5, weight -1
    cancelled = threshold.ThresholdGenome(jnp.asarray(values))
    assert int(threshold.effective_weights(cancelled, SPEC)[5, SPEC.n_inputs]) == 0


def test_fan_in_caps_and_locus_ranges():
    assert SPEC.n_loci == 8 * 3 + 4 * 3 + 2 * 3 + 2 + 15
    genomes = random_genomes(7)
    values = np.asarray(genomes.values)
    assert np.all((values >= 0) & (values < SPEC.loci[:, 3]))
    sources, signs, thresholds = jax.vmap(lambda g: threshold.decode(g, SPEC))(genomes)
    assert np.all(np.asarray(signs)[:, -1, 2] == 0)  # the output neuron has two slots
    assert np.all((np.asarray(thresholds) >= -3) & (np.asarray(thresholds) <= 3))


def test_mutation_changes_one_locus_at_rate_pm():
    parent = jax.tree.map(lambda a: a[0], random_genomes(11))
    children = batched_mutate(jax.random.split(jax.random.PRNGKey(1), 4000), parent)
    changed = np.sum(np.asarray(children.values) != np.asarray(parent.values), axis=1)
    assert set(np.unique(changed)) <= {0, 1}
    assert abs(changed.mean() - SPEC.mutation_rate) < 0.03
    assert np.all((np.asarray(children.values) >= 0) & (np.asarray(children.values) < SPEC.loci[:, 3]))


def test_crossover_takes_whole_neurons_from_each_parent():
    a, b = (jax.tree.map(lambda x: x[i], random_genomes(5)) for i in (0, 1))
    children = np.asarray(batched_crossover(jax.random.split(jax.random.PRNGKey(2), 200), a, b).values)
    neuron = SPEC.loci[:, 1]
    for child in children:
        from_a = child == np.asarray(a.values)
        from_b = child == np.asarray(b.values)
        assert np.all(from_a | from_b)
        cut = next(n for n in range(1, SPEC.n_neurons) if not np.all(from_a[neuron == n]))
        assert np.all(from_a[neuron < cut]) and np.all(from_b[neuron >= cut])

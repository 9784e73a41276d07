"""NSGA-II (Deb et al. 2002) with the stochastic Pareto dominance of Clune, Mouret & Lipson 2013.

Every objective column is to be MAXIMISED. Under stochastic dominance, objective i takes part
in a pairwise comparison with probability ``pressure[i]``, drawn afresh for every comparison:
in each front-peeling pass of the sort (as Sferes' dom_sort_basic with prob_dom_f) and in every
tournament. With all pressures 1 it is the ordinary deterministic NSGA-II.

Shapes: N individuals, M objectives, K dominance classes (distinct non-zero probabilities that
a dominates b). Everything is fixed-shape and jittable. The dominance relation is held as K
bitsets per individual b (which a fall in class k), W uint32 words each: K * N * N / 8 bytes
in all, no [N, N] array of wider elements; each peeling pass recounts them by popcount.
N is at most 46340 (sort keys pack two indices below N into an int32).

An individual with a non-finite objective (NaN, +inf or -inf, e.g. from a broken evaluation)
is never preferred to one whose objectives are all finite: `survivors` and
`tournament_winners` set all its objectives to -inf (`_worst_if_not_finite`), so that every
finite individual dominates it whenever performance (pressure 1) is compared. The lower-level
functions take the objectives as they are and expect no NaN.

``kernels`` (see `evojax_mod.kernels`): "fast" steers XLA's CPU backend (packed single-array
sorts, a gather-free binary search, scatters that force results to be written out, int16
halving sums, the unrolled threefry); "plain" is the same algorithm in straightforward JAX
(stable argsorts, jnp.searchsorted, gathers, jnp.sum, jax.random), with the same bits. Both
keep the dominance relation as bitsets: that is the memory layout, not CPU steering.

``pressure`` is either a tuple of floats, compiled into the program, or a `SortPlan`: the same
numbers as arrays, so that one program sorts under many pressures (a sweep of cost pressure).
A plan is computed on the host in float64 exactly as the compiled path computes its constants,
and a sort under a plan has the bits of a sort under the plan's tuple (tests/selection).
"""
from __future__ import annotations

import itertools
from functools import partial
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod import prng, xla_cpu
from evojax_mod.kernels import is_fast

_UNRANKED = np.iinfo(np.int32).max
_PRESSURE_BITS = 16
_WORD = 32
_WORD_BLOCK = 64
_MAX_N = 46340


def _dominance_classes(pressure: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Probability that a dominates b, by the pattern of per-objective comparisons.

    A pattern gives each objective t_i in {0: equal, 1: a better, 2: a worse}, coded
    sum_i t_i 3^i. With objective i used with probability p_i independently,
    P(a dominates b) = prod_{i worse} (1 - p_i) * (1 - prod_{i better} (1 - p_i)).
    Returns (class_of_pattern int8 [3^M], class probabilities float64 [K]); class 0 means
    P = 0 and classes 1..K hold the distinct non-zero probabilities, largest first.
    """
    m = len(pressure)
    p = np.asarray(pressure, np.float64)
    patterns = np.array(list(itertools.product(range(3), repeat=m)))[:, ::-1]
    better, worse = patterns == 1, patterns == 2
    prob = np.prod(np.where(worse, 1 - p, 1.0), 1) * (1 - np.prod(np.where(better, 1 - p, 1.0), 1))
    prob = np.where(prob < 1e-12, 0.0, prob)
    values = np.unique(prob[prob > 0])[::-1]
    class_of = np.zeros(len(prob), np.int8)
    for k, v in enumerate(values):
        class_of[prob == v] = k + 1
    codes = (patterns * 3 ** np.arange(m)).sum(1)
    table = np.zeros(3 ** m, np.int8)
    table[codes] = class_of
    return table, values


@struct.dataclass
class SortPlan:
    """Stochastic dominance's numbers for one pressure vector, as arrays (one batch entry; a
    vmapped batch has a leading axis on each array).

    The dominance classes of the bitsets are the *structural* classes of ``table`` (static):
    patterns whose probability is the same function of the swept pressures, K_s of them. Under
    a given pressure several structural classes may have equal probability (they form one class
    of `_dominance_classes`) or none (P = 0). slot: int32 [K_s], the class of
    `_dominance_classes` under this pressure that each structural class belongs to (0-based, in
    its order: largest probability first), K_s for P = 0; log_keep: float32 [K_s + 1],
    log(1 - P) of each such class where P < 1, else 0 (0 also for the unused slots); certain:
    bool [K_s + 1], P = 1; thresholds: int32 [M], the tournaments' 16-bit use thresholds."""

    slot: jax.Array
    log_keep: jax.Array
    certain: jax.Array
    thresholds: jax.Array
    table: tuple[int, ...] = struct.field(pytree_node=False)

    @property
    def n_structural(self) -> int:
        return max(self.table)


def sort_plan(pressure: Sequence[float], swept: Sequence[bool]) -> SortPlan:
    """The `SortPlan` of ``pressure`` (per objective column, a probability) whose columns
    marked in ``swept`` may take other values in the same program; the others are fixed."""
    table = _structural_classes(pressure, swept)
    static_table, probs = _dominance_classes(pressure)
    n_structural = int(table.max())
    slot = np.full(n_structural, n_structural, np.int32)
    for pattern, k in enumerate(table):
        if k > 0 and static_table[pattern] > 0:
            slot[k - 1] = static_table[pattern] - 1
    padded = np.zeros(n_structural + 1, np.float64)
    padded[:len(probs)] = probs
    certain = padded >= 1.0
    log_keep = np.log1p(-np.where(certain, 0.0, padded)).astype(np.float32)
    return SortPlan(slot=jnp.asarray(slot), log_keep=jnp.asarray(log_keep), certain=jnp.asarray(certain),
                    thresholds=jnp.asarray(_pressure_thresholds(pressure).astype(np.int32)),
                    table=tuple(int(k) for k in table))


# Pressures at which two different functions of the swept pressures almost surely differ.
_GENERIC_PRESSURES = (0.3183098861837907, 0.5772156649015329, 0.1414213562373095)


def _structural_classes(pressure: Sequence[float], swept: Sequence[bool]) -> np.ndarray:
    """int8 [3^M]: the patterns grouped by their probability as a function of the swept
    pressures (equal at several generic values of them), 0 where it is always 0; classes
    numbered from 1 in the order of their first pattern."""
    if len(swept) != len(pressure):
        raise ValueError(f"swept has {len(swept)} entries for {len(pressure)} pressures")
    signatures = []
    for generic in _GENERIC_PRESSURES:
        trial = [generic if s else p for p, s in zip(pressure, swept)]
        table, probs = _dominance_classes(trial)
        signatures.append(np.concatenate([[0.0], probs])[table])
    signatures = np.round(np.stack(signatures, axis=1), 12)
    table = np.zeros(len(signatures), np.int8)
    seen: dict[tuple, int] = {}
    for pattern, signature in enumerate(map(tuple, signatures)):
        if any(signature):
            table[pattern] = seen.setdefault(signature, len(seen) + 1)
    return table


def _class_cubes(table: np.ndarray, m: int, k: int) -> list[tuple[frozenset, ...]]:
    """Class k of ``table`` as a union of cubes: tuples of per-objective sets of comparison
    states (0 equal, 1 a better, 2 a worse). Two cubes that differ in one objective only are
    merged into one with the union there, which is the same set of patterns; the merged cover
    needs far fewer bitset operations than one term per pattern."""
    cubes = {tuple(frozenset([(c // 3 ** i) % 3]) for i in range(m))
             for c in range(3 ** m) if table[c] == k}
    grown = True
    while grown:
        grown = False
        for x, y in itertools.combinations(list(cubes), 2):
            diff = [i for i in range(m) if x[i] != y[i]]
            if len(diff) == 1:
                i = diff[0]
                merged = x[:i] + (x[i] | y[i],) + x[i + 1:]
                grown |= merged not in cubes
                cubes.add(merged)
    maximal = [c for c in cubes
               if not any(c != d and all(ci <= di for ci, di in zip(c, d)) for d in cubes)]
    return sorted(maximal, key=lambda c: [sorted(s) for s in c])


def _worst_if_not_finite(objectives) -> jax.Array:
    """float32 [N, M] objectives with every row that holds a NaN or an infinity set to -inf
    throughout, the worst value in every objective; finite rows are unchanged."""
    f = jnp.asarray(objectives, jnp.float32)
    return jnp.where(jnp.all(jnp.isfinite(f), axis=1, keepdims=True), f, -jnp.inf)


def _sortable(x: jax.Array) -> jax.Array:
    """int32 keys with the order of the float32 values x (-0.0 and 0.0 equal), same shape."""
    x = jnp.where(x == 0, 0.0, x).astype(jnp.float32)
    bits = jax.lax.bitcast_convert_type(x, jnp.int32)
    return jnp.where(bits < 0, bits ^ 0x7FFFFFFF, bits)


def _count_below(sorted_rows: jax.Array, queries: jax.Array, kernels: str) -> jax.Array:
    """#entries of each sorted row below each query of that row, int32 [R, Q] from sorted
    int32 [R, L] and int32 [R, Q]. Fast: a branch-free binary search on flat gathers (faster on
    CPU than jnp.searchsorted's)."""
    if not is_fast(kernels):
        return jax.vmap(jnp.searchsorted)(sorted_rows, queries).astype(jnp.int32)
    r, length = sorted_rows.shape
    flat = sorted_rows.reshape(-1)
    row_start = (jnp.arange(r, dtype=jnp.int32) * length)[:, None]
    count = jnp.zeros(queries.shape, jnp.int32)
    step = 1 << (length.bit_length() - 1)
    while step:
        wider = count + step
        value = jnp.take(flat, row_start + jnp.minimum(wider, length) - 1, mode="clip")
        count = jnp.where((wider <= length) & (value < queries), wider, count)
        step //= 2
    return count


def _orders(objectives: jax.Array, kernels: str) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """Sort orders of every objective, each int32 [M, N]; objectives float32 [N, M].

    perm[i]: rows by increasing objective i, ties in the order of objective i-1 (of the row
    index for i = 0), which is DEAP's chain of stable in-place sorts; pos[i]: its inverse;
    below[i] / not_above[i]: #rows whose objective i is < / <= the row's. Fast: sort keys
    pack a value rank and a position into one int32 (single-array integer sorts are several
    times faster on CPU than sorts carrying several arrays) and inverses are scatters.
    """
    n, m = objectives.shape
    if n > _MAX_N:
        raise ValueError(f"at most {_MAX_N} individuals (got {n})")
    keys = _sortable(objectives).T
    sorted_keys = jax.lax.sort(keys, dimension=1)
    below = _count_below(sorted_keys, keys, kernels)
    # not_above from below, not from a second search: at sorted position p, one past the last
    # position holding the same key; the first position of a row's key is its ``below``
    rows = jnp.arange(n, dtype=jnp.int32)
    run_ends = jnp.concatenate([sorted_keys[:, 1:] != sorted_keys[:, :-1], jnp.ones((m, 1), bool)], axis=1)
    past_run = jax.lax.cummin(jnp.where(run_ends, rows, n - 1), axis=1, reverse=True) + 1
    not_above = jnp.take_along_axis(past_run, below, axis=1, mode="clip")
    perm, pos, perms, poss = rows, rows, [], []
    for i in range(m):
        if is_fast(kernels):
            packed = jax.lax.sort(below[i] * n + pos)
            perm = jnp.take(perm, packed % n, mode="clip")
            pos = xla_cpu.place(perm, rows)
        else:
            perm = perm[jnp.argsort(below[i][perm], stable=True)].astype(jnp.int32)
            pos = jnp.zeros(n, jnp.int32).at[perm].set(rows)
        perms.append(perm)
        poss.append(pos)
    return jnp.stack(perms), jnp.stack(poss), below, not_above


def _n_words(n: int) -> int:
    """Words per bitset: enough for n bits, rounded up to _WORD_BLOCK words."""
    return -(-n // (_WORD * _WORD_BLOCK)) * _WORD_BLOCK


def _prefix_sets(index: jax.Array, n_words: int) -> jax.Array:
    """Bitsets of the first j entries of each row of ``index``: set[i, j] = {index[i, j'] :
    j' < j}, uint32 [R, L+1, n_words] from int32 [R, L]; bit a is bit a % 32 of word a // 32."""
    r = index.shape[0]
    word = jnp.arange(n_words, dtype=jnp.int32)
    index = index.astype(jnp.uint32)  # unsigned: // and % by 32 become shifts and masks
    bit = jnp.left_shift(jnp.uint32(1), index % _WORD)
    in_word = word == (index // _WORD).astype(jnp.int32)[..., None]
    single = jnp.where(in_word, bit[..., None], jnp.uint32(0))
    sets = jax.lax.associative_scan(jnp.bitwise_or, single, axis=1)
    return jnp.concatenate([jnp.zeros((r, 1, n_words), jnp.uint32), sets], axis=1)


def _first_bits(count: jax.Array, n_words: int) -> jax.Array:
    """Bitsets of {0, ..., count - 1}, uint32 [N, n_words] from int32 [N]."""
    filled = jnp.clip(count[:, None] - _WORD * jnp.arange(n_words, dtype=jnp.int32), 0, _WORD)
    partial = jnp.left_shift(jnp.uint32(1), filled.astype(jnp.uint32) % _WORD) - 1
    return jnp.where(filled == _WORD, jnp.uint32(0xFFFFFFFF), partial)


def _class_bits(perm, pos, below, not_above, table: np.ndarray, n_classes: int, kernels: str) -> jax.Array:
    """Dominance-class bitsets, uint32 [K, N, W], indexed by position in objective 0's order:
    bit r' of bits[k - 1, r] is set iff (perm[0, r'], perm[0, r]) is in class k of ``table``
    (see _dominance_classes). Bits r' >= N are arbitrary; callers mask them.
    perm, pos, below, not_above: int32 [M, N] from _orders.

    Row b of {a : a_i < b_i} is the prefix set of objective i's order up to below[i, b], and
    {a : a_i <= b_i} the one up to not_above[i, b]; every comparison state set of a class
    cube is one or two of these, complemented or not. In objective 0's order its own prefix
    sets are ranges of positions, which spares one scan and two gathers.
    """
    m, n = below.shape
    n_words = _n_words(n)
    if is_fast(kernels):
        # rows in objective 0's order, through a scatter: XLA would otherwise fuse the last
        # binary-search step of _orders into the row gathers below, once per word
        below, not_above = (jax.vmap(xla_cpu.place, in_axes=(None, 0))(pos[0], x) for x in (below, not_above))
    else:
        below, not_above = below[:, perm[0]], not_above[:, perm[0]]
    lt, le = [_first_bits(below[0], n_words)], [_first_bits(not_above[0], n_words)]
    if m > 1:
        sets = _prefix_sets(pos[0][perm[1:]], n_words).reshape((m - 1) * (n + 1), n_words)
        row_start = (jnp.arange(m - 1, dtype=jnp.int32) * (n + 1))[:, None]
        lt += list(jnp.take(sets, row_start + below[1:], axis=0, mode="clip"))
        le += list(jnp.take(sets, row_start + not_above[1:], axis=0, mode="clip"))
    # lt[i]: a worse than b on objective i; le[i]: a not better
    state_sets = {
        frozenset([2]): lambda i: lt[i], frozenset([0, 2]): lambda i: le[i],
        frozenset([1]): lambda i: ~le[i], frozenset([0, 1]): lambda i: ~lt[i],
        frozenset([0]): lambda i: le[i] & ~lt[i], frozenset([1, 2]): lambda i: lt[i] | ~le[i],
    }
    classes = []
    for k in range(1, n_classes + 1):
        union = jnp.zeros((n, n_words), jnp.uint32)
        for cube in _class_cubes(table, m, k):
            term = jnp.full((n, n_words), 0xFFFFFFFF, jnp.uint32)
            for i, states in enumerate(cube):
                if len(states) < 3:
                    term = term & state_sets[states](i)
            union = union | term
        classes.append(union)
    return jnp.stack(classes)


def _pack(mask: jax.Array, n_words: int) -> jax.Array:
    """Bitset of a bool [N] mask, uint32 [n_words]."""
    padded = jnp.pad(mask, (0, n_words * _WORD - mask.shape[0])).astype(jnp.uint32)
    return jnp.sum(padded.reshape(n_words, _WORD) << jnp.arange(_WORD, dtype=jnp.uint32),
                   axis=1, dtype=jnp.uint32)


def _class_counts(bits: jax.Array, members: jax.Array, kernels: str) -> jax.Array:
    """counts[k, b] = #{a in members : bit a of bits[k, b]}, int32 [K, N].

    bits: uint32 [K, N, W]; members: uint32 [W]. Fast: word popcounts are summed in int16
    (N < 2^15 keeps sums exact) by `xla_cpu.halving_sum` (W is a multiple of 64).
    """
    counts = jax.lax.population_count(bits & members)
    if not is_fast(kernels):
        return jnp.sum(counts, axis=-1, dtype=jnp.int32)
    return xla_cpu.halving_sum(counts.astype(jnp.int16 if bits.shape[1] < 2 ** 15 else jnp.int32), -1)


def _peel(key, bits: jax.Array, weights: "_PeelWeights", n_needed: int, kernels: str):
    """Front index per individual by repeated extraction of the non-dominated set among the
    not yet ranked, each pass with fresh comparison draws (Sferes' dom_sort_basic with
    prob_dom_f); stops once ``n_needed`` rows are ranked, the rest stay _UNRANKED.

    Exact in distribution without drawing N^2 bits a pass: within a pass the draws of
    different b are disjoint, so b is non-dominated independently with probability
    q = prod_{a remaining} (1 - P_ab), computed from the per-class counts of remaining a.
    Each b draws one exponential E_b for the whole sort and leaves at the first pass where
    its cumulative hazard sum -log(1 - q) exceeds E_b, which given the passes before has
    probability q (memorylessness; docs/decisions.md).
    bits: uint32 [K, N, W] from _class_bits; weights: the classes' probabilities (`_PeelWeights`).
    Returns (ranks int32 [N], number of passes, number ranked before the last pass).
    """
    _, n, n_words = bits.shape
    n_needed = min(n_needed, n)
    exposure = prng.exponential(key, (n,), kernels=kernels) if weights.stochastic else None

    def one_pass(carry):
        ranks, hazard, front, n_ranked, _ = carry
        remaining = ranks == _UNRANKED
        counts = weights.merged(_class_counts(bits, _pack(remaining, n_words), kernels))
        free = remaining & jnp.all(weights.uncertain | (counts == 0), axis=0)
        if weights.stochastic:
            log_q = jnp.sum(jnp.where(weights.uncertain, counts * weights.log_keep, 0.0), axis=0)
            hazard = hazard + jnp.where(free, -jnp.log(-jnp.expm1(log_q)), 0.0)
            free = free & (exposure < hazard)
        ranks = jnp.where(free, front, ranks)
        return ranks, hazard, front + 1, n_ranked + jnp.sum(free, dtype=jnp.int32), n_ranked

    carry = (jnp.full((n,), _UNRANKED, jnp.int32), jnp.zeros(n, jnp.float32), jnp.int32(0),
             jnp.int32(0), jnp.int32(0))
    ranks, _, n_fronts, _, n_before_last = jax.lax.while_loop(lambda c: c[3] < n_needed, one_pass, carry)
    return ranks, n_fronts, n_before_last


class _PeelWeights:
    """The classes' probabilities as `_peel` uses them. log_keep: float32 [C, 1], log(1 - P)
    where P < 1, else 0; uncertain: bool [C, 1], P < 1; stochastic: whether any class is
    uncertain (static; always True under a plan, where a certain class merely adds nothing);
    ``merged(counts)`` maps per-bitset counts [K, N] to per-class counts [C, N]."""

    def __init__(self, pressure):
        if isinstance(pressure, SortPlan):
            self.log_keep, self.uncertain = pressure.log_keep[:, None], ~pressure.certain[:, None]
            self.stochastic, self._slot = True, pressure.slot
            self.n_bitsets, self.table = pressure.n_structural, np.asarray(pressure.table, np.int8)
            return
        self.table, probs = _dominance_classes(pressure)
        uncertain = probs < 1.0
        self.log_keep = jnp.asarray(np.log1p(-np.where(uncertain, probs, 0.0)), jnp.float32)[:, None]
        self.stochastic, self._slot = bool(np.any(uncertain)), None
        self.uncertain, self.n_bitsets = jnp.asarray(uncertain)[:, None], len(probs)

    def merged(self, counts: jax.Array) -> jax.Array:
        if self._slot is None:
            return counts
        # integer sums, exact: a merged class counts what its one bitset would under the tuple
        return jnp.zeros((self.log_keep.shape[0], counts.shape[1]), counts.dtype).at[self._slot].add(counts)


def _sort_ranks(key, objectives, pressure, n_needed: int, kernels: str):
    """_peel on float32 objectives [N, M]; also returns the _orders it built. ``pressure``: a
    tuple of floats or a `SortPlan`."""
    orders = _orders(objectives, kernels)
    weights = _PeelWeights(pressure)
    n = objectives.shape[0]
    if weights.n_bitsets == 0:
        return (jnp.zeros(n, jnp.int32), jnp.int32(1), jnp.int32(0)), orders
    perm, pos, below, not_above = orders
    bits = _class_bits(perm, pos, below, not_above, weights.table, weights.n_bitsets, kernels)
    ranks, n_fronts, n_before_last = _peel(key, bits, weights, n_needed, kernels)
    return (ranks[pos[0]], n_fronts, n_before_last), orders


def _crowding(objectives: jax.Array, ranks: jax.Array, perm: jax.Array, pos: jax.Array,
              kernels: str) -> jax.Array:
    """crowding_distances from the orders of _orders (perm, pos int32 [M, N])."""
    n, m = objectives.shape
    if not is_fast(kernels):
        # one buffer shared with the caller, as the fast scatters below ensure: XLA must not
        # recompute the objectives inside the gathers (see the comment there)
        objectives = jax.lax.optimization_barrier(objectives)
    group = jnp.minimum(ranks, n)  # unranked rows form one more group
    index = jnp.arange(n, dtype=jnp.int32)
    distance = jnp.zeros(n, jnp.float32)
    for i in range(m):
        if is_fast(kernels):
            packed = jax.lax.sort(group * n + pos[i])
            order = jnp.take(perm[i], packed % n, mode="clip")
            g = packed // n
            # rows into this order by a scatter, not a gather: a scatter never absorbs the
            # producer of its operand, so the objectives stay one buffer shared with the
            # caller. XLA would otherwise recompute them inside these kernels, rounded
            # differently depending on the vmapped batch size (a seed's run would depend on
            # its batch).
            v = xla_cpu.place(xla_cpu.place(order, index), objectives)[:, i]  # v[j] = objectives[order[j], i]
        else:
            order = perm[i][jnp.argsort(group[perm[i]], stable=True)]
            g = group[order]
            v = objectives[order, i]
        first = jnp.concatenate([jnp.array([True]), g[1:] != g[:-1]])
        last = jnp.concatenate([g[1:] != g[:-1], jnp.array([True])])
        lo = jnp.take(v, jax.lax.cummax(jnp.where(first, index, 0)), mode="clip")
        hi = jnp.take(v, jax.lax.cummin(jnp.where(last, index, n - 1), reverse=True), mode="clip")
        span = hi - lo
        prev_v = jnp.concatenate([v[:1], v[:-1]])
        next_v = jnp.concatenate([v[1:], v[-1:]])
        gap = jnp.where(span > 0, (next_v - prev_v) / jnp.where(span > 0, span, 1.0), 0.0)
        contribution = jnp.where(first | last, jnp.inf, gap)
        if is_fast(kernels):
            distance = distance + xla_cpu.place(order, contribution)
        else:
            distance = distance.at[order].add(contribution)
    return distance


@partial(jax.jit, static_argnames="kernels")
def _deterministic_ranks(f, kernels: str):
    (ranks, _, _), _ = _sort_ranks(jax.random.PRNGKey(0), f, (1.0,) * f.shape[1], f.shape[0], kernels)
    return ranks


def nondominated_ranks(objectives, maximize: Sequence[bool], kernels: str = "fast") -> jax.Array:
    """Pareto front index of every row (0 = first front), plain deterministic dominance.

    objectives: [N, M]; maximize: length-M booleans (False = that column is minimised).
    Returns int32 [N]. Equal rows share a front.
    """
    signs = jnp.where(jnp.asarray(maximize, bool), 1.0, -1.0)
    return _deterministic_ranks(jnp.asarray(objectives, jnp.float32) * signs, kernels=kernels)


@partial(jax.jit, static_argnames="kernels")
def crowding_distances(objectives, ranks, kernels: str = "fast") -> jax.Array:
    """Crowding distance of Deb et al. 2002 within each front, float32 [N].

    For each objective in turn, members of a front are stably sorted by value, starting from
    the previous objective's order (row order for the first), exactly as DEAP's in-place sort
    breaks ties; the first and last get +inf, the others add (next - prev) / (front max - front min),
    skipped when the front's range is 0. Summed over objectives (DEAP's assignCrowdingDist
    divides the same sum by M). Rows whose rank is _UNRANKED form one more group and are
    ignored by callers. objectives: [N, M]; ranks: int [N].
    """
    f = jnp.asarray(objectives, jnp.float32)
    perm, pos, _, _ = _orders(f, kernels)
    return _crowding(f, jnp.asarray(ranks, jnp.int32), perm, pos, kernels)


def _pressure_thresholds(pressure: Sequence[float]) -> np.ndarray:
    """Objective i is used when a uniform 16-bit draw is below round(p_i * 2^16)."""
    return np.round(np.asarray(pressure, np.float64) * 2 ** _PRESSURE_BITS).astype(np.int64)


def stochastic_ranks(key, objectives: jax.Array, pressure: "Sequence[float] | SortPlan", n_needed: int,
                     kernels: str = "fast") -> jax.Array:
    """Front index under stochastic dominance, int32 [N]; peeling stops once ``n_needed``
    rows are ranked (the others stay unranked, int32 max). objectives: [N, M], maximised."""
    (ranks, _, _), _ = _sort_ranks(key, jnp.asarray(objectives, jnp.float32), pressure, n_needed, kernels)
    return ranks


def survivors(key, objectives: jax.Array, pressure: "Sequence[float] | SortPlan", n_survivors: int,
              kernels: str = "fast"):
    """(mu + lambda) environmental selection: whole fronts in order, the last partial front by
    decreasing crowding distance (ties: lower row first).

    Returns (indices int32 [n_survivors] in increasing order, crowding float32 [n_survivors])
    where crowding is the distance within the survivor's front of the full set (used by later
    tournaments). A row with a non-finite objective counts as -inf throughout (module docstring).
    """
    f = _worst_if_not_finite(objectives)
    (ranks, n_fronts, n_before_last), (perm, pos, _, _) = _sort_ranks(key, f, pressure, n_survivors, kernels)
    crowd = _crowding(f, ranks, perm, pos, kernels)
    # the last pass's front is the only partial one; take its n_wanted most crowded
    n_wanted = n_survivors - n_before_last
    less_crowded = jnp.where(ranks == n_fronts - 1, _sortable(-crowd), np.iinfo(np.int32).max)
    threshold = jax.lax.sort(less_crowded)[n_wanted - 1]
    taken = less_crowded < threshold
    tied = less_crowded == threshold
    tied_taken = tied & (jnp.cumsum(tied) <= n_wanted - jnp.sum(taken))
    (chosen,) = jnp.nonzero((ranks < n_fronts - 1) | taken | tied_taken, size=n_survivors)
    chosen = chosen.astype(jnp.int32)
    return chosen, crowd[chosen]


def tournament_winners(key, objectives: jax.Array, crowding: jax.Array,
                       pressure: "Sequence[float] | SortPlan", kernels: str = "fast") -> jax.Array:
    """Parent indices from binary tournaments as Sferes' Pnsga::_selection, int32 [N].

    Two random permutations of the N parents are cut into consecutive pairs; each pair plays
    once: stochastic dominance (one fresh draw per objective), then larger crowding distance,
    then a fair coin. N must be even. A row with a non-finite objective counts as -inf
    throughout (module docstring).
    """
    objectives = _worst_if_not_finite(objectives)
    n = objectives.shape[0]
    k_perm1, k_perm2, k_used, k_coin = prng.split(key, 4, kernels=kernels)
    pairs = jnp.concatenate([prng.permutation(k_perm1, n, kernels=kernels),
                             prng.permutation(k_perm2, n, kernels=kernels)]).reshape(n, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    thresholds = (pressure.thresholds if isinstance(pressure, SortPlan)
                  else jnp.asarray(_pressure_thresholds(pressure)))
    draws = prng.bits(k_used, (n, objectives.shape[1]), kernels=kernels).astype(jnp.uint16).astype(jnp.int32)
    used = draws < thresholds
    fa, fb = objectives[a], objectives[b]
    a_better = jnp.any(used & (fa > fb), axis=1)
    b_better = jnp.any(used & (fb > fa), axis=1)
    coin = prng.bernoulli(k_coin, 0.5, (n,), kernels=kernels)
    a_wins = jnp.where(a_better != b_better, a_better,
                       jnp.where(crowding[a] != crowding[b], crowding[a] > crowding[b], coin))
    return jnp.where(a_wins, a, b)

"""NSGA-II (Deb et al. 2002) with the stochastic Pareto dominance of Clune, Mouret & Lipson 2013.

Every objective column is to be MAXIMISED. Under stochastic dominance, objective i takes part
in a pairwise comparison with probability ``pressure[i]``, drawn afresh for every comparison:
in each front-peeling pass of the sort (as Sferes' dom_sort_basic with prob_dom_f) and in every
tournament. With all pressures 1 it is the ordinary deterministic NSGA-II.

Shapes: N individuals, M objectives. Everything is fixed-shape and jittable; the dominance
relation of a pass is one [N, N] boolean matrix.
"""
from __future__ import annotations

import itertools
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

_UNRANKED = np.iinfo(np.int32).max
_PRESSURE_BITS = 16
_ROWS_PER_STEP = 64


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


def _pair_classes(objectives: jax.Array, table: np.ndarray) -> jax.Array:
    """Dominance class of every ordered pair (a, b), int8 [N, N] (see _dominance_classes)."""
    code = jnp.zeros((objectives.shape[0],) * 2, jnp.int32)
    for i in range(objectives.shape[1]):
        a, b = objectives[:, None, i], objectives[None, :, i]
        code = code + 3 ** i * ((a > b).astype(jnp.int32) + 2 * (a < b).astype(jnp.int32))
    return jnp.asarray(table)[code]


_FIELD_BITS = 10
_ROWS_PER_FIELD = 2 ** _FIELD_BITS - 1


def _column_class_counts(classes: jax.Array, n_classes: int) -> jax.Array:
    """counts[b, k] = #{a : classes[a, b] == k + 1}, int32 [N, n_classes].

    One pass over the [N, N] matrix per three classes instead of one per class: each class
    adds 1 << (10 j) to an int32, and rows are summed in blocks of 1023 so that no 10-bit field
    can overflow into the next; the fields are then unpacked and the blocks added. Exact.
    """
    n = classes.shape[0]
    n_blocks = -(-n // _ROWS_PER_FIELD)
    pad = n_blocks * _ROWS_PER_FIELD - n
    counts = []
    for first in range(1, n_classes + 1, 3):
        fields = range(first, min(first + 3, n_classes + 1))
        weight = np.zeros(n_classes + 1, np.int32)
        for j, c in enumerate(fields):
            weight[c] = 1 << (_FIELD_BITS * j)
        packed = jnp.pad(jnp.asarray(weight)[classes], ((0, pad), (0, 0)))
        sums = jnp.sum(packed.reshape(n_blocks, _ROWS_PER_FIELD, n), axis=1)
        for j in range(len(fields)):
            counts.append(jnp.sum((sums >> (_FIELD_BITS * j)) & _ROWS_PER_FIELD, axis=0))
    return jnp.stack(counts, axis=1)


def _peel(key, objectives: jax.Array, pressure: Sequence[float], n_needed: int,
          rows_per_step: int) -> jax.Array:
    """Front index per individual, int32 [N], by repeated extraction of the non-dominated set
    among the not yet ranked, each pass with fresh comparison draws (Sferes' dom_sort_basic
    with prob_dom_f); stops once ``n_needed`` rows are ranked, the rest stay _UNRANKED.

    Exact in distribution without drawing N^2 bits a pass: within a pass the draws of
    different b are disjoint, so b is non-dominated independently with probability
    prod_{a remaining} (1 - P_ab), computed from per-class counts of remaining dominators.
    The counts are kept up to date by subtracting, ``rows_per_step`` rows at a time, the
    rows of the individuals just ranked.
    """
    n = objectives.shape[0]
    table, probs = _dominance_classes(pressure)
    classes = _pair_classes(objectives, table)
    if len(probs) == 0:
        return jnp.zeros(n, jnp.int32)
    class_ids = jnp.arange(1, len(probs) + 1, dtype=jnp.int8)
    log_keep = jnp.asarray(np.log1p(-np.where(probs < 1.0, probs, 0.0)), jnp.float32)
    is_uncertain = jnp.asarray(probs < 1.0)
    counts0 = _column_class_counts(classes, len(probs))

    def cond(carry):
        ranks = carry[0]
        return jnp.sum(ranks != _UNRANKED) < n_needed

    def body(carry):
        ranks, counts, pending, front, key = carry
        key, k_pass = jax.random.split(key)
        new_pass = ~jnp.any(pending)
        remaining = ranks == _UNRANKED
        log_p_free = jnp.sum(jnp.where(is_uncertain, counts * log_keep, 0.0), axis=1)
        no_certain = jnp.all(jnp.where(is_uncertain, True, counts == 0), axis=1)
        u = jax.random.uniform(k_pass, (n,), minval=np.finfo(np.float32).tiny)
        free = remaining & no_certain & (jnp.log(u) < log_p_free)
        ranks = jnp.where(new_pass & free, front, ranks)
        pending = jnp.where(new_pass, free, pending)
        front = front + new_pass.astype(jnp.int32)
        (rows,) = jnp.nonzero(pending, size=rows_per_step, fill_value=n)
        valid = rows < n
        leaving = (classes[jnp.minimum(rows, n - 1)][:, :, None] == class_ids) & valid[:, None, None]
        counts = counts - jnp.sum(leaving, axis=0, dtype=jnp.int32)
        pending = pending.at[rows].set(False, mode="drop")
        return ranks, counts, pending, front, key

    carry = (jnp.full((n,), _UNRANKED, jnp.int32), counts0, jnp.zeros(n, bool), jnp.int32(0), key)
    return jax.lax.while_loop(cond, body, carry)[0]


def nondominated_ranks(objectives, maximize: Sequence[bool]) -> jax.Array:
    """Pareto front index of every row (0 = first front), plain deterministic dominance.

    objectives: [N, M]; maximize: length-M booleans (False = that column is minimised).
    Returns int32 [N]. Equal rows share a front.
    """
    signs = jnp.where(jnp.asarray(maximize, bool), 1.0, -1.0)
    f = jnp.asarray(objectives, jnp.float32) * signs
    n, m = f.shape
    return _peel_jit(jax.random.PRNGKey(0), f, (1.0,) * m, n, _ROWS_PER_STEP)


_peel_jit = jax.jit(_peel, static_argnums=(2, 3, 4))


@jax.jit
def crowding_distances(objectives, ranks) -> jax.Array:
    """Crowding distance of Deb et al. 2002 within each front, float32 [N].

    For each objective in turn, members of a front are stably sorted by value, starting from
    the previous objective's order (row order for the first), exactly as DEAP's in-place sort
    breaks ties; the first and last get +inf, the others add (next - prev) / (front max - front min),
    skipped when the front's range is 0. Summed over objectives (DEAP's assignCrowdingDist
    divides the same sum by M). Rows whose rank is _UNRANKED form one more group and are
    ignored by callers. objectives: [N, M]; ranks: int [N].
    """
    f = jnp.asarray(objectives, jnp.float32)
    ranks = jnp.asarray(ranks, jnp.int32)
    n, m = f.shape
    distance = jnp.zeros(n, jnp.float32)
    position = jnp.arange(n)
    for i in range(m):
        order = jnp.lexsort((position, f[:, i], ranks))
        position = jnp.zeros(n, jnp.int32).at[order].set(jnp.arange(n, dtype=jnp.int32))
        r, v = ranks[order], f[order, i]
        first = jnp.concatenate([jnp.array([True]), r[1:] != r[:-1]])
        last = jnp.concatenate([r[1:] != r[:-1], jnp.array([True])])
        group = jnp.cumsum(first) - 1
        lo = jax.ops.segment_min(v, group, num_segments=n)[group]
        hi = jax.ops.segment_max(v, group, num_segments=n)[group]
        span = hi - lo
        prev_v = jnp.concatenate([v[:1], v[:-1]])
        next_v = jnp.concatenate([v[1:], v[-1:]])
        gap = jnp.where(span > 0, (next_v - prev_v) / jnp.where(span > 0, span, 1.0), 0.0)
        contribution = jnp.where(first | last, jnp.inf, gap)
        distance = distance.at[order].add(contribution)
    return distance


def _pressure_thresholds(pressure: Sequence[float]) -> np.ndarray:
    """Objective i is used when a uniform 16-bit draw is below round(p_i * 2^16)."""
    return np.round(np.asarray(pressure, np.float64) * 2 ** _PRESSURE_BITS).astype(np.int64)


def stochastic_ranks(key, objectives: jax.Array, pressure: Sequence[float], n_needed: int) -> jax.Array:
    """Front index under stochastic dominance, int32 [N]; peeling stops once ``n_needed``
    rows are ranked (the others stay unranked, int32 max). objectives: [N, M], maximised."""
    return _peel(key, objectives, pressure, n_needed, _ROWS_PER_STEP)


def survivors(key, objectives: jax.Array, pressure: Sequence[float], n_survivors: int):
    """(mu + lambda) environmental selection: whole fronts in order, the last partial front by
    decreasing crowding distance.

    Returns (indices int32 [n_survivors], crowding float32 [n_survivors]) where crowding is
    the distance within the survivor's front of the full set (used by later tournaments).
    """
    ranks = stochastic_ranks(key, objectives, pressure, n_survivors)
    crowd = crowding_distances(objectives, ranks)
    order = jnp.lexsort((-crowd, ranks))
    chosen = order[:n_survivors]
    return chosen, crowd[chosen]


def tournament_winners(key, objectives: jax.Array, crowding: jax.Array,
                       pressure: Sequence[float]) -> jax.Array:
    """Parent indices from binary tournaments as Sferes' Pnsga::_selection, int32 [N].

    Two random permutations of the N parents are cut into consecutive pairs; each pair plays
    once: stochastic dominance (one fresh draw per objective), then larger crowding distance,
    then a fair coin. N must be even.
    """
    n = objectives.shape[0]
    k_perm1, k_perm2, k_used, k_coin = jax.random.split(key, 4)
    pairs = jnp.concatenate([jax.random.permutation(k_perm1, n),
                             jax.random.permutation(k_perm2, n)]).reshape(n, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    thresholds = jnp.asarray(_pressure_thresholds(pressure))
    draws = jax.random.bits(k_used, (n, objectives.shape[1]), jnp.uint16).astype(jnp.int32)
    used = draws < thresholds
    fa, fb = objectives[a], objectives[b]
    a_better = jnp.any(used & (fa > fb), axis=1)
    b_better = jnp.any(used & (fb > fa), axis=1)
    coin = jax.random.bernoulli(k_coin, 0.5, (n,))
    a_wins = jnp.where(a_better != b_better, a_better,
                       jnp.where(crowding[a] != crowding[b], crowding[a] > crowding[b], coin))
    return jnp.where(a_wins, a, b)

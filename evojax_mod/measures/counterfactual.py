"""Counterfactual (interventional) mutual information between node sets, and the two-module
score built on it (measures.md §3.2; Ay & Polani 2008's information flow, with the resample
ablation of causal scrubbing as the intervention).

Two modules can share a lot of observational MI only because they read the same input. The
counterfactual MI asks what a source set B *causes* in a target set C instead: each input
pattern x_i is run again with B clamped to b~, B's clean post-activation values on another
pattern (so b~ is distributed as B and independent of x_i), and C's values c~ are recorded.

  marginal     I_cf(B -> C) = I(b~ ; c~): what the injected values tell about C's;
               0 <= I_cf <= H(B), 0 when C does not read B.
  conditional  I_cf(B -> C | X) = E_x H(C~ | X = x): how much C moves with b~ at a fixed input,
               which also sees C = B xor x2 (marginal 0 although C depends on B entirely).

All in nats; more information from one module to the other means less modular. A network is
any callable ``values(clamp) -> float32 [N, P]``: every node's value on the task's P input
patterns, with a `families.Clamp` (None = clean) holding chosen nodes, passed as a
`jax.tree_util.Partial` (e.g. ``Partial(family.node_values, individual, x)``,
`Experiment.interventions`), so every family with interventions works.

Donors: pattern i's injected values come from donors[k, i], k < K. Sampled mode draws a random
cyclic order of the patterns and takes the K patterns after i in it: each row k is a
derangement, and the K donors of one pattern are distinct other patterns. Both CF-MIs pool
the K * P samples of one set of K runs: the marginal is the plug-in MI over all of them (the
same target as the mean over K derangements of P samples each, with K times the samples), made
shuffle-corrected; the conditional is H(X, C~) - H(X). Units are binned with edges fitted on
the *clean* values, so intervened values land in the bins the network's own values define.
Exact mode (Boolean or +-1 units, all patterns enumerated) pairs every pattern with every
donor, self included, which is the do-distribution itself: no sampling, no bins, no bias.
The counterfactual functions are jittable and vmap over networks (fixed shapes, keys in);
`batched_module_scores` scores a whole population in one jitted call.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import entr

from evojax_mod.families.base import Clamp
from evojax_mod.measures.information import binned_mi, joint_states, mutual_info

# A network under interventions: values(clamp) -> float32 [N, P]. The jitted functions take it
# as a `jax.tree_util.Partial`, a pytree whose function is static and whose arrays are traced.
Values = Callable[[Clamp | None], jax.Array]


def cyclic_donors(key, n_patterns: int, n_injections: int) -> jax.Array:
    """int32 [K, P]: donors[k, i] = the (k+1)-th pattern after i in a random cyclic order of
    the P patterns. Every row is a derangement; a pattern's K donors are distinct (K < P)."""
    if not 0 < n_injections < n_patterns:
        raise ValueError(f"n_injections must be in 1..{n_patterns - 1} (distinct other patterns), "
                         f"got {n_injections}")
    return _shifted(jax.random.permutation(key, n_patterns), jnp.arange(1, n_injections + 1))


def all_donors(n_patterns: int) -> jax.Array:
    """int32 [P, P]: donors[k, i] = (i + k) mod P, every (pattern, donor) pair once, so the
    donor is uniform and independent of the pattern: the exact interventional distribution."""
    return _shifted(jnp.arange(n_patterns), jnp.arange(n_patterns))


def _shifted(order, shifts) -> jax.Array:
    """int32 [len(shifts), P]: for each shift s, the pattern s places after i in ``order``."""
    position = jnp.argsort(order)
    return order[(position[None, :] + shifts[:, None]) % order.size].astype(jnp.int32)


def intervene(values: Values, clean, source, donors) -> jax.Array:
    """float32 [K, N, P]: every node's values when the source nodes hold the donors' clean
    values: run k, pattern i has source node u at clean[u, donors[k, i]].

    values: the network (module docstring); clean: float32 [N, P] = values(None); source:
    bool [N]; donors: int [K, P]. Clean values are post-activation, so a clamped unit holds
    exactly a value it takes on another input (clamping pre-activations would not)."""
    k = donors.shape[0]
    injected = jnp.moveaxis(clean[:, donors], 1, 0)
    return jax.vmap(values)(Clamp(mask=jnp.broadcast_to(source, (k, source.shape[0])), values=injected))


def clean_edges(x, bins: int) -> jax.Array:
    """float32 [bins - 1]: inner bin edges fitted on one unit's clean values x [P].

    The equal-frequency (quantile) edges of `information.quantile_edges` (numpy's linear
    interpolation between order statistics); where the unit takes at most ``bins`` distinct
    values (dead, saturated or Boolean units, whose quantiles collapse), the midpoints between
    them, so each keeps its own bin as in `information.quantile_bins`. Fixed shape (padding
    repeats the maximum) and one sort: jittable and quick to compile."""
    ordered = jnp.sort(x)
    position = jnp.linspace(0.0, 1.0, bins + 1)[1:-1] * (x.shape[0] - 1)
    below = jnp.floor(position).astype(jnp.int32)
    above = jnp.minimum(below + 1, x.shape[0] - 1)
    quantiles = ordered[below] + (position - below) * (ordered[above] - ordered[below])
    rank = jnp.cumsum(jnp.concatenate([jnp.ones(1, bool), ordered[1:] > ordered[:-1]])) - 1
    distinct = jnp.full(bins, ordered[-1]).at[rank].set(ordered, mode="drop")
    return jnp.where(rank[-1] < bins, (distinct[1:] + distinct[:-1]) / 2, quantiles)


def _binned(values, edges) -> jax.Array:
    """int32 [N, M]: each unit's bin (0..bins-1) of values [N, M] under its edges [N, bins-1],
    the number of edges at or below the value (``searchsorted(..., side="right")``)."""
    return jnp.sum(values[:, :, None] >= edges[:, None, :], axis=-1, dtype=jnp.int32)


def joint_codes(rows) -> jax.Array:
    """int32 [n]: the joint state of d discrete variables rows [d, n] as a dense code (< n).

    The jittable counterpart of `information.joint_states`: the codes may be numbered
    differently, which no entropy or MI depends on."""
    order = jnp.lexsort(rows)
    ordered = rows[:, order]
    new = jnp.concatenate([jnp.ones(1, bool), jnp.any(ordered[:, 1:] != ordered[:, :-1], axis=0)])
    return jnp.zeros(rows.shape[1], jnp.int32).at[order].set(jnp.cumsum(new, dtype=jnp.int32) - 1)


def code_entropy(codes) -> jax.Array:
    """float32 []: plug-in entropy (nats) of the dense codes [n] (values < n)."""
    return jnp.sum(entr(jnp.bincount(codes, length=codes.size) / codes.size))


def code_mi(a, b) -> jax.Array:
    """float32 []: plug-in MI (nats) between dense codes a [n] and b [n], as
    `information.mutual_info`: H(a) + H(b) - H(a, b), never below 0."""
    joint = joint_codes(jnp.stack([a, b]))
    return jnp.maximum(code_entropy(a) + code_entropy(b) - code_entropy(joint), 0.0)


def _states(units, mask) -> jax.Array:
    """int32 [M]: the joint state of the masked units of units [N, M] (others held at 0)."""
    return joint_codes(jnp.where(mask[:, None], units, 0))


def _pooled(clamped) -> jax.Array:
    """[N, K * P]: the K runs side by side, sample k * P + i being run k on pattern i."""
    n_runs, n_nodes, n_patterns = clamped.shape
    return jnp.moveaxis(clamped, 0, 1).reshape(n_nodes, n_runs * n_patterns)


def _flow(injected, target_states, n_patterns: int) -> dict[str, jax.Array]:
    """The plug-in CF-MIs of one set of pooled runs: injected int [K * P] (the injected source
    states), target_states int [K * P] (C's states in the runs), P patterns."""
    pattern = jnp.tile(jnp.arange(n_patterns), injected.size // n_patterns)
    conditional = code_entropy(joint_codes(jnp.stack([pattern, target_states]))) - jnp.log(n_patterns)
    return {"marginal_raw": code_mi(injected, target_states), "conditional": conditional,
            "source_entropy": code_entropy(injected)}


def _binned_flow(clean, clamped, donors, source, target, key, bins: int, n_shuffles: int):
    edges = jax.vmap(clean_edges, (0, None))(clean, bins)
    injected = _states(_binned(clean, edges), source)[donors].ravel()
    target_states = _states(_binned(_pooled(clamped), edges), target)
    flow = _flow(injected, target_states, clean.shape[1])
    # the plug-in MI of independent variables is about (K_b - 1)(K_c - 1) / 2n, not 0
    null = jnp.mean(jax.vmap(lambda k: code_mi(injected, jax.random.permutation(k, target_states)))(
        jax.random.split(key, n_shuffles))) if n_shuffles else jnp.float32(0.0)
    return {**flow, "marginal": flow["marginal_raw"] - null, "marginal_null": null}


@partial(jax.jit, static_argnames=("bins", "n_injections", "n_shuffles"))
def counterfactual_mi(values: Values, source, target, key, *, bins: int = 10, n_injections: int = 8,
                      n_shuffles: int = 20) -> dict[str, jax.Array]:
    """The sampled, binned counterfactual MI from source to target (module docstring).

    values: the network, ``values(clamp) -> float32 [N, P]``, as a `jax.tree_util.Partial`
    (its function static, its arrays traced: one compile serves every network of a family);
    source, target: bool [N] node sets; key: a PRNG key (donors and shuffles); bins: per
    unit, fitted on clean values; n_injections: K < P runs, each a derangement of the
    patterns; n_shuffles: permutations of C's samples in the null. Returns float32 [] values
    in nats: "marginal" (raw - null, ~0 when B does not drive C, may be slightly negative),
    "marginal_raw", "marginal_null", "conditional" (E_x H(bin(C~) | x) over the K values per
    pattern, at most log K and biased low by about (states - 1) / 2K) and "source_entropy"
    H(bin(B~)), the marginal's upper bound. A multi-unit set is reduced to its joint state:
    keep bins^d well below K * P."""
    k_donors, k_shuffles = jax.random.split(key)
    clean = values(None)
    donors = cyclic_donors(k_donors, clean.shape[1], n_injections)
    clamped = intervene(values, clean, source, donors)
    return _binned_flow(clean, clamped, donors, source, target, k_shuffles, bins, n_shuffles)


@jax.jit
def exact_counterfactual_mi(values: Values, source, target) -> dict[str, jax.Array]:
    """The exact counterfactual MI from source to target, for units with a few discrete
    values (Boolean or +-1) on an exhaustive, equally likely pattern set (all 2^n inputs).

    Every pattern runs with every pattern's source values (P runs), and each distinct value
    is its own state, so the result is the network's own information flow. Arguments and
    result as `counterfactual_mi` ("marginal" = "marginal_raw", "conditional" exact), in nats;
    on continuous units it counts every distinct value as a state, which means little."""
    clean = values(None)
    donors = all_donors(clean.shape[1])
    injected = _states(clean, source)[donors].ravel()
    flow = _flow(injected, _states(_pooled(intervene(values, clean, source, donors)), target), clean.shape[1])
    return {**flow, "marginal": flow["marginal_raw"], "marginal_null": jnp.float32(0.0)}


@jax.jit
def _clean(values: Values) -> jax.Array:
    """float32 [N, P]: the values without intervention, compiled once per family and shape."""
    return values(None)


def layer_pairs(labels, layer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (source, target) sets of the module score: for each layer l and modules m, m' with
    labelled nodes in layers l and l + 1, module m's nodes of layer l to module m''s of l + 1.

    labels: int [N] module of each node (-1: in none, e.g. inputs and outputs); layer: int [N].
    Returns sources, targets bool [n_pairs, N] and cross bool [n_pairs] (m != m')."""
    labels, layer = np.asarray(labels), np.asarray(layer)
    sources, targets, cross = [], [], []
    for here in np.unique(layer[labels >= 0]):
        for m in np.unique(labels[(layer == here) & (labels >= 0)]):
            for m2 in np.unique(labels[(layer == here + 1) & (labels >= 0)]):
                sources.append((layer == here) & (labels == m))
                targets.append((layer == here + 1) & (labels == m2))
                cross.append(m != m2)
    n = labels.shape[0]
    return (np.reshape(sources, (-1, n)).astype(bool), np.reshape(targets, (-1, n)).astype(bool),
            np.asarray(cross, bool))


def module_score(information, cross) -> float:
    """S = 1 - cross / (cross + within) (§3.2 item 7) of the information (nats) of each pair,
    information float [n_pairs], cross bool [n_pairs]. Negative estimates (shuffle-corrected
    noise around 0) count as 0, so S is in [0, 1]; 1: nothing crosses between modules (more
    modular); NaN where nothing flows at all (no pairs, or all 0)."""
    flow = np.maximum(np.asarray(information, float), 0.0)
    total = flow.sum()
    return float("nan") if total == 0 else float(1.0 - flow[np.asarray(cross, bool)].sum() / total)


def module_scores(values: Values, labels, layer, *, exact: bool = False, bins: int = 10,
                  n_injections: int = 8, n_shuffles: int = 20, seed: int = 0) -> dict[str, float]:
    """The module score S of one network from counterfactual and from observational MI.

    values: the network; labels int [N] (-1: in no module), layer int [N] (`layer_pairs`).
    The same pairs are scored twice: "counterfactual" with the marginal CF-MI, "observational"
    with the MI of the clean values (`information.binned_mi` with the same bins, or in exact
    mode the plug-in MI of the distinct values over all patterns). "gap" = counterfactual -
    observational: > 0 where modules share information through a common input without talking.
    seed: the key of the donors and shuffles. Higher S = more modular."""
    sources, targets, cross = layer_pairs(labels, layer)
    clean = np.asarray(_clean(values))
    key = jax.random.PRNGKey(seed)
    if exact:
        cf = [exact_counterfactual_mi(values, s, t)["marginal"] for s, t in zip(sources, targets)]
        obs = [mutual_info(joint_states(clean[s]), joint_states(clean[t])) for s, t in zip(sources, targets)]
    else:
        cf = [counterfactual_mi(values, s, t, key, bins=bins, n_injections=n_injections,
                                n_shuffles=n_shuffles)["marginal"] for s, t in zip(sources, targets)]
        obs = [binned_mi(clean[s], clean[t], bins=bins, n_shuffles=n_shuffles, seed=seed)["mi"]
               for s, t in zip(sources, targets)]
    counterfactual, observational = module_score(cf, cross), module_score(obs, cross)
    return {"counterfactual": counterfactual, "observational": observational,
            "gap": counterfactual - observational}


@partial(jax.jit, static_argnames=("bins", "n_shuffles"))
def observational_mi(clean, source, target, key, *, bins: int = 10, n_shuffles: int = 20) -> jax.Array:
    """float32 []: the shuffle-corrected binned MI (nats) between the joint states of the source
    and target units of clean [N, P] (bool [N] sets): `information.binned_mi` made jittable.
    The raw value is equal; the null draws its permutations from ``key``, so it differs from
    binned_mi's by sampling noise."""
    codes = _binned(clean, jax.vmap(clean_edges, (0, None))(clean, bins))
    a, b = _states(codes, source), _states(codes, target)
    null = jnp.mean(jax.vmap(lambda k: code_mi(a, jax.random.permutation(k, b)))(
        jax.random.split(key, n_shuffles))) if n_shuffles else jnp.float32(0.0)
    return code_mi(a, b) - null


@partial(jax.jit, static_argnames=("bins", "n_injections", "n_shuffles"))
def pair_information(values: Values, sources, targets, key, *, bins: int = 10, n_injections: int = 8,
                     n_shuffles: int = 20) -> tuple[jax.Array, jax.Array]:
    """(counterfactual, observational) float32 [n_pairs] nats: the marginal CF-MI
    (`counterfactual_mi` with ``key``, as `module_scores` calls it) and `observational_mi`
    from each source set to its target set, sources and targets bool [n_pairs, N]. An empty
    pair (padding) gives 0 for both."""
    clean = values(None)
    cf = jax.vmap(lambda s, t: counterfactual_mi(values, s, t, key, bins=bins, n_injections=n_injections,
                                                 n_shuffles=n_shuffles)["marginal"])(sources, targets)
    obs = jax.vmap(lambda s, t: observational_mi(clean, s, t, key, bins=bins, n_shuffles=n_shuffles))(
        sources, targets)
    used = sources.any(axis=1) & targets.any(axis=1)
    return jnp.where(used, cf, 0.0), jnp.where(used, obs, 0.0)


def batched_module_scores(values: Values, labels, layer, *, bins: int = 10, n_injections: int = 8,
                          n_shuffles: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    """`module_scores` (sampled mode) of B networks in one jitted, vmapped call.

    values: the B networks as one `Partial` whose every array has a leading axis B (e.g.
    ``Partial(family.node_values, population, broadcast inputs)``); labels int [B, N] (-1: in
    no module); layer int [N], shared. Each network's `layer_pairs` are padded with empty
    pairs to the largest count. Returns float [B] arrays "counterfactual" (equal to
    module_scores'), "observational" (`observational_mi`: raw MI equal, shuffles drawn
    differently) and "gap"."""
    pairs = [layer_pairs(lab, layer) for lab in np.asarray(labels)]
    width, n = max(1, max(len(c) for _, _, c in pairs)), np.shape(labels)[1]
    pad = lambda a, shape: np.concatenate([a, np.zeros((width - len(a),) + shape, bool)])
    sources = np.stack([pad(s, (n,)) for s, _, _ in pairs])
    targets = np.stack([pad(t, (n,)) for _, t, _ in pairs])
    cross = np.stack([pad(c, ()) for _, _, c in pairs])
    flows = jax.vmap(lambda v, s, t: pair_information(v, s, t, jax.random.PRNGKey(seed), bins=bins,
                                                      n_injections=n_injections, n_shuffles=n_shuffles))
    cf, obs = (np.asarray(f) for f in flows(values, jnp.asarray(sources), jnp.asarray(targets)))
    counterfactual = np.array([module_score(f, c) for f, c in zip(cf, cross)])
    observational = np.array([module_score(f, c) for f, c in zip(obs, cross)])
    return {"counterfactual": counterfactual, "observational": observational,
            "gap": counterfactual - observational}

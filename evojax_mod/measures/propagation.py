"""How far information propagates: the counterfactual influence of each input unit on every
later unit, summarised by layer distance (issue 36, experiment 7).

Definition. Input i is clamped to ``high`` and then to ``low`` on every task pattern x (the
other inputs as x has them) and every node u is recorded:

    influence[i, u] = sqrt(E_x (v_u(x | x_i := high) - v_u(x | x_i := low))^2) / (high - low)

the root-mean-square change of u per unit change of input i (node-value units per input unit,
>= 0; E_x over the P task patterns, equally likely). On the inputs themselves it is the
identity: influence[i, i] = 1, 0 for the other inputs. It is an intervention, not a
correlation: two units that read the same input do not influence each other.

Why this one. The per-unit mean square of a perturbation is what mean-field theory of random
networks propagates (Poole et al. 2016; Schoenholz et al. 2017): q_{l+1} = chi q_l, ordered
(perturbations die out, chi < 1) or chaotic (they grow and reach everything, chi > 1). The
"scarce channels" picture of issue 36 (information dies out with distance, so interaction is
local) is the ordered phase; "scarce modules" (everything interacts with everything) is the
chaotic or critical one. The finite flip low -> high is the Boolean task's own counterfactual
rather than an infinitesimal one, so saturated units count what they really do. Compared with
a counterfactual MI it needs no bins and no donors, is exact on the task's patterns, and is a
smooth number on dead or saturated nets.

Summaries, d = the layer distance layer[u] - layer[i] (1..D, D the deepest):

    propagation[d]  RMS of influence over the input -> unit pairs at distance d, divided by its
                    value at d = 0 (1 / sqrt(n_in): each input moves only itself). Per unit, so
                    layers of different widths compare: an identity chain (every layer copies
                    the previous one) keeps 1 at every d; a layer with all incoming weights 0
                    gives 0 beyond it; a linear net with variance-preserving (LeCun) weights
                    keeps about 1. Equals sqrt(q_d / q_0) of the mean-field picture.
    decay           least-squares slope of ln propagation[d] against d over d = 0..D (with
                    propagation[0] = 1), in nats per layer: 0 = no decay, < 0 = information
                    dies out (ordered), > 0 = it grows (chaotic); ln propagation is floored at
                    ln FLOOR so that a blocked net has a finite slope.
    spread          how evenly an input's influence covers the units of one layer: the
                    participation ratio (sum_u I)^2 / (n_l sum_u I^2) in [1/n_l, 1], mean over
                    inputs and the layers after the inputs of >= 2 units that the input
                    reaches; 1/n: one channel (identity chain), 1: every unit equally (dense).
    locality        with a partition (labels int [N], -1: in none), the share of an input's
                    influence on later labelled units that stays in its own module, mean over
                    labelled inputs that reach any: 1 for two disconnected modules;
                    ``locality_chance`` is the same share if influence were even over those
                    units (each module's share of them), the value of "no locality".

All functions are jittable (layer and inputs static) and vmap over networks: a network is any
``values(clamp) -> float32 [N, P]`` (`counterfactual.Values`), e.g.
``Partial(family.node_values, individual, x)``.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.families.base import Clamp
from evojax_mod.measures.counterfactual import Values

# Smallest propagation the decay's logarithm reads: float32 resolves about 1e-7 of a
# unit-sized value, so a smaller RMS change is rounding, not information.
FLOOR = 1e-6


def flips(values: Values, inputs: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> jax.Array:
    """float32 [n_in, N, P]: every node's value with input inputs[k] held at ``high`` minus its
    value with it held at ``low``, on each of the P patterns (the other inputs as given).

    values: the network; inputs: node indices of the clamped inputs (static)."""
    n_nodes, n_patterns = values(None).shape
    one_hot = jnp.eye(n_nodes, dtype=bool)[jnp.asarray(inputs)]
    held = lambda level: jax.vmap(values)(Clamp(mask=one_hot, values=jnp.full(
        (len(inputs), n_nodes, n_patterns), level, jnp.float32)))
    return held(high) - held(low)


def influence(values: Values, inputs: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> jax.Array:
    """float32 [n_in, N]: the RMS change over patterns of each node per unit change of each
    input (module docstring), >= 0."""
    change = flips(values, inputs, low, high)
    return jnp.sqrt(jnp.mean(change ** 2, axis=-1)) / (high - low)


def distance_masks(layer: tuple[int, ...], inputs: tuple[int, ...]) -> np.ndarray:
    """bool [n_in, D + 1, N]: [k, d, u] = node u lies d layers after input inputs[k]
    (d = 0..D, D the largest distance); static, from the family's ``layer_of``."""
    layer = np.asarray(layer)
    distance = layer[None, :] - layer[np.asarray(inputs)][:, None]
    return distance[:, None, :] == np.arange(distance.max() + 1)[None, :, None]


def summarise(inf: jax.Array, layer: tuple[int, ...], inputs: tuple[int, ...],
              labels: jax.Array | None = None) -> dict[str, jax.Array]:
    """The summaries of an influence matrix inf [n_in, N] (module docstring).

    layer: each node's layer (static, length N); inputs: the inputs inf's rows belong to;
    labels: int [N] module of each node (-1: none) or None (no locality). Returns
    "propagation" float32 [D + 1] (index d; [0] = 1), "decay" (nats per layer), "spread" and,
    with labels, "locality" and "locality_chance" (float32 [] each; NaN where undefined)."""
    at = jnp.asarray(distance_masks(layer, inputs))                                   # [n_in, D+1, N]
    pairs = at.sum(axis=(0, 2))
    rms = jnp.sqrt(jnp.einsum("kdu,ku->d", at, inf ** 2) / pairs)
    propagation = rms / rms[0]
    d = jnp.arange(rms.shape[0], dtype=jnp.float32)
    logs = jnp.log(jnp.maximum(propagation, FLOOR))
    decay = jnp.sum((d - d.mean()) * (logs - logs.mean())) / jnp.sum((d - d.mean()) ** 2)
    out = {"propagation": propagation, "decay": decay, "spread": _spread(inf, at)}
    if labels is not None:
        out.update(_locality(inf, at, jnp.asarray(labels), jnp.asarray(inputs)))
    return out


def _spread(inf, at) -> jax.Array:
    """Mean participation ratio of each input's influence over the units of each later layer
    of >= 2 units it reaches."""
    by_layer = jnp.where(at, inf[:, None, :], 0.0)                                   # [n_in, D+1, N]
    total, square = by_layer.sum(-1), (by_layer ** 2).sum(-1)
    width = at.sum(-1)
    counted = (jnp.arange(at.shape[1]) > 0)[None, :] & (width >= 2) & (total > 0)
    ratio = total ** 2 / jnp.where(counted, width * square, 1.0)
    return jnp.sum(jnp.where(counted, ratio, 0.0)) / jnp.sum(counted)


def _locality(inf, at, labels, inputs) -> dict[str, jax.Array]:
    """The own-module share of each labelled input's influence on later labelled units, and
    the share of those units in its module, both averaged over inputs that reach any."""
    later = at[:, 1:, :].any(axis=1) & (labels >= 0)[None, :]                         # [n_in, N]
    own = later & (labels[None, :] == labels[inputs][:, None])
    total = jnp.sum(jnp.where(later, inf, 0.0), axis=1)
    counted = (labels[inputs] >= 0) & (total > 0)
    share = jnp.sum(jnp.where(own, inf, 0.0), axis=1) / jnp.where(counted, total, 1.0)
    chance = own.sum(1) / jnp.maximum(later.sum(1), 1)
    mean = lambda v: jnp.sum(jnp.where(counted, v, 0.0)) / jnp.sum(counted)
    return {"locality": mean(share), "locality_chance": mean(chance)}


@partial(jax.jit, static_argnames=("layer", "inputs", "low", "high"))
def propagation(values: Values, labels: jax.Array | None = None, *, layer: tuple[int, ...],
                inputs: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> dict[str, jax.Array]:
    """The influence matrix and its summaries of one network, in one compile per family.

    values: the network (a `jax.tree_util.Partial`); labels: int [N] or None; layer, inputs:
    static tuples (``family.layer_of``, ``family.inputs``); low, high: the two clamped values
    of an input (the retina's +-1). Returns `summarise`'s entries and "influence" [n_in, N]."""
    inf = influence(values, inputs, low, high)
    return {"influence": inf, **summarise(inf, layer, inputs, labels)}

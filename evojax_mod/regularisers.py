"""The regularisers of trained networks: connection costs added to a problem's data loss.

Each is MINIMISED and weighed by a traced setting of the same name (a sweep over weights is one
compiled program):

    l1        Sum |w| over the present edges; with ``biases``, plus Sum |b| over every bias (the
              leaves named ``bias`` of a flax parameter tree) from generation ``bias_from`` on
    wiring    Sum |w_ij| d(p_i, p_j) at the network's `layout.Layout`: the distance-weighted L1 of
              BIMT with the positions the run's state holds

BIMT's cost Sum |w| (A d + l0) + l0 Sum |b| is wiring = lambda A and l1 = lambda l0 with biases
(horizontal distances). The bias term is a static choice, compiled in only when asked for: an
extra term on the bias gradients changes how XLA fuses them, and with it the bits of every run
that does not use it. A pressure schedule multiplies every weight from chosen generations on
(BIMT: x10 from a quarter of the run, x1 again from three quarters), the bias term may start late
(BIMT: at three quarters), and swap passes (`layout.swap_pass`) move nodes to shorten the wiring every ``swap_every`` steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from evojax_mod.layout import Layout, swap_pass, wiring_cost


def l1_minimise(family, params, layout: Layout) -> jax.Array:
    """float32 []: summed |w| over the present edges."""
    return jnp.sum(family.graph(params).magnitude)


def wiring_minimise(family, params, layout: Layout) -> jax.Array:
    """float32 []: summed |w_ij| times the distance between the nodes at ``layout``."""
    return wiring_cost(family.graph(params).magnitude, layout)


def bias_l1_minimise(params) -> jax.Array:
    """float32 []: summed |b| over the parameter tree's ``bias`` leaves."""
    leaves = jax.tree_util.tree_leaves_with_path(params)
    biases = [leaf for path, leaf in leaves if getattr(path[-1], "key", None) == "bias"]
    return sum((jnp.sum(jnp.abs(b)) for b in biases), jnp.float32(0.0))


REGULARISER_FUNCTIONS = {"l1": l1_minimise, "wiring": wiring_minimise}
REGULARISERS = tuple(REGULARISER_FUNCTIONS)


@dataclass(frozen=True)
class Regularisation:
    """The static part of a loss config's regularisers (`config.LossConfig`).

    distance: a key of `layout.DISTANCES`. schedule: ((from_generation, multiplier), ...): from
    each listed generation on, every weight is its setting times the multiplier (1 before the
    first). biases: l1 also counts the biases, from generation bias_from on.
    swap_every: generations between swap passes (0 = none); swap_top: nodes moved per layer."""

    distance: str = "euclidean"
    schedule: tuple = ()
    biases: bool = False
    bias_from: int = 0
    swap_every: int = 0
    swap_top: int = 5

    @classmethod
    def of(cls, loss_config) -> "Regularisation":
        schedule = tuple((int(g), float(m)) for g, m in loss_config.pressure_schedule)
        return cls(distance=loss_config.wiring_distance, schedule=schedule, biases=bool(loss_config.l1_biases),
                   bias_from=int(loss_config.l1_biases_from),
                   swap_every=int(loss_config.swap_every), swap_top=int(loss_config.swap_top))

    def initial_layout(self, family) -> Layout:
        return Layout.of(family.coordinates, self.distance)

    def weights(self, settings: dict, generation) -> dict:
        """{name: float32 []}: each regulariser's weight at ``generation`` (int32, traced), and
        with ``biases`` the bias term's under "biases"."""
        multiplier = jnp.float32(1.0)
        for start, factor in self.schedule:
            multiplier = jnp.where(generation >= start, jnp.float32(factor), multiplier)
        weights = {name: settings[name] * multiplier if self.schedule else settings[name] for name in REGULARISERS}
        if self.biases:
            weights["biases"] = jnp.where(generation >= self.bias_from, weights["l1"], 0.0)
        return weights

    def total(self, data_loss: jax.Array, family, params, layout: Layout, weights: dict) -> jax.Array:
        """float32 []: ``data_loss`` plus every regulariser times its weight, in `REGULARISERS`
        order (the training loss, MINIMISED)."""
        total = data_loss
        for name in REGULARISERS:
            total = total + weights[name] * REGULARISER_FUNCTIONS[name](family, params, layout)
        if self.biases:
            total = total + weights["biases"] * bias_l1_minimise(params)
        return total

    def relocated(self, family, params, layout: Layout, generation) -> Layout:
        """``layout`` after the swap pass due at ``generation`` (every swap_every-th), else
        unchanged."""
        if self.swap_every == 0:
            return layout
        # A cond, so that a seed run alone (the CPU loop's layout) skips the pass between swaps;
        # vmapped over seeds it becomes a select of both branches.
        return jax.lax.cond(generation % self.swap_every == 0,
                            lambda: swap_pass(family.graph(params).magnitude, layout, family.layer_of, self.swap_top),
                            lambda: layout)

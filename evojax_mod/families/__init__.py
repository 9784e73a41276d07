"""What is optimised: network families as values (`base.Family`), each one file.

A family is a frozen, hashable spec (a static argument of jit) with pure functions on one
individual; batch with ``jax.vmap``. Differentiable families (`base.Differentiable`) also give
their real parameters and a forward pass, so gradient optimisers (optax) and evolution
strategies (evosax) can optimise them. `registry.FAMILIES` maps config kinds to classes.
"""
from evojax_mod.families.base import Clamp, Differentiable, Evolvable, Family, Graph

__all__ = ["Family", "Evolvable", "Differentiable", "Graph", "Clamp"]

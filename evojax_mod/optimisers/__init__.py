"""How a differentiable family is optimised: optimisers as values (`base.Optimiser`).

`optax_` trains one network by gradients (Adam, SGD, full-batch GD); `evosax_` evolves a
distribution over networks (OpenES, CMA-ES, SNES). The genetic algorithms of the evolved
genomes (NSGA-II, the elitist GA) live in `evojax_mod.selection` with their experiments.
`registry.OPTIMISERS` maps config kinds to classes.
"""
from evojax_mod.optimisers.base import Optimiser

__all__ = ["Optimiser"]

"""Basin broadness: Hessian, Gauss-Newton and the local learning coefficient, for one network
or a population in one call, on any differentiable family written as pure functions.

- `params`: any pytree as a flat vector, and the mask of coordinates that are parameters.
- `spectra`: exact Hessian, J^T J and Gauss-Newton matrices and eigenvalues; `population`
  vmaps any of them over networks.
- `matrix_free`: Hessian/GN-vector products, Lanczos top eigenvalues, Hutchinson trace and
  SLQ densities (matfree) for nets too large for [P, P].
- `blocks`: per-layer / per-module spectra for a partition of the parameters.
- `llc`: the local learning coefficient by SGLD, chains x networks vmapped.
- `features`: the SVD of J = d outputs / d theta: its rank (the independent features), the flat
  directions, the data-side null space, and the rank of each layer's columns.
- `summaries`: flat-direction counts, log volume, trace, lambda_max, loss against radius and on
  a plane.
- `layered`: the evolved layered nets as params, mask and a smooth loss (activation gain).
"""
from evojax_mod.broadness.llc import LLCResult, llc, population_llc
from evojax_mod.broadness.spectra import hessian_eigenvalues, population

__all__ = ["LLCResult", "hessian_eigenvalues", "llc", "population", "population_llc"]

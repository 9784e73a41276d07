"""Symbolic formulas as regression problems: inputs drawn uniformly from [-1, 1]^d, one output
per formula term, as in BIMT's symbolic-formula tasks (Liu, Gan & Tegmark 2023, §3.1).

    independence   4 inputs -> ((x1 + x3)^3, x2^2 + sin(pi x4)): two sub-problems that share no
                   input, so a modular network can keep them apart (input groups (x1, x3) and
                   (x2, x4))

A `regression.RegressionProblem` with separate outputs: sub-target k is output k's target (the
goal scales each; (1, 1) is the formula itself). The training and test inputs are drawn with
numpy's legacy generator seeded with ``data_seed``, training first: seed 0 gives BIMT's own 100
+ 100 points. The probes for `modularity.invariance` are the test inputs, then the same with one
group's inputs taken from the next test point.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evojax_mod.problems.regression import RegressionProblem, Split


@dataclass(frozen=True)
class Formula:
    """n_inputs; terms: inputs float64 [n, n_inputs] -> sub-targets [n, K]; groups: the inputs
    each term reads (disjoint); names: one per term."""

    n_inputs: int
    terms: callable
    groups: tuple[tuple[int, ...], ...]
    names: tuple[str, ...]


def _independence(x: np.ndarray) -> np.ndarray:
    return np.stack([(x[:, 0] + x[:, 2]) ** 3, x[:, 1] ** 2 + np.sin(np.pi * x[:, 3])], axis=1)


FORMULAS = {
    "independence": Formula(n_inputs=4, terms=_independence, groups=((0, 2), (1, 3)), names=("f1", "f2")),
}


def probes(inputs: np.ndarray, groups) -> np.ndarray:
    """float32 [K + 1, m, n_inputs]: the inputs, then for each group k the inputs with group k's
    entries replaced by the next row's (the last row takes the first's)."""
    changed = []
    for group in groups:
        moved = inputs.copy()
        moved[:, list(group)] = np.roll(inputs[:, list(group)], -1, axis=0)
        changed.append(moved)
    return np.stack([inputs] + changed).astype(np.float32)


def formula_problem(section, batch_size: int) -> RegressionProblem:
    """The problem of a validated `config.FormulaConfig` section; ``batch_size`` as
    `RegressionProblem`'s."""
    formula = FORMULAS[section.formula]
    rng = np.random.RandomState(section.data_seed)  # the legacy generator: BIMT's points
    train = rng.rand(section.train_points, formula.n_inputs) * 2 - 1
    test = rng.rand(section.test_points, formula.n_inputs) * 2 - 1

    def split(x):
        return Split(inputs=x.astype(np.float32), sub_targets=formula.terms(x).astype(np.float32))

    return RegressionProblem(train=split(train), test=split(test), batch_size=batch_size,
                             probes=probes(test, formula.groups), input_groups=formula.groups,
                             coefficient_names=formula.names, separate_outputs=True)

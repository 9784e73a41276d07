"""Which data-set problem a ``problem`` config section builds: one constructor per kind
(`config.PROBLEMS`; the Boolean ``task`` kind is built by the composed experiment)."""
from __future__ import annotations

from evojax_mod.problems.digit_pairs import digit_pairs_problem
from evojax_mod.problems.formulas import formula_problem
from evojax_mod.problems.regression import RegressionProblem

PROBLEMS = {"digit_pairs": digit_pairs_problem, "formula": formula_problem}


def problem_from_config(section, objectives) -> RegressionProblem:
    """The data-set problem of a validated ``problem`` section (``objectives``: the loss
    section, for the batch size)."""
    return PROBLEMS[section.kind](section, objectives.batch_size)

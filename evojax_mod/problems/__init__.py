"""What a network is scored on: problems as values (`boolean.BooleanProblem`)."""
from evojax_mod.problems.boolean import BooleanProblem

__all__ = ["BooleanProblem"]

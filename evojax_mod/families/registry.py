"""Which family a genome config section builds: one constructor per differentiable kind."""
from __future__ import annotations

from evojax_mod.families.base import Family
from evojax_mod.families.mlp import MlpFamily


def _mlp(section) -> MlpFamily:
    return MlpFamily(layers=tuple(section.layers), activation=section.activation, initialiser=section.initialiser,
                     scale=float(section.scale), x=tuple(section.x), y=tuple(section.y))


FAMILIES = {"mlp": _mlp}


def family_from_config(section) -> Family:
    """The family of a validated ``genome`` config section."""
    return FAMILIES[section.kind](section)

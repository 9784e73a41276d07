"""Which family a genome config section builds: one constructor per differentiable kind.

A constructor takes the section and the problem's input shape (H, W, C) of one datapoint, ()
for Boolean tasks; families that read flat inputs ignore it."""
from __future__ import annotations

from evojax_mod.families.base import Family
from evojax_mod.families.cnn import CnnFamily
from evojax_mod.families.mlp import MlpFamily


def _mlp(section, image_shape: tuple) -> MlpFamily:
    x, y = section.coordinates()
    return MlpFamily(layers=tuple(section.layers), activation=section.activation, initialiser=section.initialiser,
                     scale=float(section.scale), x=tuple(x), y=tuple(y))


def _cnn(section, image_shape: tuple) -> CnnFamily:
    return CnnFamily(image_shape=image_shape, channels=tuple(section.channels),
                     kernel_sizes=tuple(section.kernel_sizes), dense=tuple(section.dense),
                     activation=section.activation, initialiser=section.initialiser, scale=float(section.scale))


FAMILIES = {"mlp": _mlp, "cnn": _cnn}


def family_from_config(section, image_shape: tuple = ()) -> Family:
    """The family of a validated ``genome`` config section, for inputs of ``image_shape``."""
    return FAMILIES[section.kind](section, tuple(image_shape))
